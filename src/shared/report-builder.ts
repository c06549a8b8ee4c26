/**
 * Turns raw measurements into the report: per-configuration medians with
 * confidence intervals, speedups, per-group comparisons, the recommendation and
 * warnings. Pure: the same input always gives the same report, so a report can
 * be rebuilt from the JSONL log after a crash.
 *
 * Load levels: one entry per (configuration, level), lowest level first, each
 * compared with the baseline at its own level. Level 1 keeps the paired
 * per-request rule (recommend()); levels above 1 are decided on aggregate round
 * scores (load-decision.ts, level-picks.ts). Prompt-type tables, output match and
 * the k-curve fit stay on one request at a time.
 */
import { redactPlan } from './redact';
import { alphaFromMeanAcceptanceLength, expectedSpeedup, optimalK } from './leviathan';
import type { EngineId } from './engine-descriptor';
import { configKey, isBaseline, launchKey, type ConfigKeyed } from './config-key';
import { cellFigures } from './load-decision';
import { costElsewhere, pickAtLoad, pickFromRecommendation } from './level-picks';

export { configKey, isBaseline, type ConfigKeyed };
import {
  REPORT_SCHEMA_VERSION,
  type AcceptanceStats,
  type ConfigurationResult,
  type GroupComparison,
  type LevelPick,
  type Measurement,
  type Prediction,
  type PromptDef,
  type Recommendation,
  type ScheduleEntry,
  type Report,
  type SweepPlan,
  type SystemPromptDef,
  type Warning,
} from './schemas';
import { median, percentChange, ratioOfMediansCI, round, spread, stratifiedMedianCI } from './stats';

/** What the sweep knows about one configuration besides its measurements. */
export interface ConfigRun {
  /** null: the engine's own draft length (LM Studio), not set by SpecTune. */
  numSpeculativeTokens: number | null;
  draftModel?: string | null;
  engine?: EngineId;
  failed: boolean;
  error?: string;
  acceptance?: AcceptanceStats;
  /** Where acceptance came from, or why there is none. */
  acceptanceSource?: string;
  /** Adaptive sweeps: false = measured; true = never measured, its figure is `prediction` (see src/core/sweep/adaptive.ts). */
  predicted?: boolean;
  prediction?: Prediction;
  /**
   * Set when this record is about one load level only (e.g. acceptance counted at that level, or the level
   * failed); absent: the launch, whatever the level.
   */
  concurrency?: number;
}

export interface BuildReportInput {
  plan: SweepPlan;
  promptTypes: readonly PromptDef[];
  systemPrompts: readonly SystemPromptDef[];
  server: Report['server'];
  measurements: readonly Measurement[];
  /** Configurations started so far, in sweep order. */
  configs: readonly ConfigRun[];
  createdAt: string;
  /** Names the run in the report, as every line of its JSONL log does. */
  runId?: string;
  finishedAt: string | null;
  status: Report['status'];
  toolVersion: string;
  /** The engine's exact line or setting for a configuration (null command: nothing to launch, or unknown). */
  commandFor: (c: ConfigKeyed) => { argv: string[] | null; command: string | null; setting?: string } | null;
  /** Warnings only the sweep can know (client CPU, batch limits, levels an engine refuses, schedule launches). */
  notes?: readonly Warning[];
  /** Load levels: the per-batch-size schedule and its confirmation run, where the engine takes one. */
  scheduleCheck?: ScheduleCheck;
  /** Adaptive sweeps: the configuration the driver picked (src/core/sweep/adaptive.ts); the recommendation takes it as is. */
  decidedPick?: ConfigKeyed | null;
}

/** A schedule the sweep built from the level picks and tried (or could not). */
export interface ScheduleCheck {
  entries: ScheduleEntry[];
  numSpeculativeTokens: number;
  /** confirmed: one round per level held up; slower: it cost speed somewhere (note says where); refused: the launch refused it; unsupported: this build or method takes none. */
  outcome: 'confirmed' | 'slower' | 'refused' | 'unsupported' | 'not-run';
  note: string;
  argv: string[] | null;
  command: string | null;
}

/** Below this, the seed guide calls throughput "very low". */
export const LOW_THROUGHPUT_TOK_S = 10;

export function configLabel(k: number | null, draftModel?: string | null, showDraft = false): string {
  if (isBaseline({ numSpeculativeTokens: k, draftModel })) return 'No spec';
  if (k === null) return `draft ${draftModel}`;
  return showDraft && draftModel ? `${k} tokens · ${draftModel}` : `${k} tokens`;
}

const okTps = (ms: readonly Measurement[]): number[] =>
  ms.flatMap((m) => (m.ok && m.metrics ? [m.metrics.tokensPerSecond] : []));

const cellKey = (m: Pick<Measurement, 'promptType' | 'systemPrompt' | 'repeat'>) => `${m.promptType}\u0000${m.systemPrompt}\u0000${m.repeat}`;

/** Pairs a's and b's successful measurements of the same prompt, system prompt and repeat. */
function pairUp(a: readonly Measurement[], b: readonly Measurement[]): { a: number[]; b: number[]; strata: string[] } {
  const byCell = new Map(b.filter((m) => m.ok && m.metrics).map((m) => [cellKey(m), m.metrics!.tokensPerSecond]));
  const pa: number[] = [];
  const pb: number[] = [];
  const strata: string[] = [];
  for (const m of a) {
    const other = m.ok && m.metrics ? byCell.get(cellKey(m)) : undefined;
    if (other !== undefined) {
      pa.push(m.metrics!.tokensPerSecond);
      pb.push(other);
      strata.push(stratumKey(m));
    }
  }
  return { a: pa, b: pb, strata };
}

/** The prompt a measurement ran on (prompt type × system prompt), without the repeat: the stratum its noise is measured in. */
const stratumKey = (m: Pick<Measurement, 'promptType' | 'systemPrompt'>) => `${m.promptType}\u0000${m.systemPrompt}`;

/** Interval of median(a)/median(b), paired (and resampled within prompt) when the cells line up. */
function ratioCI(a: readonly Measurement[], b: readonly Measurement[]): [number, number] | null {
  const p = pairUp(a, b);
  if (p.a.length >= 2) return ratioOfMediansCI(p.a, p.b, { paired: true, strata: p.strata });
  return ratioOfMediansCI(okTps(a), okTps(b));
}

/** Baseline output hash per (prompt type, system prompt): what every k should reproduce at temperature 0. */
function baselineHashes(baseline: readonly Measurement[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of baseline) {
    const key = `${m.promptType}\u0000${m.systemPrompt}`;
    if (m.ok && m.metrics && !out.has(key)) out.set(key, m.metrics.outputHash);
  }
  return out;
}

function matchRate(ms: readonly Measurement[], ref: Map<string, string> | null): number | null {
  if (!ref) return null;
  let compared = 0;
  let same = 0;
  for (const m of ms) {
    const want = ref.get(`${m.promptType}\u0000${m.systemPrompt}`);
    if (!m.ok || !m.metrics || want === undefined) continue;
    compared++;
    if (m.metrics.outputHash === want) same++;
  }
  return compared ? same / compared : null;
}

function pctCI(ratio: [number, number] | null): [number, number] | null {
  return ratio ? [round((ratio[0] - 1) * 100, 1)!, round((ratio[1] - 1) * 100, 1)!] : null;
}

interface Theory {
  alpha: number;
  costRatio: number;
  predictedOptimalK: number;
  note: string;
  alphaByK: Map<number, number>;
}

/**
 * Fit Leviathan et al. to what was measured: α from each k's mean acceptance
 * length, and the draft cost ratio c that makes the formula reproduce each
 * measured speedup (s = L/(k·c + 1) ⇒ c = (L/s − 1)/k). Medians over k.
 */
function fitTheory(configs: readonly ConfigurationResult[]): Theory | null {
  const alphaByK = new Map<number, number>();
  const cs: number[] = [];
  for (const c of configs) {
    const k = c.numSpeculativeTokens;
    if (k === null || k === 0 || c.failed || c.meanAcceptanceLength === null) continue;
    const a = alphaFromMeanAcceptanceLength(c.meanAcceptanceLength, k);
    if (a === null) continue;
    alphaByK.set(k, a);
    if (c.speedupPercent !== null) cs.push(Math.max(0, (c.meanAcceptanceLength / (1 + c.speedupPercent / 100) - 1) / k));
  }
  const alpha = median([...alphaByK.values()]);
  const c = median(cs);
  if (alpha === null || c === null) return null;
  const best = optimalK(alpha, c, 16);
  return {
    alpha: round(alpha, 3)!,
    costRatio: round(c, 3)!,
    predictedOptimalK: best,
    note: `Per-token acceptance α≈${alpha.toFixed(2)} and a draft step costing ≈${(c * 100).toFixed(0)}% of a target step predict k=${best} as the optimum (Leviathan et al., 2023).`,
    alphaByK,
  };
}

function summariseConfig(
  run: ConfigRun,
  level: number,
  ms: readonly Measurement[],
  baseline: readonly Measurement[] | null,
  ref: Map<string, string> | null,
  showDraft: boolean,
): ConfigurationResult {
  const k = run.numSpeculativeTokens;
  const ok = ms.filter((m) => m.ok && m.metrics);
  const tps = okTps(ms);
  const med = median(tps);
  const base = baseline ? median(okTps(baseline)) : null;
  const acc = run.acceptance;
  const baselineConfig = isBaseline(run);
  // The interval is on what the sweep compares: the same prompt mix re-run, resampled within each
  // prompt (stratified), not the pooled order-statistic interval, which spans the prompt mix itself
  // and is as wide as the gap between a short and a long prompt. That pooled spread is kept apart
  // as tokensPerSecondSpread, a description of single requests rather than of the median's precision.
  const ci = stratifiedMedianCI(ok.map((m) => ({ stratum: stratumKey(m), value: m.metrics!.tokensPerSecond })));
  const range = spread(tps);
  const load = cellFigures(level, ms);
  return {
    ...(run.engine ? { engine: run.engine } : {}),
    numSpeculativeTokens: k,
    draftModel: run.draftModel ?? null,
    label: configLabel(k, run.draftModel, showDraft),
    failed: run.failed,
    ...(run.error ? { error: run.error } : {}),
    requests: ms.length,
    errors: ms.length - ok.length,
    tokensPerSecond: round(med),
    tokensPerSecondCI: ci ? [round(ci[0])!, round(ci[1])!] : null,
    tokensPerSecondSpread: range ? [round(range[0])!, round(range[1])!] : null,
    meanTokensPerSecond: tps.length ? round(tps.reduce((s, x) => s + x, 0) / tps.length) : null,
    totalSeconds: round(median(ok.map((m) => m.metrics!.totalSeconds)), 3),
    ttftSeconds: round(median(ok.map((m) => m.metrics!.ttftSeconds)), 4),
    decodeTokensPerSecond: round(median(ok.flatMap((m) => (m.metrics!.decodeTokensPerSecond === null ? [] : [m.metrics!.decodeTokensPerSecond])))),
    speedupPercent: baselineConfig ? (base !== null ? 0 : null) : round(percentChange(med, base), 1),
    speedupPercentCI: baselineConfig || !baseline ? null : pctCI(ratioCI(ms, baseline)),
    acceptanceRate: acc?.acceptanceRate ?? null,
    meanAcceptanceLength: acc?.meanAcceptanceLength ?? null,
    perPositionAcceptance: acc?.perPositionAcceptance ?? [],
    ...(acc ? { acceptance: acc } : {}),
    ...(run.acceptanceSource ? { acceptanceSource: run.acceptanceSource } : {}),
    outputMatchRate: round(matchRate(ms, ref), 3),
    theoreticalSpeedupPercent: null,
    // A predicted configuration has no requests, so every measured field above is null; its figure lives apart.
    ...(run.predicted !== undefined ? { predicted: run.predicted } : {}),
    ...(run.prediction ? { prediction: run.prediction } : {}),
    concurrency: level,
    aggregateTokensPerSecond: round(load.aggregateTokensPerSecond),
    steadyWindowSeconds: round(load.steadyWindowSeconds, 3),
    latency: {
      ttftP50: round(load.latency.ttftP50, 4),
      ttftP99: round(load.latency.ttftP99, 4),
      itlP50: round(load.latency.itlP50, 4),
      itlP99: round(load.latency.itlP99, 4),
    },
    roundScores: load.roundScores.map((x) => round(x)!),
    conservativeScore: round(load.conservativeScore),
    unstable: load.unstable,
  };
}

function groupComparisons(
  groups: readonly { id: string; label: string }[],
  field: 'promptType' | 'systemPrompt',
  byKey: Map<string, Measurement[]>,
  baselineKey: string | null,
  specConfigs: readonly ConfigKeyed[],
  preferred: string | null,
  ref: Map<string, string> | null,
): GroupComparison[] {
  return groups.map((g) => {
    const inGroup = (key: string | null) => (key === null ? [] : (byKey.get(key) ?? [])).filter((m) => m[field] === g.id);
    const base = median(okTps(inGroup(baselineKey)));
    const byTokens = specConfigs.map((c) => {
      const t = median(okTps(inGroup(configKey(c))));
      return {
        numSpeculativeTokens: c.numSpeculativeTokens,
        draftModel: c.draftModel ?? null,
        tokensPerSecond: round(t),
        speedupPercent: round(percentChange(t, base), 1),
        outputMatchRate: round(matchRate(inGroup(configKey(c)), ref), 3),
      };
    });
    const measured = byTokens.filter((b) => b.tokensPerSecond !== null);
    const chosen =
      measured.find((b) => configKey(b) === preferred) ??
      measured.reduce<(typeof measured)[number] | null>((best, b) => (!best || b.tokensPerSecond! > best.tokensPerSecond! ? b : best), null);
    return {
      id: g.id,
      label: g.label,
      baselineTokensPerSecond: round(base),
      byTokens,
      bestNumSpeculativeTokens: chosen?.numSpeculativeTokens ?? null,
      bestDraftModel: chosen?.draftModel ?? null,
      speculativeTokensPerSecond: chosen?.tokensPerSecond ?? null,
      speedupPercent: chosen?.speedupPercent ?? null,
    };
  });
}

/** Cheaper first: the baseline, then by k; configurations whose k is the engine's own keep their order after those. */
function cheaperFirst(a: ConfigurationResult, b: ConfigurationResult): number {
  const rank = (c: ConfigurationResult) => (isBaseline(c) ? -1 : (c.numSpeculativeTokens ?? Number.MAX_SAFE_INTEGER));
  return rank(a) - rank(b);
}

/** Within this, two medians are the same speed for any practical purpose, whatever the interval says. */
const TIE_PERCENT = 1;

/**
 * The tie rule the recommendation and the report's tiesWithBest share: c ties with the best when the
 * best is not clearly faster (the 95% interval of best/c includes 1) or is faster by at most 1%.
 */
function tiesWith(best: ConfigurationResult, c: ConfigurationResult, ratio: [number, number] | null): boolean {
  if (c === best) return true;
  if (c.failed || c.tokensPerSecond === null || best.tokensPerSecond === null) return false;
  if (ratio && ratio[0] <= 1) return true;
  return c.tokensPerSecond > 0 && (best.tokensPerSecond / c.tokensPerSecond - 1) * 100 <= TIE_PERCENT;
}

/** The fastest configuration that did not fail, by median tokens/s (first wins on equal medians). */
function fastest(configs: readonly ConfigurationResult[]): ConfigurationResult | null {
  const valid = configs.filter((c) => !c.failed && c.tokensPerSecond !== null);
  return valid.length ? valid.reduce((a, b) => (b.tokensPerSecond! > a.tokensPerSecond! ? b : a)) : null;
}

/** Sets tiesWithBest on every configuration (true for the best itself), so the UI and exports can mark ties. */
function markTies(configs: ConfigurationResult[], byKey: Map<string, Measurement[]>): void {
  const best = fastest(configs);
  const ms = (c: ConfigKeyed) => byKey.get(configKey(c)) ?? [];
  for (const c of configs) {
    c.tiesWithBest = best !== null && tiesWith(best, c, c === best || c.failed || c.tokensPerSecond === null ? null : ratioCI(ms(best), ms(c)));
  }
}

function recommend(
  attached: boolean,
  configs: readonly ConfigurationResult[],
  byKey: Map<string, Measurement[]>,
  theory: Theory | null,
  commandFor: BuildReportInput['commandFor'],
  decidedPick?: ConfigKeyed | null,
): Recommendation | null {
  const valid = configs.filter((c) => !c.failed && c.tokensPerSecond !== null);
  const best = fastest(configs);
  if (!best) return null;
  const baseline = valid.find((c) => isBaseline(c)) ?? null;
  const ms = (c: ConfigKeyed) => byKey.get(configKey(c)) ?? [];

  // Prefer the cheapest configuration that the best one is not clearly faster than: less draft work
  // and memory for the same speed. A cheaper speculative one only qualifies when it is clearly faster
  // than the baseline itself; otherwise "as fast as the best" would rest on noise in both directions.
  let chosen = best;
  let tie: { ratio: [number, number] } | null = null;
  // Adaptive sweeps: the driver already decided (the fastest measured k, or the smallest within 1% of it) and
  // sized its samples for that decision, stopping the others early. Re-deciding here with the paired-interval
  // rule below, on those unequal samples, recommended k=7 for an optimum at k=8 (issue 9): take its pick as is.
  const decided = decidedPick ? valid.find((c) => configKey(c) === configKey(decidedPick)) : undefined;
  if (decided) chosen = decided;
  else for (const c of [...valid].sort(cheaperFirst)) {
    if (cheaperFirst(c, best) >= 0) break;
    if (baseline && !isBaseline(c) && !(c.speedupPercentCI && c.speedupPercentCI[0] > 0)) continue;
    const r = ratioCI(ms(best), ms(c));
    if (r && tiesWith(best, c, r)) {
      chosen = c;
      tie = { ratio: r };
      break;
    }
  }

  const k = chosen.numSpeculativeTokens;
  const what = (c: ConfigurationResult) => (c.numSpeculativeTokens === null ? `draft ${c.draftModel}` : `k=${c.numSpeculativeTokens}`);
  const withinTie =
    decided && decided !== best
      ? `${what(best)} measured ${((best.tokensPerSecond! / chosen.tokensPerSecond! - 1) * 100).toFixed(1)}% faster, within the adaptive sweep's ${TIE_PERCENT}% tie rule, which takes the smaller k.`
      : null;
  const n = chosen.requests - chosen.errors;
  const parts: string[] = [];
  let confidence: Recommendation['confidence'];
  if (!baseline) {
    confidence = 'low';
    const baseRun = configs.find((c) => isBaseline(c));
    const why = !baseRun ? 'no baseline (k=0) was measured' : baseRun.failed ? 'the baseline (k=0) failed' : 'no baseline (k=0) request succeeded';
    parts.push(`${what(chosen)} was the fastest measured, but ${why}, so the gain is unknown.`);
  } else if (isBaseline(chosen)) {
    const spec = valid.filter((c) => !isBaseline(c));
    const allSlower = spec.length > 0 && spec.every((c) => c.speedupPercentCI !== null && c.speedupPercentCI[1] < 0);
    confidence = spec.length === 0 ? 'low' : allSlower ? 'high' : 'medium';
    parts.push(
      spec.length === 0
        ? attached
          ? 'Attached mode measured one server as it runs, labelled k=0: there is nothing to compare it with. Measure it again launched with speculation (passing that k as --tokens), or let SpecTune launch vLLM for each k.'
          : 'Only the baseline (k=0) was measured: no speculative configuration finished, so there is nothing to compare. Run the sweep again to the end.'
        : tie
          ? `Speculation did not clearly help: ${what(best)} measured ${fmtPct(best.speedupPercent)} but its 95% interval (${fmtRange(best.speedupPercentCI)}) includes no gain. Keep speculation off.`
          : withinTie
            ? `${withinTie} Keep speculation off.`
            : `Every speculative configuration was slower than the baseline. Keep speculation off.`,
    );
  } else {
    const ci = chosen.speedupPercentCI;
    const clearlyFaster = ci !== null && ci[0] > 0;
    confidence = !clearlyFaster ? 'low' : tie || n < 8 ? 'medium' : 'high';
    parts.push(
      `${what(chosen)} gives ${fmtPct(chosen.speedupPercent)} vs baseline (95% interval ${fmtRange(ci)}) at a median ${chosen.tokensPerSecond} tok/s.`,
    );
    if (tie) {
      const pct = ((best.tokensPerSecond! / chosen.tokensPerSecond! - 1) * 100).toFixed(1);
      parts.push(
        `${what(best)} measured ${pct}% faster still, but not clearly (95% interval ${fmtRange(pctCI(tie.ratio))}), so the cheaper setting is recommended: it is as fast within the noise and drafts less.`,
      );
    }
    if (withinTie) parts.push(withinTie);
    if (!clearlyFaster) parts.push('The gain is within the noise: run more repeats to be sure.');
  }
  if (n < 8) parts.push(`Only ${n} successful request${n === 1 ? '' : 's'} back${n === 1 ? 's' : ''} this configuration.`);
  if (theory) parts.push(theory.note);

  const cmd = commandFor(chosen);
  return {
    ...(chosen.engine ? { engine: chosen.engine } : {}),
    numSpeculativeTokens: k,
    draftModel: chosen.draftModel ?? null,
    ...(cmd?.setting ? { setting: cmd.setting } : {}),
    tokensPerSecond: chosen.tokensPerSecond,
    speedupPercent: chosen.speedupPercent,
    confidence,
    reason: parts.join(' '),
    command: cmd?.command ?? null,
    argv: cmd?.argv ?? null,
  };
}

function fmtPct(x: number | null): string {
  return x === null ? 'n/a' : `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`;
}

function fmtRange(r: [number, number] | null): string {
  return r ? `${fmtPct(r[0])} … ${fmtPct(r[1])}` : 'unknown';
}

function collectWarnings(input: BuildReportInput, configs: readonly ConfigurationResult[], lowest: number): Warning[] {
  const w: Warning[] = [];
  const { plan, measurements } = input;
  if (input.server.simulated) {
    w.push({ kind: 'simulated', message: 'SIMULATED: these numbers come from the built-in simulator, not from a real model.' });
  }
  if (!input.configs.some((c) => isBaseline(c))) {
    w.push({
      kind: 'no-baseline',
      message:
        plan.mode === 'attached'
          ? 'No baseline: this attached run measured one speculating server. Measure the same server launched without speculation (--tokens 0) to know the gain.'
          : 'No baseline (k=0) in the plan: speedups cannot be computed. Add 0 to the token list.',
    });
  }
  for (const c of configs) {
    const k = c.numSpeculativeTokens;
    const level = c.concurrency ?? 1;
    if (c.failed) {
      w.push({
        kind: 'config-failed',
        numSpeculativeTokens: k,
        ...(level > 1 ? { concurrency: level } : {}),
        message: `${c.label}${level > 1 ? ` at ${level} in flight` : ''}: configuration failed — ${c.error ?? 'unknown error'}`,
      });
    }
    if (level > 1 && c.unstable) {
      w.push({
        kind: 'unstable',
        numSpeculativeTokens: k,
        concurrency: level,
        message: `${c.label} at ${level} in flight: round scores spread more than 10% of their median (${(c.roundScores ?? []).map((x) => x.toFixed(0)).join(', ')} tok/s), so it is not trusted over a stable configuration. Measure again with fewer other processes running.`,
      });
    }
    // The rest is about the launch or about one request at a time: said once, at the lowest level. Under load,
    // slower-than-baseline is the level decision's business, and batched kernels need not give the same output.
    if (level !== lowest) continue;
    const spec = !isBaseline(c);
    if (level === 1 && spec && c.speedupPercent !== null && c.speedupPercent < 0) {
      w.push({
        kind: 'negative-speedup',
        numSpeculativeTokens: k,
        message: `${c.label} is slower than the baseline (${fmtPct(c.speedupPercent)}, 95% interval ${fmtRange(c.speedupPercentCI)}). Try fewer draft tokens or a smaller draft model.`,
      });
    }
    // /metrics is the only evidence of what the server really did: trust it over the label.
    const drafts = c.acceptance?.source === 'v1-counters' ? c.acceptance.drafts : null;
    if (!spec && drafts !== null && drafts > 0) {
      w.push({
        kind: 'speculation-mismatch',
        numSpeculativeTokens: k,
        message: `${c.label}: labelled as the baseline, but the server proposed ${drafts} drafts — it is speculating. In attached mode pass the k it was launched with as --tokens.`,
      });
    }
    if (spec && drafts === 0 && c.requests > c.errors) {
      w.push({
        kind: 'speculation-mismatch',
        numSpeculativeTokens: k,
        message: `${c.label}: the server proposed no drafts, so speculative decoding is not active. Check the draft model or method and the server log.`,
      });
    }
    // Per-request speed under load is low by design (the server shares itself): only level 1 says something about the machine.
    if (level === 1 && c.tokensPerSecond !== null && c.tokensPerSecond < LOW_THROUGHPUT_TOK_S) {
      w.push({
        kind: 'low-throughput',
        numSpeculativeTokens: k,
        message: `${c.label}: very low throughput (${c.tokensPerSecond} tok/s < ${LOW_THROUGHPUT_TOK_S}). Check GPU use and other load.`,
      });
    }
    if (plan.temperature === 0 && level === 1 && spec && c.outputMatchRate !== null && c.outputMatchRate < 1) {
      w.push({
        kind: 'output-mismatch',
        numSpeculativeTokens: k,
        message: `${c.label}: ${((1 - c.outputMatchRate) * 100).toFixed(0)}% of outputs differ from the baseline at temperature 0 (speculation should not change greedy output; small numeric differences can, a broken draft setup can too).`,
      });
    }
  }
  const failedReqs = measurements.filter((m) => !m.ok);
  if (failedReqs.length) {
    w.push({
      kind: 'connection-errors',
      message: `${failedReqs.length} of ${measurements.length} requests failed (first: ${failedReqs[0].error ?? 'unknown'}).`,
    });
  }
  if (measurements.some((m) => m.metrics?.tokensEstimated)) {
    w.push({ kind: 'estimated-tokens', message: 'The server sent no usage for some requests: their token counts were estimated from chunks.' });
  }
  w.push(...(input.notes ?? []));
  return w;
}

/** Measured levels, lowest first: the plan's and any found in the measurements (a report rebuilt from a log). */
function levelsOf(input: BuildReportInput): number[] {
  const levels = new Set<number>(input.plan.concurrency ?? [1]);
  for (const m of input.measurements) levels.add(m.concurrency ?? 1);
  return [...levels].sort((a, b) => a - b);
}

/**
 * The record for a launch at a level: one made for that level, else the launch's own. Levels the launch
 * has neither measurements nor a record for are left out, except the lowest, where every launch appears
 * (a launch that failed to start is shown once).
 */
function runsAt(level: number, lowest: number, launches: readonly ConfigRun[], all: readonly ConfigRun[], byKey: Map<string, Measurement[]>): ConfigRun[] {
  return launches.flatMap((launch) => {
    const own = all.find((r) => r.concurrency === level && launchKey(r) === launchKey(launch));
    const measured = (byKey.get(configKey({ ...launch, concurrency: level })) ?? []).length > 0;
    if (own) return [own];
    return level === lowest || measured ? [launch] : [];
  });
}

function scheduleFrom(check: ScheduleCheck): NonNullable<Recommendation['schedule']> {
  const confirmed = check.outcome === 'confirmed' ? true : check.outcome === 'slower' || check.outcome === 'refused' ? false : null;
  return {
    entries: check.entries,
    numSpeculativeTokens: check.numSpeculativeTokens,
    confirmed,
    note: check.note,
    // A startup line is only offered for a schedule that was measured and held up.
    command: confirmed ? check.command : null,
    argv: confirmed ? check.argv : null,
  };
}

/**
 * The overall answer: the pick at the target level (default: the lowest), with one pick per level and
 * what the chosen k costs at the others. A plan with the single level 1 keeps recommend()'s answer as is.
 */
function overallRecommendation(
  input: BuildReportInput,
  levels: readonly number[],
  levelOne: Recommendation | null,
  picks: readonly LevelPick[],
  configs: readonly ConfigurationResult[],
): Recommendation | null {
  const target = input.plan.targetConcurrency ?? levels[0];
  const pick = picks.find((p) => p.concurrency === target) ?? picks[0];
  if (!pick) return null;
  let base: Recommendation;
  if (pick.concurrency === 1 && levelOne) {
    base = levelOne;
  } else {
    const chosen = configs.find((c) => !c.failed && (c.concurrency ?? 1) === pick.concurrency && launchKey(c) === launchKey(pick));
    const cmd = input.commandFor({ numSpeculativeTokens: pick.numSpeculativeTokens, draftModel: pick.draftModel ?? null });
    base = {
      ...(chosen?.engine ? { engine: chosen.engine } : {}),
      numSpeculativeTokens: pick.numSpeculativeTokens,
      draftModel: pick.draftModel ?? null,
      ...(cmd?.setting ? { setting: cmd.setting } : {}),
      tokensPerSecond: pick.tokensPerSecond,
      speedupPercent: pick.speedupPercent,
      confidence: pick.confidence,
      reason: pick.reason,
      command: cmd?.command ?? null,
      argv: cmd?.argv ?? null,
    };
  }
  const parts = [base.reason];
  if (pick.concurrency !== target) parts.push(`Nothing was measured at the target level ${target} yet: this is the pick at ${pick.concurrency} in flight.`);
  parts.push(...costElsewhere(pick, pick.concurrency, picks, configs));
  const schedule = input.scheduleCheck ? scheduleFrom(input.scheduleCheck) : null;
  // A schedule that was launched and held up at every level is what the server should run: its line is the answer.
  if (schedule?.confirmed && schedule.argv) {
    const ranges = schedule.entries.map(([a, b, k]) => `${a}–${b}: k=${k}`).join(', ');
    parts.push(`The startup line sets a draft length per batch size (${ranges}; larger batches take the last), confirmed with one round per level.`);
    base = { ...base, command: schedule.command, argv: schedule.argv };
  }
  return {
    ...base,
    reason: parts.join(' '),
    concurrency: pick.concurrency,
    byConcurrency: [...picks],
    ...(schedule ? { schedule } : {}),
  };
}

export function buildReport(input: BuildReportInput): Report {
  const byKey = new Map<string, Measurement[]>();
  for (const m of input.measurements) {
    const key = configKey(m);
    const list = byKey.get(key) ?? [];
    list.push(m);
    byKey.set(key, list);
  }
  const levels = levelsOf(input);
  const lowest = levels[0];
  const at = (c: ConfigKeyed, level: number) => byKey.get(configKey({ numSpeculativeTokens: c.numSpeculativeTokens, draftModel: c.draftModel, concurrency: level })) ?? [];
  // Records for one level only refine a launch; the launches themselves, in sweep order, are the rest.
  const launches = input.configs.filter((c) => c.concurrency === undefined || !input.configs.some((o) => o.concurrency === undefined && launchKey(o) === launchKey(c)));
  const uniqueLaunches = launches.filter((c, i) => launches.findIndex((o) => launchKey(o) === launchKey(c)) === i);
  const baselineRun = uniqueLaunches.find((c) => isBaseline(c) && !c.failed);
  // Output match compares with the baseline one request at a time: batched kernels are not batch-invariant.
  const ref = input.plan.temperature === 0 && baselineRun && levels.includes(1) ? baselineHashes(at(baselineRun, 1)) : null;
  // Labels name the draft model only when configurations differ by it.
  const showDraft = new Set(input.configs.filter((c) => !isBaseline(c)).map((c) => c.draftModel ?? '')).size > 1;

  const configs: ConfigurationResult[] = [];
  const byLevel = new Map<number, ConfigurationResult[]>();
  for (const level of levels) {
    const baseline = baselineRun ? at(baselineRun, level) : null;
    const entries = runsAt(level, lowest, uniqueLaunches, input.configs, byKey).map((run) =>
      summariseConfig(run, level, at(run, level), baseline && (level === 1 || baseline.length) ? baseline : null, level === 1 ? ref : null, showDraft),
    );
    byLevel.set(level, entries);
    configs.push(...entries);
  }
  // Per-request figures of one level at a time: the k-curve model and the paired rule are about one request.
  const levelOneConfigs = byLevel.get(1) ?? [];
  const levelOneKeyed = new Map(levelOneConfigs.map((c) => [configKey({ numSpeculativeTokens: c.numSpeculativeTokens, draftModel: c.draftModel }), at(c, 1)]));
  const theory = fitTheory(levelOneConfigs);
  if (theory) {
    for (const c of levelOneConfigs) {
      const a = c.numSpeculativeTokens === null ? undefined : theory.alphaByK.get(c.numSpeculativeTokens);
      if (a !== undefined) c.theoreticalSpeedupPercent = round((expectedSpeedup(a, c.numSpeculativeTokens!, theory.costRatio) - 1) * 100, 1);
    }
  }
  markTies(levelOneConfigs, levelOneKeyed);
  const levelOne = levels.includes(1) ? recommend(input.plan.mode === 'attached', levelOneConfigs, levelOneKeyed, theory, input.commandFor, input.decidedPick) : null;

  const picks: LevelPick[] = [];
  for (const level of levels) {
    const entries = byLevel.get(level) ?? [];
    if (level === 1) {
      if (levelOne) picks.push(pickFromRecommendation(levelOne, entries));
      continue;
    }
    const decided = pickAtLoad(level, entries);
    for (const c of entries) c.tiesWithBest = decided !== null && decided.tied.includes(c);
    if (decided) picks.push(decided.pick);
  }
  const recommendation =
    levels.length === 1 && lowest === 1
      ? levelOne && {
          ...levelOne,
          concurrency: 1,
          byConcurrency: picks,
          ...(input.scheduleCheck ? { schedule: scheduleFrom(input.scheduleCheck) } : {}),
        }
      : overallRecommendation(input, levels, levelOne, picks, configs);

  // Prompt-type and system-prompt tables compare single requests: the lowest level's measurements.
  const lowestKeyed = new Map(uniqueLaunches.map((c) => [launchKey(c), at(c, lowest)]));
  const lowestPick = picks.find((p) => p.concurrency === lowest) ?? null;
  const baselineKey = baselineRun ? launchKey(baselineRun) : null;
  const specConfigs = uniqueLaunches.filter((c) => !isBaseline(c) && !c.predicted);
  const preferred = lowestPick && !isBaseline(lowestPick) ? launchKey(lowestPick) : null;
  const groupRef = lowest === 1 ? ref : null;
  const byPromptType = groupComparisons(input.promptTypes, 'promptType', lowestKeyed, baselineKey, specConfigs, preferred, groupRef);
  const bySystemPrompt = groupComparisons(input.systemPrompts, 'systemPrompt', lowestKeyed, baselineKey, specConfigs, preferred, groupRef);
  const top = byPromptType
    .filter((g) => g.speedupPercent !== null)
    .reduce<GroupComparison | null>((a, g) => (!a || g.speedupPercent! > a.speedupPercent! ? g : a), null);

  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    createdAt: input.createdAt,
    ...(input.runId ? { runId: input.runId } : {}),
    finishedAt: input.finishedAt,
    status: input.status,
    tool: { name: 'spectune', version: input.toolVersion },
    server: input.server,
    plan: JSON.parse(JSON.stringify(redactPlan(input.plan))) as Record<string, unknown>,
    measurements: [...input.measurements],
    configurations: configs,
    byPromptType,
    bySystemPrompt,
    recommendation,
    bestUseCase: top ? { promptType: top.id, label: top.label, speedupPercent: top.speedupPercent! } : null,
    theory: theory ? { alpha: theory.alpha, costRatio: theory.costRatio, predictedOptimalK: theory.predictedOptimalK, note: theory.note } : null,
    warnings: collectWarnings(input, configs, lowest),
  };
}
