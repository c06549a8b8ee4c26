/**
 * What the engine's draft counters say about acceptance at every position, as
 * the k-curve predictor needs it: per-position acceptance p_0, p_1, … (the share
 * of verification steps whose draft position i was accepted; cumulative, so
 * non-increasing), alternatives that span its uncertainty, and how many tokens a
 * step drafts at a given k.
 *
 * Two sources:
 * - per position (vLLM /metrics, the embedded engine): pooled over every
 *   measured k that reached the position, weighted by its drafts;
 * - totals only (llama-server's timings.draft_n / draft_n_accepted): each
 *   measured k gives accepted and drafted tokens per step (steps = completion
 *   tokens − 1 − accepted: a step emits its accepted run plus one). The
 *   conditional acceptance is modelled as β·δ^i at position i — δ < 1 is the
 *   decay real drafts show (a mix of easy and hard prompts decays too). One
 *   measured k fixes β for each δ but not δ: the alternatives span δ from 0.7 to
 *   1, so the predicted interval at a far k is honestly wide and the search
 *   measures it if it could win. Two measured k fit δ. Drafting that stops early
 *   (a p_min cut-off, a short n-gram match) shows as fewer drafted than k per
 *   step: drafts continue at each position with probability γ, fitted the same way.
 */

export interface AcceptanceEvidence {
  k: number;
  /** Cumulative per-position acceptance where the engine counts it (else null or []). */
  perPosition?: readonly number[] | null;
  /** Drafts behind perPosition (vLLM's num_drafts). */
  drafts?: number | null;
  /** Totals over the candidate's answers. */
  drafted?: number | null;
  accepted?: number | null;
  /** Verification steps behind the totals. */
  steps?: number | null;
}

export interface AcceptanceModel {
  /** Central per-position acceptance, positions 0..maxK−1. */
  p: number[];
  /** Alternatives spanning its uncertainty: the prediction's interval covers every one. */
  variants: number[][];
  /** Expected drafted tokens per step at k. */
  drafted(k: number): number;
  /** Expected tokens per step a measured k really emitted (its own counters), or null. */
  ownTokensPerStep(k: number): number | null;
  /** The measured k with the most evidence (reported as what the prediction rests on). */
  fromK: number;
  /** Evidence size (drafts or steps) behind the central figures. */
  evidence: number;
  kind: 'per-position' | 'totals';
  note: string;
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

/** Expected tokens per step at k: 1 + Σ p_i; beyond the known positions the last ratio continues. */
export function tokensPerStep(p: readonly number[], k: number): number {
  let e = 1;
  const last = p.length ? p[p.length - 1] : 0;
  const ratio = p.length >= 2 && p[p.length - 2] > 0 ? Math.min(1, last / p[p.length - 2]) : last;
  for (let i = 0; i < k; i++) e += i < p.length ? p[i] : last * ratio ** (i - p.length + 1);
  return e;
}

const binomialHalf = (pi: number, n: number) => 1.96 * Math.sqrt(Math.max(pi * (1 - pi), 0.25 / n) / n);

/** Per-position acceptance pooled over every measured k that reached position i, weighted by its drafts. */
export function modelFromPerPosition(points: readonly AcceptanceEvidence[]): AcceptanceModel | null {
  const sum: number[] = [];
  const n: number[] = [];
  let best: AcceptanceEvidence | null = null;
  for (const m of points) {
    const pp = m.perPosition ?? [];
    if (m.k <= 0 || !pp.length) continue;
    const w = m.drafts && m.drafts > 0 ? m.drafts : 20;
    pp.forEach((pi, i) => {
      sum[i] = (sum[i] ?? 0) + pi * w;
      n[i] = (n[i] ?? 0) + w;
    });
    if (!best || pp.length > (best.perPosition?.length ?? 0) || (pp.length === (best.perPosition?.length ?? 0) && (m.drafts ?? 0) > (best.drafts ?? 0))) best = m;
  }
  if (!best) return null;
  const p = monotoneAcceptance(sum.map((x, i) => x / n[i]));
  const shift = (dir: number) => monotoneAcceptance(p.map((pi, i) => pi + dir * binomialHalf(pi, n[i])));
  const byK = new Map(points.map((m) => [m.k, m]));
  return {
    p,
    variants: [shift(-1), shift(1)],
    drafted: (k) => k,
    ownTokensPerStep: (k) => {
      const own = byK.get(k)?.perPosition ?? [];
      return k <= 0 ? 1 : own.length >= k ? tokensPerStep(monotoneAcceptance(own), k) : null;
    },
    fromK: best.k,
    evidence: best.drafts ?? 20,
    kind: 'per-position',
    note: `per-position acceptance of k=${best.k}${best.drafts ? ` (${best.drafts} drafts)` : ''}`,
  };
}

/** Σ_{i=1..k} x^i·δ^{i(i−1)/2}: expected accepted (or drafted) tokens per step with a per-position rate x·δ^(i−1). */
export function runSum(x: number, delta: number, k: number): number {
  let s = 0;
  let term = 1;
  for (let i = 1; i <= k; i++) {
    term *= x * delta ** (i - 1);
    s += term;
  }
  return s;
}

/** The rate x in [0, 1] with runSum(x, δ, k) = target (bisection; the sum grows with x); null when out of reach. */
export function solveRate(target: number, delta: number, k: number): number | null {
  if (!(target >= 0) || target > runSum(1, delta, k) + 1e-9) return null;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (runSum(mid, delta, k) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Decays the alternatives span while only one k > 0 is measured. */
const DECAYS_UNKNOWN = [0.7, 0.8, 0.9, 1];
/** Central decay with one measured k: the middle of the plausible range. */
const DECAY_GUESS = 0.9;
const DECAY_FIT_GRID = Array.from({ length: 46 }, (_, i) => 0.6 + i * 0.01);

interface Rates {
  k: number;
  /** accepted and drafted tokens per step */
  a: number;
  d: number;
  steps: number;
}

function ratesOf(points: readonly AcceptanceEvidence[]): Rates[] {
  return points.flatMap((m) => {
    if (m.k <= 0 || m.accepted == null || m.drafted == null || !m.steps || m.steps <= 0) return [];
    return [{ k: m.k, a: Math.min(m.accepted, m.drafted) / m.steps, d: Math.min(m.drafted / m.steps, m.k), steps: m.steps }];
  });
}

/** The decay that reproduces every measured k best (least squares on log accepted-per-step), β from the largest k. */
function fitDecay(rates: readonly Rates[]): number {
  const anchor = rates.reduce((a, b) => (b.k > a.k ? b : a));
  let best = { delta: DECAY_GUESS, err: Infinity };
  for (const delta of DECAY_FIT_GRID) {
    const beta = solveRate(anchor.a, delta, anchor.k);
    if (beta === null) continue;
    const err = rates.reduce((s, r) => s + (Math.log(runSum(beta, delta, r.k) + 1e-6) - Math.log(r.a + 1e-6)) ** 2, 0);
    if (err < best.err) best = { delta, err };
  }
  return best.delta;
}

const positions = (beta: number, delta: number, maxK: number) => Array.from({ length: maxK }, (_, i) => runSum(beta, delta, i + 1) - runSum(beta, delta, i));

export function modelFromTotals(points: readonly AcceptanceEvidence[], maxK: number): AcceptanceModel | null {
  const rates = ratesOf(points);
  if (!rates.length || maxK <= 0) return null;
  const anchor = rates.reduce((a, b) => (b.steps * b.k > a.steps * a.k ? b : a));
  const distinctK = new Set(rates.map((r) => r.k)).size;
  const delta = distinctK >= 2 ? fitDecay(rates) : DECAY_GUESS;
  const decays = distinctK >= 2 ? [Math.max(0.5, delta - 0.05), Math.min(1.05, delta + 0.05)] : DECAYS_UNKNOWN;
  const steps = rates.reduce((s, r) => s + r.steps, 0);
  const curve = (dlt: number, shift: number) => {
    const beta = solveRate(anchor.a, dlt, anchor.k) ?? Math.min(1, anchor.a / anchor.k);
    return monotoneAcceptance(positions(Math.min(1, Math.max(0, beta + shift * binomialHalf(beta, anchor.steps))), dlt, maxK));
  };
  const p = curve(delta, 0);
  // Drafts that stop early: continuation rate γ per position from drafted tokens per step (no decay modelled).
  const dAnchor = rates.reduce((a, b) => (b.k > a.k ? b : a));
  const gamma = dAnchor.d >= dAnchor.k - 1e-6 ? 1 : (solveRate(dAnchor.d, 1, dAnchor.k) ?? 1);
  const byK = new Map(rates.map((r) => [r.k, r]));
  return {
    p,
    variants: [...decays.map((d) => curve(d, 0)), curve(delta, -1), curve(delta, 1)],
    drafted: (k) => (gamma >= 1 ? k : runSum(gamma, 1, k)),
    ownTokensPerStep: (k) => (k <= 0 ? 1 : byK.has(k) ? 1 + byK.get(k)!.a : null),
    fromK: anchor.k,
    evidence: steps,
    kind: 'totals',
    note:
      `drafted/accepted totals of k = ${[...byK.keys()].sort((x, y) => x - y).join(', ')} (${steps} steps), per-position acceptance modelled as β·δ^i` +
      (distinctK >= 2 ? ` (δ fitted: ${delta.toFixed(2)})` : ` (δ not known from one k: 0.7–1 spanned)`) +
      (gamma < 1 ? `, drafts stop early (γ ≈ ${gamma.toFixed(2)} per position)` : ''),
  };
}

/** The model from whatever the measured points carry: per-position counters first, else totals. */
export function acceptanceModel(points: readonly AcceptanceEvidence[], maxK: number): AcceptanceModel | null {
  return modelFromPerPosition(points) ?? modelFromTotals(points, maxK);
}
