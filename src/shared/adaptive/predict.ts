/**
 * Predicts the whole k-curve from a few measured configurations, so an adaptive
 * sweep measures only the k values that can still change the answer.
 *
 * Model (pure arithmetic, no fitting of α): a verification step with k drafts
 * emits E(k) = 1 + Σ_{i<k} p_i tokens on average, where p_i is the share of drafts
 * whose position i was accepted (positions are cumulative, so p_i is non-increasing).
 * A step costs s(k); s is taken linear in k between measured points — s(0) = 1/tps0
 * (one token per step), s(k_m) = E_m/tps(k_m) with E_m from k_m's own counters (the
 * tokens its steps really emitted) — and extended past the last measured k with the
 * last segment's slope. Then tps(k) = E(k)/s(k), E(k) from the acceptance pooled
 * over every measured k.
 *
 * Using the measured p_i position by position (rather than one α fitted to the mean
 * acceptance length) keeps a strongly decaying acceptance from being mistaken for a
 * flat one, which would put the optimum at too large a k.
 */

export interface MeasuredPoint {
  k: number;
  /** Median tokens/s of the configuration. */
  tokensPerSecond: number;
  /** Its interval (the sequential rule's, widened for the looks taken), or null when unknown. */
  interval: [number, number] | null;
  /** Per-position acceptance p_0..p_{k-1} (fraction of drafts accepted at position i); [] when not reported. */
  perPositionAcceptance?: readonly number[];
  /** Drafts behind those fractions (the binomial error shrinks with it); null when unknown. */
  drafts?: number | null;
}

export interface KPrediction {
  k: number;
  tokensPerSecond: number;
  interval: [number, number];
  /** True when k was measured: the figure is the measurement, not a prediction. */
  measured: boolean;
  /** The measured k values the figure rests on (its neighbours, or the two used to extrapolate). */
  basedOn: number[];
  /** The measured k whose per-position acceptance gave E(k); null in the fallback. */
  acceptanceFromK: number | null;
}

export interface CurvePrediction {
  points: KPrediction[];
  /** False: no per-position acceptance, tps is only interpolated between measured k (measure more points). */
  usesAcceptance: boolean;
  note: string;
}

/** Relative model error added per grid step of distance from the nearest measured k (step time is only roughly linear). */
export const MODEL_ERROR_PER_STEP = 0.01;
/** Fallback (no acceptance): how far between two measured k the curve may bulge, per step of distance. */
export const FALLBACK_BULGE_PER_STEP = 0.04;

const relHalf = (p: MeasuredPoint): number => {
  if (!p.interval || p.tokensPerSecond <= 0) return 0.05;
  return Math.max(0, (p.interval[1] - p.interval[0]) / 2 / p.tokensPerSecond);
};

/** The measured acceptance to use: the configuration with the most positions (ties: the most drafts). */
function acceptanceSource(points: readonly MeasuredPoint[]): MeasuredPoint | null {
  let best: MeasuredPoint | null = null;
  for (const p of points) {
    const n = p.perPositionAcceptance?.length ?? 0;
    if (p.k <= 0 || n === 0) continue;
    const bn = best?.perPositionAcceptance?.length ?? 0;
    if (!best || n > bn || (n === bn && (p.drafts ?? 0) > (best.drafts ?? 0))) best = p;
  }
  return best;
}

/**
 * Per-position acceptance pooled over every measured k that reached position i,
 * weighted by its drafts (position i means the same thing at any k > i), and the
 * drafts behind each position. Unknown draft counts weigh as 20 drafts.
 */
export function pooledAcceptance(points: readonly MeasuredPoint[]): { p: number[]; n: number[] } {
  const sum: number[] = [];
  const n: number[] = [];
  for (const m of points) {
    if (m.k <= 0 || !m.perPositionAcceptance?.length) continue;
    const w = m.drafts && m.drafts > 0 ? m.drafts : 20;
    m.perPositionAcceptance.forEach((pi, i) => {
      sum[i] = (sum[i] ?? 0) + pi * w;
      n[i] = (n[i] ?? 0) + w;
    });
  }
  return { p: monotoneAcceptance(sum.map((x, i) => x / n[i])), n };
}

/** p_i made non-increasing and clamped to [0, 1] (counters from separate reads can jitter by a draft). */
export function monotoneAcceptance(p: readonly number[]): number[] {
  const out: number[] = [];
  let prev = 1;
  for (const x of p) {
    const v = Math.min(prev, Math.max(0, Number.isFinite(x) ? x : 0));
    out.push(v);
    prev = v;
  }
  return out;
}

/** E(k) and its 95% half-width: a binomial error per position, summed (positions are strongly correlated, so no √ of sums). */
export function expectedTokensPerStep(p: readonly number[], k: number, drafts: number | null): { e: number; half: number } {
  let e = 1;
  let half = 0;
  // Beyond the measured positions, the last one's acceptance decays geometrically (our only guess there).
  const last = p.length ? p[p.length - 1] : 0;
  const ratio = p.length >= 2 && p[p.length - 2] > 0 ? Math.min(1, last / p[p.length - 2]) : last;
  for (let i = 0; i < k; i++) {
    const pi = i < p.length ? p[i] : last * ratio ** (i - p.length + 1);
    e += pi;
    const n = drafts && drafts > 0 ? drafts : 20;
    half += 1.96 * Math.sqrt(Math.max(pi * (1 - pi), 0.25 / n) / n);
    if (i >= p.length) half += pi * 0.5; // unmeasured position: half its guessed value either way
  }
  return { e, half };
}

/** Tokens per step a measured k really emitted, from its own per-position acceptance; null when it reported none (or k = 0: exactly 1). */
function ownTokensPerStep(m: MeasuredPoint): number | null {
  if (m.k <= 0) return 1;
  const own = m.perPositionAcceptance ?? [];
  return own.length >= m.k ? expectedTokensPerStep(monotoneAcceptance(own), m.k, m.drafts ?? null).e : null;
}

export function predictCurve(grid: readonly number[], measuredIn: readonly MeasuredPoint[]): CurvePrediction {
  const ks = [...new Set(grid)].sort((a, b) => a - b);
  const measured = [...measuredIn].filter((m) => m.tokensPerSecond > 0).sort((a, b) => a.k - b.k);
  const byK = new Map(measured.map((m) => [m.k, m]));
  const src = acceptanceSource(measured);
  const base = byK.get(0);
  if (!src || !base || measured.length < 2) return interpolateOnly(ks, measured, src ? 'no baseline (k=0) measured yet' : 'no per-position acceptance reported');

  const { p, n: nAt } = pooledAcceptance(measured);
  const drafts = src.drafts ?? null;
  // The acceptance error moves every position together (one draft's run covers them all), so it is
  // propagated by re-running the whole prediction with every p_i at the low and the high end of its
  // interval: that also moves s(K) = E(K)/tps_K, and most of the error cancels near K.
  const shift = (dir: number) => monotoneAcceptance(p.map((pi, i) => pi + dir * 1.96 * Math.sqrt(Math.max(pi * (1 - pi), 0.25 / nAt[i]) / nAt[i])));
  const variants = [p, shift(-1), shift(1)].map((acc) => {
    const eOf = (k: number) => expectedTokensPerStep(acc, k, drafts).e;
    // Step time (s per step) at every measured k, with the relative error of its tokens/s. A measured k's own
    // counters say how many tokens its steps really emitted: its step time is E_own / tps. The pooled acceptance
    // would charge an unlucky run of rejections at that k (one prompt at temperature 0 replays the same run in
    // every repeat) to its step time, and bend the predicted curve away from the k next to it.
    const steps = measured.map((m) => ({ k: m.k, s: (ownTokensPerStep(m) ?? eOf(m.k)) / m.tokensPerSecond, rel: relHalf(m) }));
    return { eOf, steps };
  });

  const points = ks.map((k): KPrediction => {
    const m = byK.get(k);
    if (m) {
      const iv = m.interval ?? [m.tokensPerSecond, m.tokensPerSecond];
      return { k, tokensPerSecond: m.tokensPerSecond, interval: [iv[0], iv[1]], measured: true, basedOn: [k], acceptanceFromK: null };
    }
    const at = variants.map(({ eOf, steps }) => {
      // Measured neighbours: interpolate s between them; beyond the last, extend the last segment.
      let lo = steps.filter((x) => x.k < k).pop();
      let hi = steps.find((x) => x.k > k);
      if (!hi) {
        hi = lo;
        lo = steps.filter((x) => x.k < hi!.k).pop();
      } else if (!lo) {
        lo = hi;
        hi = steps.find((x) => x.k > lo!.k);
      }
      const w = (k - lo!.k) / (hi!.k - lo!.k);
      const s = Math.max(1e-9, lo!.s + w * (hi!.s - lo!.s));
      // Interpolating: a weighted mix of the two tokens/s errors; extrapolating (w > 1) amplifies them.
      return { tps: eOf(k) / s, relS: Math.abs(1 - w) * lo!.rel + Math.abs(w) * hi!.rel, basedOn: [lo!.k, hi!.k] };
    });
    const tps = at[0].tps;
    const relAcc = Math.max(...at.map((a) => Math.abs(a.tps - tps))) / tps;
    // Positions beyond the measured ones are a guess (geometric decay): half their weight either way.
    const guessed = expectedTokensPerStep(p, k, drafts);
    const relGuess = k > p.length ? (guessed.half - expectedTokensPerStep(p, p.length, drafts).half) / guessed.e : 0;
    const dist = Math.min(...measured.map((x) => Math.abs(x.k - k)));
    const rel = Math.hypot(at[0].relS, relAcc, relGuess) + MODEL_ERROR_PER_STEP * dist;
    return {
      k,
      tokensPerSecond: tps,
      interval: [tps * Math.max(0, 1 - rel), tps * (1 + rel)],
      measured: false,
      basedOn: at[0].basedOn,
      acceptanceFromK: src.k,
    };
  });
  return {
    points,
    usesAcceptance: true,
    note: `per-position acceptance of k=${src.k}${drafts ? ` (${drafts} drafts)` : ''}, step time interpolated between measured k = ${measured.map((m) => m.k).join(', ')}`,
  };
}

/**
 * Fallback without per-position acceptance: a straight line between measured
 * neighbours, with an interval that allows a bulge in between (the curve is
 * usually concave) and no extrapolation beyond the measured range — the driver
 * then bisects the grid where the interval leaves the answer open.
 */
function interpolateOnly(ks: readonly number[], measured: readonly MeasuredPoint[], why: string): CurvePrediction {
  const byK = new Map(measured.map((m) => [m.k, m]));
  const top = Math.max(0, ...measured.map((m) => m.interval?.[1] ?? m.tokensPerSecond));
  const points = ks.map((k): KPrediction => {
    const m = byK.get(k);
    if (m) {
      const iv = m.interval ?? [m.tokensPerSecond, m.tokensPerSecond];
      return { k, tokensPerSecond: m.tokensPerSecond, interval: [iv[0], iv[1]], measured: true, basedOn: [k], acceptanceFromK: null };
    }
    const lo = measured.filter((x) => x.k < k).pop();
    const hi = measured.find((x) => x.k > k);
    if (!lo || !hi) {
      // Outside the measured range (or nothing measured): unknown, anything up to well above the best seen.
      const near = lo ?? hi;
      const t = near?.tokensPerSecond ?? 0;
      return { k, tokensPerSecond: t, interval: [0, Math.max(t, top) * 1.5 + 1], measured: false, basedOn: near ? [near.k] : [], acceptanceFromK: null };
    }
    const w = (k - lo.k) / (hi.k - lo.k);
    const t = lo.tokensPerSecond + w * (hi.tokensPerSecond - lo.tokensPerSecond);
    const dist = Math.min(k - lo.k, hi.k - k);
    const loBound = Math.min(lo.interval?.[0] ?? lo.tokensPerSecond, hi.interval?.[0] ?? hi.tokensPerSecond);
    const hiBound = Math.max(lo.interval?.[1] ?? lo.tokensPerSecond, hi.interval?.[1] ?? hi.tokensPerSecond) * (1 + FALLBACK_BULGE_PER_STEP * dist);
    return { k, tokensPerSecond: t, interval: [loBound * (1 - FALLBACK_BULGE_PER_STEP * dist), hiBound], measured: false, basedOn: [lo.k, hi.k], acceptanceFromK: null };
  });
  return { points, usesAcceptance: false, note: `${why}: tokens/s only interpolated between measured k, so more k are measured (bisecting the grid)` };
}
