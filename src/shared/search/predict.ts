/**
 * Predicts one arm's whole k-curve from a few measured k, so the search measures
 * only the k that can still change the answer.
 *
 * tokens/s(k) = E(k) / s(k): E(k) = 1 + Σ_{i<k} p_i tokens per verification step
 * from the acceptance model (acceptance.ts), s(k) the time of a step. s is
 * measured at every measured k — s = E_own / tokens/s, with E_own the tokens its
 * steps really emitted (its own counters) — and taken linear in the tokens a
 * step drafts between measured neighbours, extended past the last one with the
 * last segment's slope (s(0) = 1 / tokens/s of the baseline). Drafted tokens per
 * step are k for full-length drafts, fewer where drafting stops early.
 *
 * The interval covers every alternative the acceptance model gives (its
 * binomial error, an unknown decay), the measured neighbours' own intervals, a
 * model error growing with the distance to the nearest measured k, and half the
 * guessed value of positions no counter reached.
 *
 * Without any acceptance (mlx_lm, Ollama) nothing is predicted between measured
 * k beyond a straight line with a wide bulge: the search measures instead.
 */
import { tokensPerStep, type AcceptanceModel } from './acceptance';

export interface MeasuredPoint {
  k: number;
  /** The figure the decision compares: per-request tokens/s (level 1) or aggregate tokens/s (above). */
  tokensPerSecond: number;
  /** Its interval, or null when unknown. */
  interval: [number, number] | null;
}

export interface KPrediction {
  k: number;
  tokensPerSecond: number;
  interval: [number, number];
  measured: boolean;
  /** The measured k the figure rests on. */
  basedOn: number[];
  /** The measured k whose counters gave the acceptance; null without acceptance. */
  acceptanceFromK: number | null;
}

export interface CurvePrediction {
  points: KPrediction[];
  usesAcceptance: boolean;
  note: string;
}

/** Relative model error per grid step of distance from the nearest measured k (step time is only roughly linear). */
export const MODEL_ERROR_PER_STEP = 0.01;
/** Without acceptance: how far between two measured k the curve may bulge, per step of distance. */
export const FALLBACK_BULGE_PER_STEP = 0.04;

const relHalf = (p: MeasuredPoint): number => (!p.interval || p.tokensPerSecond <= 0 ? 0.05 : Math.max(0, (p.interval[1] - p.interval[0]) / 2 / p.tokensPerSecond));

const measuredPoint = (m: MeasuredPoint): KPrediction => {
  const iv = m.interval ?? [m.tokensPerSecond, m.tokensPerSecond];
  return { k: m.k, tokensPerSecond: m.tokensPerSecond, interval: [iv[0], iv[1]], measured: true, basedOn: [m.k], acceptanceFromK: null };
};

interface StepPoint {
  k: number;
  x: number;
  s: number;
  rel: number;
}

/** Step time at k by linear interpolation in drafted tokens per step between measured neighbours. */
function stepTimeAt(steps: readonly StepPoint[], k: number, x: number): { s: number; rel: number; basedOn: number[] } {
  let lo = steps.filter((p) => p.k < k).pop();
  let hi = steps.find((p) => p.k > k);
  if (!hi) {
    hi = lo;
    lo = steps.filter((p) => p.k < hi!.k).pop();
  } else if (!lo) {
    lo = hi;
    hi = steps.find((p) => p.k > lo!.k);
  }
  const span = hi!.x - lo!.x;
  const w = span > 0 ? (x - lo!.x) / span : 0;
  return { s: Math.max(1e-9, lo!.s + w * (hi!.s - lo!.s)), rel: Math.abs(1 - w) * lo!.rel + Math.abs(w) * hi!.rel, basedOn: [lo!.k, hi!.k] };
}

export function predictCurve(grid: readonly number[], measuredIn: readonly MeasuredPoint[], model: AcceptanceModel | null): CurvePrediction {
  const ks = [...new Set(grid)].sort((a, b) => a - b);
  const measured = [...measuredIn].filter((m) => m.tokensPerSecond > 0).sort((a, b) => a.k - b.k);
  const byK = new Map(measured.map((m) => [m.k, m]));
  if (!model || !byK.has(0) || measured.length < 2) return interpolateOnly(ks, measured, model ? 'no baseline (k=0) measured yet' : 'no acceptance reported');

  const lastKnown = model.p.length;
  const variants = [model.p, ...model.variants].map((p) => {
    const eOf = (k: number) => tokensPerStep(p, k);
    const steps: StepPoint[] = measured.map((m) => ({ k: m.k, x: model.drafted(m.k), s: (model.ownTokensPerStep(m.k) ?? eOf(m.k)) / m.tokensPerSecond, rel: relHalf(m) }));
    return { eOf, steps };
  });
  const points = ks.map((k): KPrediction => {
    const m = byK.get(k);
    if (m) return measuredPoint(m);
    const x = model.drafted(k);
    const at = variants.map(({ eOf, steps }) => {
      const st = stepTimeAt(steps, k, x);
      return { tps: eOf(k) / st.s, rel: st.rel, basedOn: st.basedOn };
    });
    const tps = at[0].tps;
    const lo = Math.min(...at.map((a) => a.tps));
    const hi = Math.max(...at.map((a) => a.tps));
    // Positions no counter reached are a geometric guess: half their weight either way.
    const guessed = k > lastKnown ? (tokensPerStep(model.p, k) - tokensPerStep(model.p, lastKnown)) / 2 / tokensPerStep(model.p, k) : 0;
    const dist = Math.min(...measured.map((p) => Math.abs(p.k - k)));
    const rel = Math.hypot(at[0].rel, guessed) + MODEL_ERROR_PER_STEP * dist;
    return {
      k,
      tokensPerSecond: tps,
      interval: [Math.max(0, lo * (1 - rel)), hi * (1 + rel)],
      measured: false,
      basedOn: at[0].basedOn,
      acceptanceFromK: model.fromK,
    };
  });
  return { points, usesAcceptance: true, note: `${model.note}; step time interpolated between measured k = ${measured.map((m) => m.k).join(', ')}` };
}

/**
 * Without acceptance: a straight line between measured neighbours with room for a bulge in
 * between, and no extrapolation beyond the measured range (anything up to well above the best).
 */
function interpolateOnly(ks: readonly number[], measured: readonly MeasuredPoint[], why: string): CurvePrediction {
  const byK = new Map(measured.map((m) => [m.k, m]));
  const top = Math.max(0, ...measured.map((m) => m.interval?.[1] ?? m.tokensPerSecond));
  const points = ks.map((k): KPrediction => {
    const m = byK.get(k);
    if (m) return measuredPoint(m);
    const lo = measured.filter((x) => x.k < k).pop();
    const hi = measured.find((x) => x.k > k);
    if (!lo || !hi) {
      const near = lo ?? hi;
      const t = near?.tokensPerSecond ?? 0;
      return { k, tokensPerSecond: t, interval: [0, Math.max(t, top) * 1.5 + 1], measured: false, basedOn: near ? [near.k] : [], acceptanceFromK: null };
    }
    const w = (k - lo.k) / (hi.k - lo.k);
    const t = lo.tokensPerSecond + w * (hi.tokensPerSecond - lo.tokensPerSecond);
    const dist = Math.min(k - lo.k, hi.k - k);
    const floor = Math.min(lo.interval?.[0] ?? lo.tokensPerSecond, hi.interval?.[0] ?? hi.tokensPerSecond);
    const ceil = Math.max(lo.interval?.[1] ?? lo.tokensPerSecond, hi.interval?.[1] ?? hi.tokensPerSecond);
    return { k, tokensPerSecond: t, interval: [floor * (1 - FALLBACK_BULGE_PER_STEP * dist), ceil * (1 + FALLBACK_BULGE_PER_STEP * dist)], measured: false, basedOn: [lo.k, hi.k], acceptanceFromK: null };
  });
  return { points, usesAcceptance: false, note: `${why}: tokens/s only interpolated between measured k` };
}
