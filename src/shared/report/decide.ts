/**
 * The report's decision at each load level, by the search's own rule
 * (src/shared/search/decide.ts) on the measurements: at level 1 requests are
 * compared blocked by prompt cell, above it rounds by their aggregate tokens/s.
 * Pure, so a report rebuilt from its log decides exactly as the sweep did.
 */
import { configKey, isBaseline, launchKey, type ConfigKeyed } from '../config-key';
import { roundScores } from '../load-figures';
import { kWords } from '../level-picks';
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

const ref = (c: ConfigKeyed): SettingRef => ({ numSpeculativeTokens: c.numSpeculativeTokens, draftModel: c.draftModel ?? null });

/** Marks tiesWithBest: the leader and every setting within 1% of it. */
export function markTies(view: LevelView | null, entries: ConfigurationResult[]): void {
  for (const c of entries) {
    const key = launchKey(c);
    c.tiesWithBest = view !== null && (key === view.verdict.leader || view.verdict.versusLeader.get(key)?.tie === true);
  }
}

export function decisionRecord(level: number, view: LevelView | null, entries: readonly ConfigurationResult[], facts: SearchFacts): LevelDecision {
  const atLevel = entries.filter((c) => (c.concurrency ?? 1) === level);
  const measured = atLevel.filter((c) => !c.failed && !c.predicted && c.requests > 0);
  const extra = view
    ? measured.flatMap((c) => {
        const rounds = roundsOf(view.samples(launchKey(c))) - facts.initialRounds;
        return rounds > 0 ? [{ ...ref(c), rounds }] : [];
      })
    : [];
  const base = { concurrency: level, strategy: facts.strategy, measured: measured.map(ref), predicted: atLevel.filter((c) => c.predicted).map(ref), extraRounds: extra };
  if (!view) return { ...base, stoppedBecause: 'none', confidence: 'low', comparison: null, summary: `Nothing could be compared${where(level)}.` };
  const v = view.verdict;
  const stop: StopReason = facts.stop[level] ?? (v.status === 'open' ? 'cap' : v.status);
  const other = v.status === 'tie' ? v.pick : v.rival;
  const comparison = other && v.comparison ? { a: ref(view.entry(v.leader)), b: ref(view.entry(other)), ratio: v.comparison.ratio, interval: v.comparison.interval, looks: facts.looks } : null;
  const label = (key: string) => kWords(view.entry(key));
  const summary = verdictWords({
    verdict: v,
    stop,
    label,
    rounds: (key) => roundsOf(view.samples(key)),
    looks: facts.looks,
    budget: facts.budget,
    extra: extra.map((e) => ({ label: kWords(e), rounds: e.rounds })),
    where: where(level),
  });
  return { ...base, stoppedBecause: stop, confidence: v.confidence, comparison, summary };
}

const where = (level: number) => (level > 1 ? ` at ${level} in flight` : '');

export { configKey };
