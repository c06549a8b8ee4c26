/**
 * Sequential early stop for one configuration's requests. Looking at the data
 * after every request and stopping the first time a plain 95% interval looks good
 * enough inflates the error rate with every look; so: never before a minimum
 * sample (one full round of the prompt matrix, at least 3), and at each look an
 * interval widened for the number of looks that may be taken (Bonferroni: each
 * look spends α / maxLooks), so over the whole configuration the error stays ≤ α.
 */

/** Standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
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

export interface SequentialRule {
  /** No stop before this many successful samples. */
  minSamples: number;
  /** Looks that may be taken: one after each request from minSamples on. */
  maxLooks: number;
  /** Overall error rate of the configuration's interval (default 0.05). */
  alpha: number;
}

export function sequentialRule(cells: number, oneRound: number, alpha = 0.05): SequentialRule {
  const minSamples = Math.min(cells, Math.max(3, oneRound));
  return { minSamples, maxLooks: Math.max(1, cells - minSamples + 1), alpha };
}

/**
 * The interval of the mean after n samples, widened for the looks (t quantile at
 * α / (2·maxLooks)). null before the minimum sample. The centre is the mean; the
 * report keeps its median and order-statistic interval for what it prints.
 */
export function sequentialInterval(xs: readonly number[], rule: SequentialRule): { mean: number; interval: [number, number]; relHalfWidth: number } | null {
  const n = xs.length;
  if (n < rule.minSamples || n < 2) return null;
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const t = tQuantile(1 - rule.alpha / (2 * rule.maxLooks), n - 1);
  const half = (t * sd) / Math.sqrt(n);
  return { mean, interval: [mean - half, mean + half], relHalfWidth: mean > 0 ? half / mean : Infinity };
}

export interface StopContext {
  /** The best other measured configuration's interval so far (null: none yet). */
  bestOther: [number, number] | null;
  /** Stop once the widened half-width is this small relative to the mean (default 2%). */
  precision?: number;
  /**
   * The configuration may be the pick (the predicted best, a rival that could overturn it, or the
   * measured leader): a precise-enough figure is no reason to stop it, since the pick is decided by
   * comparing it with its rivals, and a short sample there decided an edge optimum wrongly (issue 9).
   * Only "clearly slower than the best other" stops it before the full sample.
   */
  fullSample?: boolean;
}

/**
 * Whether a configuration has been measured enough: its widened interval is
 * precise (unless it needs its full sample), or lies wholly below the best other
 * configuration's (it cannot win).
 */
export function shouldStopEarly(xs: readonly number[], rule: SequentialRule, ctx: StopContext): { stop: boolean; why: string | null } {
  const iv = sequentialInterval(xs, rule);
  if (!iv) return { stop: false, why: null };
  if (!ctx.fullSample && iv.relHalfWidth <= (ctx.precision ?? 0.02)) return { stop: true, why: `precise to ±${(iv.relHalfWidth * 100).toFixed(1)}% after ${xs.length} requests` };
  if (ctx.bestOther && iv.interval[1] < ctx.bestOther[0]) return { stop: true, why: `clearly slower than the best so far after ${xs.length} requests` };
  return { stop: false, why: null };
}
