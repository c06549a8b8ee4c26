/**
 * Sequential early stop for one configuration's requests. Looking at the data
 * after every request and stopping the first time a plain 95% interval looks good
 * enough inflates the error rate with every look; so: never before a minimum
 * sample (one full round of the prompt matrix, at least 3), and at each look an
 * interval widened for the number of looks that may be taken (Bonferroni: each
 * look spends α / maxLooks), so over the whole configuration the error stays ≤ α.
 */
import { tQuantile } from '../stats';

export { normalQuantile, tQuantile } from '../stats';

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
