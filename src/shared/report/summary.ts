/** One entry of the report per (configuration, load level): medians, intervals, speedup, acceptance, output match, load figures. */
import { isBaseline, settingOf, type ConfigKeyed } from '../config-key';
import { cellFigures } from '../load-figures';
import type { ConfigurationResult, Measurement } from '../schemas';
import { median, percentChange, round, spread, stratifiedMedianCI } from '../stats';
import type { ConfigRun } from './input';
import { okTps, stratumKey } from './pairing';
import { compareSamples, scatter, type Sample, type Scatter } from '../search/compare';

export function configLabel(k: number | null, draftModel?: string | null, showDraft = false): string {
  if (isBaseline({ numSpeculativeTokens: k, draftModel })) return 'No spec';
  if (k === null) return `draft ${draftModel}`;
  return showDraft && draftModel ? `${k} tokens · ${draftModel}` : `${k} tokens`;
}

/** Which knobs differ between a report's configurations, so each row's label names them. */
export interface ShownKnobs {
  draft: boolean;
  method: boolean;
  pMin: boolean;
}

/** A row's label: k, then the knobs that differ across the sweep ("4 tokens · ngram-simple", "6 tokens · p_min 0.3"). */
export function settingLabel(c: ConfigRun, show: ShownKnobs): string {
  const base = configLabel(c.numSpeculativeTokens, c.draftModel, show.draft);
  if (isBaseline(c)) return base;
  const parts = [base, ...(show.method && c.method ? [c.method] : []), ...(show.pMin && c.draftPMin != null ? [`p_min ${c.draftPMin}`] : [])];
  return parts.join(' · ');
}

/** The knobs that take more than one value among the speculative configurations. */
export function shownKnobs(configs: readonly ConfigKeyed[]): ShownKnobs {
  const spec = configs.filter((c) => !isBaseline(c));
  const varies = (f: (c: ConfigKeyed) => unknown) => new Set(spec.map(f)).size > 1;
  return { draft: varies((c) => c.draftModel ?? ''), method: varies((c) => c.method ?? ''), pMin: varies((c) => c.draftPMin ?? '') };
}

/** Baseline output hash per (prompt type, system prompt): what every k should reproduce at temperature 0. */
export function baselineHashes(baseline: readonly Measurement[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of baseline) {
    const key = `${m.promptType}\u0000${m.systemPrompt}`;
    if (m.ok && m.metrics && !out.has(key)) out.set(key, m.metrics.outputHash);
  }
  return out;
}

export function matchRate(ms: readonly Measurement[], ref: Map<string, string> | null): number | null {
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

/**
 * Speedup over the baseline and its 95% interval from the same comparison: at level 1 the requests
 * blocked by prompt cell (the gain on each prompt, averaged; the prompt mix cancels) — at every level,
 * per request — with the level's noise (`pooled`: the scatter of every setting measured there, never
 * quieter than the pair's own). The estimate is always inside its interval.
 */
const perRequest = (ms: readonly Measurement[]): Sample[] => ms.filter((m) => m.ok && m.metrics).map((m) => ({ stratum: stratumKey(m), value: m.metrics!.tokensPerSecond }));

function speedupVs(ms: readonly Measurement[], baseline: readonly Measurement[], pooled: Scatter | undefined): { percent: number; interval: [number, number] | null } | null {
  const c = compareSamples(perRequest(ms), perRequest(baseline), { pooled });
  if (!c) return null;
  const pct = (r: number) => round((r - 1) * 100, 1)!;
  return { percent: pct(c.ratio), interval: c.interval ? [Math.min(pct(c.interval[0]), pct(c.ratio)), Math.max(pct(c.interval[1]), pct(c.ratio))] : null };
}

export function summariseConfig(
  run: ConfigRun,
  level: number,
  ms: readonly Measurement[],
  baseline: readonly Measurement[] | null,
  ref: Map<string, string> | null,
  show: ShownKnobs,
  pooled?: Scatter,
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
  const speedup = baselineConfig || !baseline ? null : speedupVs(ms, baseline, pooled);
  return {
    ...(run.engine ? { engine: run.engine } : {}),
    ...settingOf(run),
    numSpeculativeTokens: k,
    label: settingLabel(run, show),
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
    speedupPercent: baselineConfig ? (base !== null ? 0 : null) : speedup ? speedup.percent : round(percentChange(med, base), 1),
    speedupPercentCI: speedup?.interval ?? null,
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

/** The within-prompt scatter of every setting measured at a level (what speedup intervals there are widened to). */
export function levelScatter(sets: readonly (readonly Measurement[])[]): Scatter {
  return scatter(sets.map(perRequest));
}
