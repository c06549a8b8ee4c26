/**
 * The figures of one (configuration, load level) cell above one request at a
 * time. Pure.
 *
 * Under load the question is no longer "how fast is one answer" but "how many
 * tokens does the server turn out": each round (one pass over the prompt matrix
 * at that level) is scored by its aggregate tokens/s — the samples a level's
 * decision compares (report/decide.ts). The cell also keeps the conservative
 * score median − 1.4826 × MAD of its round scores and flags a cell whose rounds
 * spread more than 10% as unstable, the way the K-schedule tuner proposed for
 * vLLM (vllm-project/vllm PR 49163) describes a cell.
 */
import { quantile } from 'simple-statistics';
import type { Latency, Measurement } from './schemas';
import { median } from './stats';

/** Scales a MAD to a normal standard deviation. */
const MAD_SCALE = 1.4826;
/** A cell whose scaled MAD exceeds this share of its median is unstable. */
const UNSTABLE_SPREAD = 0.1;

const okOnes = (ms: readonly Measurement[]) => ms.filter((m) => m.ok && m.metrics);

/**
 * Aggregate output tokens/s of requests kept `concurrency` at a time in flight:
 * c × Σ completion tokens / Σ request seconds (Little's law: with c always in flight
 * the server's throughput is c over the mean time per token of a request).
 */
export function aggregateRate(concurrency: number, ms: readonly Measurement[]): number | null {
  let tokens = 0;
  let seconds = 0;
  for (const m of okOnes(ms)) {
    tokens += m.metrics!.completionTokens;
    seconds += m.metrics!.totalSeconds;
  }
  return seconds > 0 ? (concurrency * tokens) / seconds : null;
}

/** One aggregate score per round (Measurement.repeat), in round order; rounds with no successful request are left out. */
export function roundScores(concurrency: number, ms: readonly Measurement[]): number[] {
  const byRound = new Map<number, Measurement[]>();
  for (const m of ms) {
    const list = byRound.get(m.repeat) ?? [];
    list.push(m);
    byRound.set(m.repeat, list);
  }
  return [...byRound.entries()]
    .sort((a, b) => a[0] - b[0])
    .flatMap(([, round]) => {
      const s = aggregateRate(concurrency, round);
      return s === null ? [] : [s];
    });
}

export interface RobustScore {
  median: number;
  /** 1.4826 × MAD: the spread of the round scores on a standard-deviation scale. */
  spread: number;
  /** median − spread: what the level decision compares. */
  conservative: number;
  unstable: boolean;
}

export function robustScore(scores: readonly number[]): RobustScore | null {
  const med = median(scores);
  if (med === null) return null;
  const spread = MAD_SCALE * median(scores.map((s) => Math.abs(s - med)))!;
  return { median: med, spread, conservative: med - spread, unstable: spread > UNSTABLE_SPREAD * med };
}

const pct = (xs: number[], p: number): number | null => (xs.length ? quantile(xs, p) : null);

/**
 * Latency percentiles of a cell. TTFT: p50/p99 pooled over its requests. Inter-token latency:
 * p50 = median of the per-request medians, p99 = p99 of the per-request p99s (the raw gaps are
 * not kept per request, only their summaries; requests without a p99 are left out).
 */
export function cellLatency(ms: readonly Measurement[]): Latency {
  const ok = okOnes(ms);
  const ttft = ok.map((m) => m.metrics!.ttftSeconds);
  const itl50 = ok.flatMap((m) => (m.metrics!.interChunk.medianSeconds === null ? [] : [m.metrics!.interChunk.medianSeconds]));
  const itl99 = ok.flatMap((m) => {
    const p = m.metrics!.interChunk.p99Seconds;
    return p === null || p === undefined ? [] : [p];
  });
  return { ttftP50: pct(ttft, 0.5), ttftP99: pct(ttft, 0.99), itlP50: median(itl50), itlP99: pct(itl99, 0.99) };
}

/** First measured start → last measured end (ramp-up and drain were never recorded). */
export function steadyWindowSeconds(ms: readonly Measurement[]): number | null {
  let first = Infinity;
  let last = -Infinity;
  for (const m of okOnes(ms)) {
    const start = Date.parse(m.startedAt);
    if (!Number.isFinite(start)) continue;
    first = Math.min(first, start);
    last = Math.max(last, start + m.metrics!.totalSeconds * 1000);
  }
  return Number.isFinite(first) && last >= first ? (last - first) / 1000 : null;
}

export interface CellFigures {
  aggregateTokensPerSecond: number | null;
  roundScores: number[];
  conservativeScore: number | null;
  unstable: boolean;
  latency: Latency;
  steadyWindowSeconds: number | null;
}

export function cellFigures(concurrency: number, ms: readonly Measurement[]): CellFigures {
  const scores = roundScores(concurrency, ms);
  const robust = robustScore(scores);
  return {
    aggregateTokensPerSecond: aggregateRate(concurrency, ms),
    roundScores: scores,
    conservativeScore: robust?.conservative ?? null,
    unstable: robust?.unstable ?? false,
    latency: cellLatency(ms),
    steadyWindowSeconds: steadyWindowSeconds(ms),
  };
}
