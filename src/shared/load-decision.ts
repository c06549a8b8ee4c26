/**
 * The decision at one load level above 1 (several requests in flight), and the
 * per-cell figures it rests on. Pure.
 *
 * Under load the question is no longer "how fast is one answer" but "how many
 * tokens does the server turn out": each round (one pass over the prompt matrix
 * at that level) is scored by its aggregate tokens/s, and a cell (configuration ×
 * level) by the conservative score median − 1.4826 × MAD of its round scores, so a
 * configuration that is fast once and slow twice does not win on its best round.
 * The rule follows the K-schedule tuner proposed for vLLM (PR 49163, see
 * /work/shared/reference/engines.md "vLLM under load").
 */
import { quantile } from 'simple-statistics';
import { isBaseline, type ConfigKeyed } from './config-key';
import type { Latency, Measurement } from './schemas';
import { median } from './stats';

/** Scales a MAD to a normal standard deviation. */
export const MAD_SCALE = 1.4826;
/** A cell whose scaled MAD exceeds this share of its median is unstable. */
export const UNSTABLE_SPREAD = 0.1;
/** Fewer rounds than this give no spread worth the name: the pick is low confidence. */
export const MIN_ROUNDS = 3;
/** Candidates within this percentage of the best conservative score tie; the smaller k wins. */
export const LOAD_TIE_PERCENT = 1;

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

/** What the level decision needs of a cell. */
export interface LoadCandidate extends ConfigKeyed {
  failed: boolean;
  roundScores?: number[];
  conservativeScore?: number | null;
  unstable?: boolean;
}

export interface LevelDecision<T extends LoadCandidate> {
  pick: T;
  /** The highest conservative score among the candidates. */
  best: T;
  /** Candidates within 1% of the best, the pick among them. */
  tied: T[];
  /** Every candidate was unstable. */
  allUnstable: boolean;
  /** Rounds behind the pick (fewer than MIN_ROUNDS: low confidence). */
  rounds: number;
  confidence: 'high' | 'medium' | 'low';
}

/** Cheaper first: the baseline, then by k; a k that is the engine's own goes last. */
export function cheaperRank(c: ConfigKeyed): number {
  return isBaseline(c) ? -1 : (c.numSpeculativeTokens ?? Number.MAX_SAFE_INTEGER);
}

/**
 * The pick at one level above 1: the highest conservative score, ties within 1% going to the
 * smaller k (less draft work for the same throughput). k = 0 is a candidate like any other and
 * wins when speculation costs. An unstable cell's median is not trusted: it competes only on its
 * conservative score, which its spread already pulls down, and a pick that is unstable has low
 * confidence. Leaving unstable cells out altogether would let one noisy round of a much faster
 * configuration hand the level to a far slower one (seen on a loaded machine: k=0 at 32 in flight,
 * 1.5× faster in every round, lost to k=4 because one round dipped).
 */
export function decideLevel<T extends LoadCandidate>(candidates: readonly T[]): LevelDecision<T> | null {
  const scored = candidates.filter((c) => !c.failed && c.conservativeScore !== null && c.conservativeScore !== undefined);
  if (!scored.length) return null;
  const stable = scored.filter((c) => !c.unstable);
  const pool = scored;
  const score = (c: T) => c.conservativeScore!;
  const best = pool.reduce((a, b) => (score(b) > score(a) ? b : a));
  const floor = score(best) - (Math.abs(score(best)) * LOAD_TIE_PERCENT) / 100;
  const tied = pool.filter((c) => score(c) >= floor).sort((a, b) => cheaperRank(a) - cheaperRank(b));
  const pick = tied[0];
  const rounds = pick.roundScores?.length ?? 0;
  const allUnstable = stable.length === 0;
  // High only when the runner-up outside the tie sits below the pick by more than the pick's own spread.
  const robust = robustScore(pick.roundScores ?? []);
  const runnerUp = pool.filter((c) => !tied.includes(c)).reduce<T | null>((a, b) => (!a || score(b) > score(a) ? b : a), null);
  const separated = !runnerUp || (robust !== null && score(pick) - score(runnerUp) > robust.spread);
  const confidence = rounds < MIN_ROUNDS || allUnstable || pick.unstable ? 'low' : separated ? 'high' : 'medium';
  return { pick, best, tied, allUnstable, rounds, confidence };
}
