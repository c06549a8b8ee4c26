/**
 * Robust summaries for noisy timing data. Medians rather than means (one slow
 * request from a GC pause or a CUDA graph capture should not move the answer),
 * with distribution-free confidence intervals.
 */
import { median as ssMedian, quantileSorted } from 'simple-statistics';

export function median(xs: readonly number[]): number | null {
  return xs.length ? ssMedian(xs as number[]) : null;
}

/**
 * 95% confidence interval for the median from order statistics (normal
 * approximation to the binomial ranks). Needs no distributional assumption;
 * with few samples it widens to the sample range, which is the honest answer.
 */
export function medianCI(xs: readonly number[]): [number, number] | null {
  const n = xs.length;
  if (n === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const half = (1.96 * Math.sqrt(n)) / 2;
  // 1-based ranks n/2 − z√n/2 and 1 + n/2 + z√n/2, clamped to the sample.
  const lo = Math.max(0, Math.floor(n / 2 - half) - 1);
  const hi = Math.min(n - 1, Math.ceil(1 + n / 2 + half) - 1);
  return [s[lo], s[hi]];
}

/** Deterministic PRNG so the same data always gives the same bootstrap interval. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Bootstrap 95% interval of median(a)/median(b).
 * When `paired` is true, a[i] and b[i] were measured on the same prompt, system
 * prompt and repeat, and pairs are resampled together: the prompt mix then
 * cancels out and the interval reflects only the speculative effect.
 */
export function ratioOfMediansCI(
  a: readonly number[],
  b: readonly number[],
  opts: { paired?: boolean; resamples?: number; seed?: number; strata?: readonly string[] } = {},
): [number, number] | null {
  if (!a.length || !b.length) return null;
  const paired = opts.paired === true && a.length === b.length;
  const resamples = opts.resamples ?? 2000;
  const rand = mulberry32(opts.seed ?? 0x5eed);
  const ratios: number[] = new Array(resamples);
  const ra = new Array<number>(a.length);
  const rb = new Array<number>(b.length);
  // Paired with strata (prompt type): pairs are drawn within their own stratum, so every
  // resample keeps the measured prompt mix (see stratifiedMedianCI for why).
  // One pair per stratum (a single repeat) shows no noise: resample freely then, or the interval would be a point.
  const grouped = paired && opts.strata && opts.strata.length === a.length ? indexGroups(opts.strata) : null;
  const groups = grouped && grouped.some((g) => g.length >= 2) ? grouped : null;
  for (let r = 0; r < resamples; r++) {
    if (groups) {
      let i = 0;
      for (const g of groups) {
        for (let n = 0; n < g.length; n++) {
          const j = g[Math.floor(rand() * g.length)];
          ra[i] = a[j];
          rb[i++] = b[j];
        }
      }
    } else {
      for (let i = 0; i < a.length; i++) {
        const j = Math.floor(rand() * a.length);
        ra[i] = a[j];
        if (paired) rb[i] = b[j];
      }
    }
    if (!paired) for (let i = 0; i < b.length; i++) rb[i] = b[Math.floor(rand() * b.length)];
    const mb = ssMedian(rb);
    ratios[r] = mb > 0 ? ssMedian(ra) / mb : Number.NaN;
  }
  const finite = ratios.filter(Number.isFinite).sort((x, y) => x - y);
  if (!finite.length) return null;
  return [quantileSorted(finite, 0.025), quantileSorted(finite, 0.975)];
}

function indexGroups(strata: readonly string[]): number[][] {
  const m = new Map<string, number[]>();
  strata.forEach((s, i) => {
    const list = m.get(s) ?? [];
    list.push(i);
    m.set(s, list);
  });
  return [...m.values()];
}

/** Percent change of a over b: +64 means 64% faster. */
export function percentChange(a: number | null, b: number | null): number | null {
  if (a === null || b === null || b <= 0) return null;
  return (a / b - 1) * 100;
}

export function round(x: number | null, digits = 2): number | null {
  if (x === null || !Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * Bootstrap 95% interval of the median of all samples, resampling only WITHIN
 * each stratum (here: each prompt type × system prompt) and keeping every
 * stratum's count fixed.
 *
 * Why: a sweep measures every configuration on the same fixed prompt mix, so the
 * mix itself is not a source of uncertainty — only the repeat-to-repeat noise is.
 * The plain order-statistic interval (medianCI) treats a short chat prompt at 100
 * tok/s and a long code prompt at 400 tok/s as noise around one value and comes
 * out as wide as the mix (208–394 tok/s in issue 11). Resampling within strata
 * keeps the mix and measures only what a re-run would change. Strata with one
 * sample cannot show their noise and stay fixed; when no stratum has two samples
 * (one repeat of everything) there is nothing to learn noise from, and the pooled
 * interval is returned, which is the honest, wide answer.
 * Seeded: the same data always gives the same interval.
 */
export function stratifiedMedianCI(
  samples: readonly { stratum: string; value: number }[],
  opts: { resamples?: number; seed?: number } = {},
): [number, number] | null {
  if (!samples.length) return null;
  const strata = new Map<string, number[]>();
  for (const s of samples) {
    const list = strata.get(s.stratum) ?? [];
    list.push(s.value);
    strata.set(s.stratum, list);
  }
  const groups = [...strata.values()];
  if (!groups.some((g) => g.length >= 2)) return medianCI(samples.map((s) => s.value));
  const resamples = opts.resamples ?? 2000;
  const rand = mulberry32(opts.seed ?? 0x5eed);
  const buf = new Array<number>(samples.length);
  const medians: number[] = new Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let i = 0;
    for (const g of groups) for (let j = 0; j < g.length; j++) buf[i++] = g[Math.floor(rand() * g.length)];
    medians[r] = ssMedian(buf);
  }
  medians.sort((x, y) => x - y);
  return [quantileSorted(medians, 0.025), quantileSorted(medians, 0.975)];
}

/** 10th and 90th percentiles: how far apart single requests land across the whole prompt mix. */
export function spread(xs: readonly number[]): [number, number] | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return [quantileSorted(s, 0.1), quantileSorted(s, 0.9)];
}

/** Standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9). */
function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lowP = 0.02425;
  if (p < lowP) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lowP) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Student t quantile from the normal one (Cornish–Fisher expansion; good to ~1% for ν ≥ 3, conservative enough for ν = 2). */
export function tQuantile(p: number, nu: number): number {
  const z = normalQuantile(p);
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return z + (z3 + z) / (4 * nu) + (5 * z5 + 16 * z3 + 3 * z) / (96 * nu ** 2) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * nu ** 3);
}
