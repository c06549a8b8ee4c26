/** The report's warnings: about the run, about each configuration at each level, about the requests, then the sweep's own notes. */
import { armKey, isBaseline } from '../config-key';
import type { ConfigurationResult, LevelPick, Measurement, SweepPlan, Warning } from '../schemas';
import { fmtPct, fmtRange } from './format';
import type { BuildReportInput } from './input';

/** Below this, the seed guide calls throughput "very low". */
export const LOW_THROUGHPUT_TOK_S = 10;

function runWarnings(input: BuildReportInput): Warning[] {
  const w: Warning[] = [];
  if (input.server.simulated) {
    w.push({ kind: 'simulated', message: 'SIMULATED: these numbers come from the built-in simulator, not from a real model.' });
  }
  if (!input.configs.some((c) => isBaseline(c))) {
    w.push({
      kind: 'no-baseline',
      message:
        input.plan.mode === 'attached'
          ? 'No baseline: this attached run measured one speculating server. Measure the same server launched without speculation (--tokens 0) to know the gain.'
          : 'No baseline (k=0) in the plan: speedups cannot be computed. Add 0 to the token list.',
    });
  }
  return w;
}

/** What is said about a configuration at every level: it failed, or (under load) its round scores are unstable. */
function levelWarnings(c: ConfigurationResult, level: number): Warning[] {
  const w: Warning[] = [];
  const k = c.numSpeculativeTokens;
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
  return w;
}

/**
 * What is about the launch or about one request at a time: said once, at the lowest level. Under load,
 * slower-than-baseline is the level decision's business, and batched kernels need not give the same output.
 */
function launchWarnings(c: ConfigurationResult, level: number, plan: SweepPlan): Warning[] {
  const w: Warning[] = [];
  const k = c.numSpeculativeTokens;
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
  return w;
}

function requestWarnings(measurements: readonly Measurement[]): Warning[] {
  const w: Warning[] = [];
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
  return w;
}

export function collectWarnings(input: BuildReportInput, configs: readonly ConfigurationResult[], lowest: number): Warning[] {
  const perConfig = configs.flatMap((c) => {
    const level = c.concurrency ?? 1;
    return [...levelWarnings(c, level), ...(level === lowest ? launchWarnings(c, level, input.plan) : [])];
  });
  return [...runWarnings(input), ...perConfig, ...requestWarnings(input.measurements), ...(input.notes ?? [])];
}

/**
 * A level's pick is the largest k its arm tried: a larger k may be faster still. Said once per arm and
 * k, with the plan's k list extended as the way to find out (the app offers it as a button).
 */
export function edgeOfGrid(configs: readonly ConfigurationResult[], picks: readonly LevelPick[]): Warning[] {
  const out: Warning[] = [];
  const said = new Set<string>();
  for (const p of picks) {
    const k = p.numSpeculativeTokens;
    if (k === null || k === 0) continue;
    const arm = configs.filter((c) => armKey(c) === armKey(p) && c.numSpeculativeTokens !== null);
    const largest = Math.max(...arm.map((c) => c.numSpeculativeTokens!));
    const key = `${armKey(p)}\u0000${k}`;
    if (k < largest || said.has(key)) continue;
    said.add(key);
    const next = Math.min(32, k * 2);
    out.push({
      kind: 'edge-of-grid',
      numSpeculativeTokens: k,
      ...(p.concurrency > 1 ? { concurrency: p.concurrency } : {}),
      message: `k=${k} is the largest k this sweep tried${p.concurrency > 1 ? ` (the pick at ${p.concurrency} in flight)` : ''}, so a larger k may be faster still: extend the search, e.g. --tokens 0,${k}-${next}.`,
    });
  }
  return out;
}
