/**
 * Which k to measure next, or why nothing more needs measuring. The pick is the
 * k with the highest figure; it is decided when it was measured and no other k's
 * interval can overturn it — a larger k would have to beat it by more than 1%
 * (the tie rule takes the smaller k), a smaller one come within 1% of it.
 */
import type { CurvePrediction, KPrediction } from './predict';

/** Within this share of the best, the smaller k wins (less draft work for the same speed). */
export const TIE_SHARE = 0.01;

export type Decision =
  | { kind: 'measure'; k: number; why: string }
  | { kind: 'decided'; k: number; why: string };

/** The pick among measured points: the fastest, or the smallest k within 1% of it. */
export function measuredPick(points: readonly KPrediction[]): KPrediction | null {
  const m = points.filter((p) => p.measured);
  if (!m.length) return null;
  const top = Math.max(...m.map((p) => p.tokensPerSecond));
  return [...m].sort((a, b) => a.k - b.k).find((p) => p.tokensPerSecond >= top * (1 - TIE_SHARE)) ?? null;
}

/** Could `other` become the pick instead of the measured leader? */
export function canOverturn(other: KPrediction, leader: KPrediction): boolean {
  const upper = other.interval[1];
  return other.k > leader.k ? upper > leader.tokensPerSecond * (1 + TIE_SHARE) : upper >= leader.tokensPerSecond * (1 - TIE_SHARE);
}

/**
 * `unavailable`: k values that cannot be measured (failed) — never proposed again.
 * An unmeasured k whose predicted figure beats every measurement is measured first;
 * then the open k with the highest upper bound (nearest the pick on ties).
 */
export function nextStep(curve: CurvePrediction, unavailable: ReadonlySet<number>): Decision {
  const points = curve.points.filter((p) => !unavailable.has(p.k));
  const leader = measuredPick(points);
  const open = points.filter((p) => !p.measured);
  if (!leader) {
    const first = open[0];
    return first ? { kind: 'measure', k: first.k, why: 'nothing measured yet' } : { kind: 'decided', k: -1, why: 'no configuration could be measured' };
  }
  const predictedBest = open.reduce<KPrediction | null>((b, p) => (!b || p.tokensPerSecond > b.tokensPerSecond ? p : b), null);
  if (predictedBest && predictedBest.tokensPerSecond > leader.tokensPerSecond * (1 + TIE_SHARE)) {
    return { kind: 'measure', k: predictedBest.k, why: `predicted ${predictedBest.tokensPerSecond.toFixed(1)} tok/s beats measured k=${leader.k} (${leader.tokensPerSecond.toFixed(1)})` };
  }
  const contenders = open.filter((p) => canOverturn(p, leader));
  if (!contenders.length) {
    const measuredCount = points.filter((p) => p.measured).length;
    return {
      kind: 'decided',
      k: leader.k,
      why: `k=${leader.k} leads (${leader.tokensPerSecond.toFixed(1)} tok/s); the ${open.length} unmeasured k have intervals that cannot overturn it (a larger k must beat it by > ${TIE_SHARE * 100}%, a smaller one come within ${TIE_SHARE * 100}%); ${measuredCount} measured`,
    };
  }
  const next = contenders.sort((a, b) => b.interval[1] - a.interval[1] || Math.abs(a.k - leader.k) - Math.abs(b.k - leader.k))[0];
  return { kind: 'measure', k: next.k, why: `k=${next.k}'s interval (up to ${next.interval[1].toFixed(1)} tok/s) could overturn k=${leader.k}` };
}
