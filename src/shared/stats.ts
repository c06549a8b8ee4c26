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
  opts: { paired?: boolean; resamples?: number; seed?: number } = {},
): [number, number] | null {
  if (!a.length || !b.length) return null;
  const paired = opts.paired === true && a.length === b.length;
  const resamples = opts.resamples ?? 2000;
  const rand = mulberry32(opts.seed ?? 0x5eed);
  const ratios: number[] = new Array(resamples);
  const ra = new Array<number>(a.length);
  const rb = new Array<number>(b.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < a.length; i++) {
      const j = Math.floor(rand() * a.length);
      ra[i] = a[j];
      if (paired) rb[i] = b[j];
    }
    if (!paired) for (let i = 0; i < b.length; i++) rb[i] = b[Math.floor(rand() * b.length)];
    const mb = ssMedian(rb);
    ratios[r] = mb > 0 ? ssMedian(ra) / mb : Number.NaN;
  }
  const finite = ratios.filter(Number.isFinite).sort((x, y) => x - y);
  if (!finite.length) return null;
  return [quantileSorted(finite, 0.025), quantileSorted(finite, 0.975)];
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
