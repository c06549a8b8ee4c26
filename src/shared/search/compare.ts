/**
 * How two measured candidates compare at one load level: the ratio of their
 * speeds with an interval, on what the decision is about.
 *
 * Level 1: every request is a sample in its stratum (prompt type × system
 * prompt). A sweep runs every candidate on the same fixed prompt mix, so the
 * mix is not noise: the comparison is blocked by stratum — the mean log speed
 * of A and of B within each stratum, their difference averaged over the strata
 * both have — and its error comes only from the repeat-to-repeat scatter
 * inside strata (pooled over strata and both candidates). Unequal sample sizes
 * are fine: extra rounds of one candidate shrink its side of the error.
 * Above level 1 a sample is one round's aggregate tokens/s, all in one stratum.
 *
 * The interval is widened for the number of looks a decision may take at the
 * data (Bonferroni: each look spends α / looks), so sampling until it separates
 * keeps its error rate. With one sample per stratum there is no scatter to pool:
 * the strata's own differences give a (wider, honest) paired interval instead.
 */
import { tQuantile } from '../stats';

export interface Sample {
  /** The prompt cell (level 1), or '' where samples are not blocked (rounds under load). */
  stratum: string;
  /** tokens/s, > 0 */
  value: number;
}

export interface Comparison {
  /** Speed of A over speed of B (a geometric mean over strata of within-stratum ratios). */
  ratio: number;
  /** Interval of that ratio, widened for the looks; null when nothing tells the noise. */
  interval: [number, number] | null;
  /** Samples behind each side, over the strata both have. */
  n: [number, number];
  strata: number;
  /** Standard error of the log ratio (0: no scatter at all; null: unknown). */
  se: number | null;
  df: number;
  /** The t quantile the interval used. */
  t: number;
}

export interface CompareOptions {
  /** Looks the decision may take (≥ 1): the interval is the (1 − alpha/looks) one. */
  looks?: number;
  /**
   * Within-stratum scatter pooled over every candidate measured at the level (scatter()): the noise
   * is the server's, not the candidate's, so one round of a candidate compares well against it.
   */
  pooled?: Scatter;
  /** Overall error rate, two-sided (default 0.05). */
  alpha?: number;
}

function byStratum(samples: readonly Sample[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const s of samples) {
    if (!(s.value > 0) || !Number.isFinite(s.value)) continue;
    const list = m.get(s.stratum) ?? [];
    list.push(Math.log(s.value));
    m.set(s.stratum, list);
  }
  return m;
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const sumSq = (xs: readonly number[], m: number) => xs.reduce((s, x) => s + (x - m) ** 2, 0);

/** The quantile a look uses: two-sided alpha spread over `looks` looks. */
export function lookQuantile(df: number, o: CompareOptions = {}): number {
  const looks = Math.max(1, o.looks ?? 1);
  return tQuantile(1 - (o.alpha ?? 0.05) / (2 * looks), Math.max(1, df));
}

export function compareSamples(a: readonly Sample[], b: readonly Sample[], o: CompareOptions = {}): Comparison | null {
  const A = byStratum(a);
  const B = byStratum(b);
  const common = [...A.keys()].filter((s) => B.has(s));
  if (!common.length) return null;
  const diffs: number[] = [];
  let ss = 0;
  let dfWithin = 0;
  let invN = 0;
  let nA = 0;
  let nB = 0;
  for (const s of common) {
    const xa = A.get(s)!;
    const xb = B.get(s)!;
    const ma = mean(xa);
    const mb = mean(xb);
    diffs.push(ma - mb);
    ss += sumSq(xa, ma) + sumSq(xb, mb);
    dfWithin += xa.length - 1 + xb.length - 1;
    invN += 1 / xa.length + 1 / xb.length;
    nA += xa.length;
    nB += xb.length;
  }
  const S = common.length;
  const d = mean(diffs);
  let se: number | null = null;
  let df = 0;
  const pool = o.pooled && o.pooled.df >= dfWithin ? o.pooled : { ss, df: dfWithin };
  if (pool.df >= 2) {
    se = Math.sqrt((pool.ss / pool.df) * invN) / S;
    df = pool.df;
  } else if (S >= 2) {
    se = Math.sqrt(sumSq(diffs, d) / (S - 1) / S);
    df = S - 1;
  }
  const t = se === null ? Infinity : lookQuantile(df, o);
  const interval: [number, number] | null = se === null ? null : [Math.exp(d - t * se), Math.exp(d + t * se)];
  return { ratio: Math.exp(d), interval, n: [nA, nB], strata: S, se, df, t };
}

export interface Scatter {
  /** Sum of squared deviations of log speeds from their stratum means. */
  ss: number;
  df: number;
}

/** Within-stratum scatter of log speeds, pooled over several candidates' samples. */
export function scatter(sets: readonly (readonly Sample[])[]): Scatter {
  let ss = 0;
  let df = 0;
  for (const set of sets) {
    for (const xs of byStratum(set).values()) {
      ss += sumSq(xs, mean(xs));
      df += xs.length - 1;
    }
  }
  return { ss, df };
}

/** The interval excludes 1: one side is faster beyond the noise. */
export function separated(c: Comparison | null): boolean {
  return c?.interval != null && (c.interval[0] > 1 || c.interval[1] < 1);
}

/**
 * Mean log speed of each candidate over the strata they all have: the figure candidates are
 * ranked by (exp of a difference of two is their blocked ratio). Strata some candidate lacks
 * are left out, so a failed request does not move one candidate's mix.
 */
export function blockedScores(sets: ReadonlyMap<string, readonly Sample[]>): Map<string, number> {
  const grouped = new Map([...sets].map(([key, s]) => [key, byStratum(s)] as const));
  const nonEmpty = [...grouped.values()].filter((g) => g.size > 0);
  const shared = nonEmpty.length ? [...nonEmpty[0].keys()].filter((s) => nonEmpty.every((g) => g.has(s))) : [];
  const out = new Map<string, number>();
  for (const [key, g] of grouped) {
    if (!g.size) continue;
    const strata = shared.length ? shared : [...g.keys()];
    out.set(key, mean(strata.map((s) => mean(g.get(s)!))));
  }
  return out;
}

/**
 * Rounds of B needed (on top of what each side has) for the interval to shut out 1 at the measured
 * gap, given A's side stays as it is; Infinity when A's own side alone keeps it open.
 */
export function roundsToSeparate(c: Comparison): number {
  if (c.se === null || c.se === 0) return c.se === 0 ? 0 : Infinity;
  const gap = Math.abs(Math.log(c.ratio));
  if (gap === 0) return Infinity;
  // se² ∝ 1/nA + 1/nB (per stratum); solve t·se_new ≤ gap for nB with nA fixed.
  const perStratumA = c.n[0] / c.strata;
  const perStratumB = c.n[1] / c.strata;
  const sigma2 = (c.se * c.strata) ** 2 / (1 / perStratumA + 1 / perStratumB) / c.strata;
  const need = (gap / c.t) ** 2 / (sigma2 / c.strata) - 1 / perStratumA;
  if (need <= 0) return Infinity;
  // A round adds one sample to every stratum (level 1: the whole matrix; under load: one round score).
  return Math.max(0, Math.ceil(1 / need - perStratumB));
}

/**
 * One candidate's blocked mean speed (geometric mean over the given strata of its per-stratum
 * geometric means) with a 95% interval from its within-stratum scatter: the figure the k-curve
 * predictor interpolates between measured k.
 */
export function blockedMean(samples: readonly Sample[], strata?: readonly string[]): { value: number; interval: [number, number] | null } | null {
  const g = byStratum(samples);
  const keys = (strata ?? [...g.keys()]).filter((s) => g.has(s));
  if (!keys.length) return null;
  const means = keys.map((s) => mean(g.get(s)!));
  const m = mean(means);
  let ss = 0;
  let df = 0;
  let invN = 0;
  for (const s of keys) {
    const xs = g.get(s)!;
    ss += sumSq(xs, mean(xs));
    df += xs.length - 1;
    invN += 1 / xs.length;
  }
  const se = df >= 2 ? Math.sqrt((ss / df) * invN) / keys.length : keys.length >= 2 ? Math.sqrt(sumSq(means, m) / (keys.length - 1) / keys.length) : null;
  const t = se === null ? 0 : lookQuantile(df >= 2 ? df : keys.length - 1);
  return { value: Math.exp(m), interval: se === null ? null : [Math.exp(m - t * se), Math.exp(m + t * se)] };
}

/** The strata every one of these sample sets has (all of their strata when they share none). */
export function sharedStrata(sets: readonly (readonly Sample[])[]): string[] {
  const groups = sets.map((s) => new Set(s.filter((x) => x.value > 0).map((x) => x.stratum))).filter((g) => g.size > 0);
  if (!groups.length) return [];
  return [...groups[0]].filter((s) => groups.every((g) => g.has(s)));
}
