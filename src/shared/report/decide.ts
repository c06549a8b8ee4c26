/**
 * The report's decision at each load level, by the search's own rule
 * (src/shared/search/decide.ts) on the measurements: at level 1 requests are
 * compared blocked by prompt cell, above it rounds by their aggregate tokens/s.
 * Pure, so a report rebuilt from its log decides exactly as the sweep did.
 */
import { configKey, isBaseline, knobFields, launchKey, settingOf, type ConfigKeyed } from '../config-key';
import { roundScores } from '../load-figures';
import { kWords, settingWordsAmong } from '../level-picks';
import type { ConfigurationResult, LevelDecision, Measurement, SettingRef, SweepPlan } from '../schemas';
import type { Sample } from '../search/compare';
import { decideLevel, type LevelCandidate, type Verdict } from '../search/decide';
import type { StopReason } from '../search/search';
import { verdictWords } from '../search/words';
import { stratumKey } from './pairing';

/** What only the sweep knows about how it searched (absent for a report rebuilt from a log). */
export interface SearchFacts {
  strategy: 'adaptive' | 'exhaustive';
  /** Looks a level's decision could take (its intervals are widened for them). */
  looks: number;
  /** Rounds a setting got when first measured. */
  initialRounds: number;
  /** Why the search stopped, per level. */
  stop: Record<number, StopReason>;
  /** What the caps left unmeasured, in words. */
  budget: string | null;
}

/** Facts for a report rebuilt without the sweep: the plan's repeats and --max-repeats. */
export function planFacts(plan: SweepPlan): SearchFacts {
  const max = plan.maxRepeats ?? 3 * plan.repeats;
  return { strategy: plan.strategy ?? 'exhaustive', looks: Math.max(1, max - plan.repeats + 1), initialRounds: plan.repeats, stop: {}, budget: null };
}

/** The samples a level's decision compares: requests by prompt cell at 1, rounds' aggregate tokens/s above. */
export function samplesAt(level: number, ms: readonly Measurement[]): Sample[] {
  if (level > 1) return roundScores(level, ms).map((value) => ({ stratum: '', value }));
  return ms.flatMap((m) => (m.ok && m.metrics ? [{ stratum: stratumKey(m), value: m.metrics.tokensPerSecond }] : []));
}

export const roundsOf = (ms: readonly Measurement[]) => new Set(ms.map((m) => m.repeat)).size;

/** Drafted tokens per step a configuration measured (its counters), else its k. */
function draftPerStep(c: ConfigurationResult): number {
  if (isBaseline(c)) return 0;
  const a = c.acceptance;
  const per = a?.draftTokens != null ? a.draftTokens / (a.drafts || a.steps || NaN) : NaN;
  return Number.isFinite(per) ? per : (c.numSpeculativeTokens ?? 0);
}

export interface LevelView {
  verdict: Verdict;
  /** A candidate's entry by its key (launchKey). */
  entry: (key: string) => ConfigurationResult;
  samples: (key: string) => Measurement[];
}

export function viewAt(level: number, entries: readonly ConfigurationResult[], ms: (c: ConfigKeyed) => Measurement[], looks: number): LevelView | null {
  const measured = entries.filter((c) => !c.failed && !c.predicted && (c.concurrency ?? 1) === level);
  const byKey = new Map(measured.map((c) => [launchKey(c), c]));
  const cands: LevelCandidate[] = measured.map((c) => {
    const own = ms(c);
    return { key: launchKey(c), baseline: isBaseline(c), draftPerStep: draftPerStep(c), k: c.numSpeculativeTokens ?? 0, samples: samplesAt(level, own), rounds: roundsOf(own), atCap: true };
  });
  const verdict = decideLevel(cands, { looks });
  return verdict && { verdict, entry: (key) => byKey.get(key)!, samples: (key) => ms(byKey.get(key)!) };
}

const ref = (c: ConfigKeyed): SettingRef => ({ numSpeculativeTokens: c.numSpeculativeTokens, draftModel: c.draftModel ?? null, ...knobFields(c) });

/** Marks tiesWithBest: the leader and every setting within 1% of it. */
export function markTies(view: LevelView | null, entries: ConfigurationResult[]): void {
  for (const c of entries) {
    const key = launchKey(c);
    c.tiesWithBest = view !== null && (key === view.verdict.leader || view.verdict.versusLeader.get(key)?.tie === true);
  }
}

export function decisionRecord(level: number, view: LevelView | null, entries: readonly ConfigurationResult[], facts: SearchFacts, ms: (c: ConfigKeyed) => Measurement[]): LevelDecision {
  const atLevel = entries.filter((c) => (c.concurrency ?? 1) === level);
  const measured = atLevel.filter((c) => !c.failed && !c.predicted && c.requests > 0);
  const extra = view
    ? measured.flatMap((c) => {
        const rounds = roundsOf(ms(c)) - facts.initialRounds;
        return rounds > 0 ? [{ ...ref(c), rounds }] : [];
      })
    : [];
  const base = { concurrency: level, strategy: facts.strategy, measured: measured.map(ref), predicted: atLevel.filter((c) => c.predicted).map(ref), extraRounds: extra };
  if (!view) return { ...base, stoppedBecause: 'none', confidence: 'low', comparison: null, summary: `Nothing could be compared${where(level)}.` };
  const v = view.verdict;
  const stop: StopReason = facts.stop[level] ?? (v.status === 'open' ? 'cap' : v.status);
  const other = v.status === 'tie' ? v.pick : v.rival;
  const comparison = other && v.comparison ? { a: ref(view.entry(v.leader)), b: ref(view.entry(other)), ratio: v.comparison.ratio, interval: v.comparison.interval, looks: facts.looks } : null;
  const words = settingWordsAmong(entries);
  const label = (key: string) => words(view.entry(key));
  const summary = verdictWords({
    verdict: v,
    stop,
    label,
    rounds: (key) => roundsOf(view.samples(key)),
    looks: facts.looks,
    budget: facts.budget,
    extra: extra.map((e) => ({ label: words(e), rounds: e.rounds })),
    where: where(level),
  });
  return { ...base, stoppedBecause: stop, confidence: v.confidence, comparison, summary };
}

const where = (level: number) => (level > 1 ? ` at ${level} in flight` : '');

export { configKey };

type Slo = NonNullable<SweepPlan['slo']>;

/** Why an entry breaks the plan's latency bounds (its p99 and the bound, in ms), or null when it keeps them. */
export function sloBreach(c: ConfigurationResult, slo: Slo | undefined): string | null {
  if (!slo) return null;
  const ms = (s: number | null | undefined) => (s == null ? null : s * 1000);
  const parts: string[] = [];
  const ttft = ms(c.latency?.ttftP99);
  const itl = ms(c.latency?.itlP99);
  if (slo.ttftP99Ms !== undefined && ttft !== null && ttft > slo.ttftP99Ms) parts.push(`TTFT p99 ${ttft.toFixed(0)} ms > ${slo.ttftP99Ms} ms`);
  if (slo.itlP99Ms !== undefined && itl !== null && itl > slo.itlP99Ms) parts.push(`inter-token p99 ${itl.toFixed(1)} ms > ${slo.itlP99Ms} ms`);
  return parts.length ? parts.join(', ') : null;
}

/** How far past its bounds an entry is (the largest p99 / bound; ≤ 1 keeps them): the closest is recommended when none keeps them. */
function sloExcess(c: ConfigurationResult, slo: Slo): number {
  const r: number[] = [];
  if (slo.ttftP99Ms !== undefined && c.latency?.ttftP99 != null) r.push((c.latency.ttftP99 * 1000) / slo.ttftP99Ms);
  if (slo.itlP99Ms !== undefined && c.latency?.itlP99 != null) r.push((c.latency.itlP99 * 1000) / slo.itlP99Ms);
  return Math.max(0, ...r);
}

/**
 * Marks each entry of a level eligible or not under the bounds, and returns the entries the decision may
 * pick from: the eligible ones, or, when none is, the one closest to the bounds (with a note saying so).
 */
export function applySlo(entries: ConfigurationResult[], slo: Slo | undefined): { pickable: ConfigurationResult[]; note: string | null } {
  if (!slo || (slo.ttftP99Ms === undefined && slo.itlP99Ms === undefined)) return { pickable: entries, note: null };
  const measured = entries.filter((c) => !c.failed && !c.predicted && c.requests > 0);
  for (const c of measured) {
    const reason = sloBreach(c, slo);
    c.slo = { eligible: reason === null, reason };
  }
  const eligible = measured.filter((c) => c.slo?.eligible);
  const out = measured.filter((c) => !c.slo?.eligible).map((c) => `${kWords(c)} (${c.slo!.reason})`);
  if (eligible.length) return { pickable: eligible, note: out.length ? `Not eligible under the latency bounds: ${out.join('; ')}.` : null };
  if (!measured.length) return { pickable: [], note: null };
  const closest = measured.reduce((a, b) => (sloExcess(b, slo) < sloExcess(a, slo) ? b : a));
  return { pickable: [closest], note: `No setting keeps the latency bounds here (${out.join('; ')}): ${kWords(closest)} comes closest and is recommended.` };
}
