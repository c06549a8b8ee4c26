/**
 * The decision at one load level among the candidates measured there: which
 * one is picked, and whether the data already say so.
 *
 * The leader is the fastest by its blocked score (compare.ts). Every other
 * candidate is then, against the leader:
 * - tied: within 1% of it — the same speed for any practical purpose;
 * - beaten: its interval with the leader excludes no difference (separated);
 * - open: neither — more rounds of the two could still swap them.
 * The pick is the cheapest of the leader and its ties (no drafting first, then
 * fewer drafted tokens per step, then smaller k). While any rival is open the
 * level is not decided: the search measures more (both sides, whole rounds)
 * until it separates or ties, or a cap stops it — then the higher one is the
 * pick with low confidence, and the words say more repeats would decide it.
 */
import { blockedScores, compareSamples, scatter, separated, type Comparison, type Sample } from './compare';

/** Within this share of the leader, a candidate ties with it and the cheaper one wins. */
export const TIE_SHARE = 0.01;
/**
 * A tie is settled once the interval itself lies within this band: a measured gap under 1% with an
 * interval of ±20% says nothing yet, and more rounds are taken (at the cap, the 1% rule decides alone).
 */
export const TIE_BAND = 0.03;

export interface LevelCandidate {
  key: string;
  /** No drafting at all (k = 0): the cheapest setting there is. */
  baseline: boolean;
  /** Drafted tokens per verification step (measured where the engine tells, else k). */
  draftPerStep: number;
  k: number;
  samples: readonly Sample[];
  /** Rounds of the prompt matrix measured for it at this level. */
  rounds: number;
  /** It may not be measured further (its repeats cap, or the search's caps). */
  atCap: boolean;
}

export type VerdictStatus = 'separated' | 'tie' | 'open' | 'cap' | 'single';

export interface RivalView {
  comparison: Comparison | null;
  /** The measured gap is under 1%. */
  tie: boolean;
  separated: boolean;
  /** Decided: separated, or a tie whose interval lies within ±3%. */
  settled: boolean;
}

export interface Verdict {
  pick: string;
  leader: string;
  status: VerdictStatus;
  /** open / cap: the rival that keeps the level open; tie: the one the pick tied with (the leader, or the closest tied with it); else null. */
  rival: string | null;
  /** The leader against that rival (open, cap), or against the one tied with it (tie). */
  comparison: Comparison | null;
  confidence: 'high' | 'medium' | 'low';
  /** Each other candidate against the leader. */
  versusLeader: Map<string, RivalView>;
  /** exp(score): speed relative to the leader (1 for the leader). */
  relative: Map<string, number>;
}

/** Cheaper first: no drafting, then fewer drafted tokens per step, then smaller k. */
export function cheaper(a: LevelCandidate, b: LevelCandidate): number {
  return Number(b.baseline) - Number(a.baseline) || a.draftPerStep - b.draftPerStep || a.k - b.k || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

export interface DecideOptions {
  /** Looks the decision may take at this level (the interval is widened for them). */
  looks: number;
  tieShare?: number;
}

export function decideLevel(candidates: readonly LevelCandidate[], o: DecideOptions): Verdict | null {
  const scores = blockedScores(new Map(candidates.map((c) => [c.key, c.samples])));
  const valid = candidates.filter((c) => scores.has(c.key));
  if (!valid.length) return null;
  const tie = o.tieShare ?? TIE_SHARE;
  const leader = valid.reduce((a, b) => (scores.get(b.key)! > scores.get(a.key)! || (scores.get(b.key) === scores.get(a.key) && cheaper(b, a) < 0) ? b : a));
  const relative = new Map(valid.map((c) => [c.key, Math.exp(scores.get(c.key)! - scores.get(leader.key)!)]));
  const versusLeader = new Map<string, RivalView>();
  const pooled = scatter(valid.map((c) => c.samples));
  for (const c of valid) {
    if (c === leader) continue;
    const comparison = compareSamples(leader.samples, c.samples, { looks: o.looks, pooled });
    const ratio = comparison?.ratio ?? 1 / relative.get(c.key)!;
    const isTie = Math.abs(Math.log(ratio)) < Math.log1p(tie);
    const sep = separated(comparison);
    const narrow = comparison?.interval != null && comparison.interval[0] >= 1 / (1 + TIE_BAND) && comparison.interval[1] <= 1 + TIE_BAND;
    versusLeader.set(c.key, { comparison, tie: isTie, separated: sep, settled: sep || (isTie && narrow) });
  }
  const ties = valid.filter((c) => versusLeader.get(c.key)?.tie);
  const pick = [leader, ...ties].sort(cheaper)[0];
  const unsettled = valid.filter((c) => versusLeader.get(c.key)?.settled === false);
  const base = { pick: pick.key, leader: leader.key, versusLeader, relative };
  if (valid.length === 1) return { ...base, status: 'single', rival: null, comparison: null, confidence: 'low' };
  const byScore = (xs: LevelCandidate[]) => [...xs].sort((a, b) => scores.get(b.key)! - scores.get(a.key)!);
  const movable = byScore(unsettled).find((c) => !(c.atCap && leader.atCap));
  if (movable) return { ...base, status: 'open', rival: movable.key, comparison: versusLeader.get(movable.key)!.comparison, confidence: 'low' };
  // At the cap: a gap over 1% left open goes to the faster with low confidence; under 1%, the cheaper wins.
  const open = byScore(unsettled.filter((c) => !versusLeader.get(c.key)!.tie));
  if (open.length) return { ...base, status: 'cap', rival: open[0].key, comparison: versusLeader.get(open[0].key)!.comparison, confidence: 'low' };
  // Fewer than three rounds say little about the scatter: a decision on them is not "high".
  const fewRounds = Math.min(leader.rounds, pick.rounds) < 3;
  const confidence = fewRounds || unsettled.length ? 'medium' : 'high';
  if (ties.length) {
    // The pick tied with the leader, or (the leader being the cheapest) the closest of those tied with it.
    const other = pick !== leader ? leader : [...ties].sort((a, b) => scores.get(b.key)! - scores.get(a.key)!)[0];
    const comparison = versusLeader.get(pick !== leader ? pick.key : other.key)!.comparison;
    return { ...base, status: 'tie', rival: other.key, comparison, confidence };
  }
  return { ...base, status: 'separated', rival: null, comparison: null, confidence };
}
