/**
 * How two measured candidates compare at one load level: the ratio of their
 * speeds with an interval, on what the decision is about.
 *
 * Level 1: every request is a sample in its stratum (prompt type × system
 * prompt). A sweep runs every candidate on the same fixed prompt mix, so the
 * mix is not noise: the comparison is blocked by stratum — the median log speed
 * of A and of B within each stratum, their difference averaged over the strata
 * both have — and its error comes only from the repeat-to-repeat scatter inside
 * strata. Medians, so one stalled request (a GC pause, another process) does not
 * move the answer; the scatter is pooled over strata (and, in a level's decision,
 * over every candidate measured there: the noise is the server's, though a pair
 * never borrows a precision quieter than its own). Unequal sample sizes are fine: extra rounds of one candidate shrink its side of the error.
 * Above level 1 a sample is one round's aggregate tokens/s, all in one stratum.
 *
 * The interval is widened for the number of looks a decision may take at the
 * data (Bonferroni: each look spends α / looks), so sampling until it separates
 * keeps its error rate. With one sample per stratum and nothing to pool, the
 * strata's own differences give a (wider, honest) paired interval instead.
 */
import { tQuantile } from '../stats';

export interface Sample {
  /** The prompt cell (level 1), or '' where samples are not blocked (rounds under load). */
  stratum: string;
  /** tokens/s, > 0 */
  value: number;
}

export interface Comparison {
  /** Speed of A over speed of B (a geometric mean over strata of within-stratum ratios of medians). */
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

/** Within-stratum scatter of log speeds: sum of squared residuals and its degrees of freedom. */
export interface Scatter {
  ss: number;
  df: number;
}

export interface CompareOptions {
  /** Looks the decision may take (≥ 1): the interval is the (1 − alpha/looks) one. */
  looks?: number;
  /** Overall error rate, two-sided (default 0.05). */
  alpha?: number;
  /** Scatter pooled over every candidate at the level (scatter()); used when it has more to say than the pair's own. */
  pooled?: Scatter;
}

interface Stratum {
  /** Median of the log speeds. */
  loc: number;
  logs: number[];
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

function byStratum(samples: readonly Sample[]): Map<string, Stratum> {
  const logs = new Map<string, number[]>();
  for (const s of samples) {
    if (!(s.value > 0) || !Number.isFinite(s.value)) continue;
    const list = logs.get(s.stratum) ?? [];
    list.push(Math.log(s.value));
    logs.set(s.stratum, list);
  }
  return new Map([...logs].map(([k, xs]) => [k, { loc: medianOf(xs), logs: xs }]));
}

/** Variance of a stratum's median relative to σ²/n: a median of three or more costs efficiency (π/2 for many). */
const medianFactor = (n: number) => (n <= 2 ? 1 : n === 3 ? 1.35 : Math.PI / 2);

/**
 * Residuals from each stratum's median (strata with two samples or more). Not clipped: a stall moves no
 * median, and the wider interval it leaves is the honest price of a noisy server.
 */
function residuals(groups: Iterable<Stratum>): Scatter {
  let ss = 0;
  let df = 0;
  for (const g of groups) {
    if (g.logs.length < 2) continue;
    for (const x of g.logs) ss += (x - g.loc) ** 2;
    df += g.logs.length - 1;
  }
  return { ss, df };
}

/**
 * The scatter to use for a pair: the level's pooled one where it has more degrees of freedom, but never
 * quieter than the pair's own (a noisy candidate must not borrow the precision of quiet ones).
 */
function chooseScatter(own: Scatter, pooled: Scatter | undefined): Scatter {
  if (!pooled || pooled.df <= own.df) return own;
  if (own.df < 2) return pooled;
  const variance = Math.max(own.ss / own.df, pooled.ss / pooled.df);
  return { ss: variance * pooled.df, df: pooled.df };
}

/** Within-stratum scatter pooled over several candidates' samples. */
export function scatter(sets: readonly (readonly Sample[])[]): Scatter {
  return residuals(sets.flatMap((s) => [...byStratum(s).values()]));
}

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
  const diffs = common.map((s) => A.get(s)!.loc - B.get(s)!.loc);
  const own = residuals(common.flatMap((s) => [A.get(s)!, B.get(s)!]));
  const pool = chooseScatter(own, o.pooled);
  let invN = 0;
  let nA = 0;
  let nB = 0;
  for (const s of common) {
    const na = A.get(s)!.logs.length;
    const nb = B.get(s)!.logs.length;
    invN += medianFactor(na) / na + medianFactor(nb) / nb;
    nA += na;
    nB += nb;
  }
  const S = common.length;
  const d = mean(diffs);
  let se: number | null = null;
  let df = 0;
  if (pool.df >= 2) {
    se = Math.sqrt((pool.ss / pool.df) * invN) / S;
    df = pool.df;
  } else if (S >= 2) {
    se = Math.sqrt(diffs.reduce((s, x) => s + (x - d) ** 2, 0) / (S - 1) / S);
    df = S - 1;
  }
  const t = se === null ? Infinity : lookQuantile(df, o);
  const interval: [number, number] | null = se === null ? null : [Math.exp(d - t * se), Math.exp(d + t * se)];
  return { ratio: Math.exp(d), interval, n: [nA, nB], strata: S, se, df, t };
}

/** The interval excludes 1: one side is faster beyond the noise. */
export function separated(c: Comparison | null): boolean {
  return c?.interval != null && (c.interval[0] > 1 || c.interval[1] < 1);
}

/**
 * Mean over strata of each candidate's median log speed, on the strata they all have: the figure
 * candidates are ranked by (exp of a difference of two is their blocked ratio). Strata some
 * candidate lacks are left out, so a failed request does not move one candidate's mix.
 */
export function blockedScores(sets: ReadonlyMap<string, readonly Sample[]>): Map<string, number> {
  const grouped = new Map([...sets].map(([key, s]) => [key, byStratum(s)] as const));
  const nonEmpty = [...grouped.values()].filter((g) => g.size > 0);
  const shared = nonEmpty.length ? [...nonEmpty[0].keys()].filter((s) => nonEmpty.every((g) => g.has(s))) : [];
  const out = new Map<string, number>();
  for (const [key, g] of grouped) {
    if (!g.size) continue;
    const strata = shared.length ? shared : [...g.keys()];
    out.set(key, mean(strata.map((s) => g.get(s)!.loc)));
  }
  return out;
}

/**
 * Rounds of B needed (on top of what each side has) for the interval to shut out 1 at the measured
 * gap, A's side staying as it is; Infinity when A's own side alone keeps it open.
 */
export function roundsToSeparate(c: Comparison): number {
  if (c.se === null || c.se === 0) return c.se === 0 ? 0 : Infinity;
  const gap = Math.abs(Math.log(c.ratio));
  if (gap === 0) return Infinity;
  // se² ∝ 1/nA + 1/nB per stratum; solve t·se_new ≤ gap for nB with nA fixed.
  const a = c.n[0] / c.strata;
  const b = c.n[1] / c.strata;
  const unit = c.se ** 2 / (1 / a + 1 / b);
  const need = (gap / c.t) ** 2 / unit - 1 / a;
  if (need <= 0) return Infinity;
  // A round adds one sample to every stratum (level 1: the whole matrix; under load: one round score).
  return Math.max(0, Math.ceil(1 / need - b));
}

/**
 * One candidate's blocked speed (geometric mean over the given strata of its per-stratum medians) with
 * a 95% interval from its within-stratum scatter: the figure the k-curve predictor interpolates between.
 */
export function blockedMean(samples: readonly Sample[], strata?: readonly string[], pooled?: Scatter): { value: number; interval: [number, number] | null } | null {
  const g = byStratum(samples);
  const keys = (strata ?? [...g.keys()]).filter((s) => g.has(s));
  if (!keys.length) return null;
  const locs = keys.map((s) => g.get(s)!.loc);
  const m = mean(locs);
  const own = chooseScatter(residuals(keys.map((s) => g.get(s)!)), pooled);
  const invN = keys.reduce((s, k) => s + medianFactor(g.get(k)!.logs.length) / g.get(k)!.logs.length, 0);
  let se: number | null = null;
  let df = 0;
  if (own.df >= 2) {
    se = Math.sqrt((own.ss / own.df) * invN) / keys.length;
    df = own.df;
  } else if (keys.length >= 2) {
    se = Math.sqrt(locs.reduce((s, x) => s + (x - m) ** 2, 0) / (keys.length - 1) / keys.length);
    df = keys.length - 1;
  }
  const t = se === null ? 0 : lookQuantile(df);
  return { value: Math.exp(m), interval: se === null ? null : [Math.exp(m - t * se), Math.exp(m + t * se)] };
}

/** The strata every one of these sample sets has (all of their strata when they share none). */
export function sharedStrata(sets: readonly (readonly Sample[])[]): string[] {
  const groups = sets.map((s) => new Set(s.filter((x) => x.value > 0).map((x) => x.stratum))).filter((g) => g.size > 0);
  if (!groups.length) return [];
  return [...groups[0]].filter((s) => groups.every((g) => g.has(s)));
}
