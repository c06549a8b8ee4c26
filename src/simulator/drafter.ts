/**
 * What one decode step drafts, and how much of it the target accepts, for the
 * three ways a server drafts:
 *
 * - `run` — a draft model that always drafts k tokens; each is accepted with
 *   probability α and the run stops at the first rejection (Leviathan et al.).
 * - `confidence` — the same draft model behind llama.cpp's cut-off p_min: the
 *   draft's own probability q of each token is drawn from a Beta with mean α
 *   (beta.ts); drafting stops at the first q < p_min, and a drafted token is
 *   accepted with probability q. Drafting past an unsure token is what p_min
 *   saves, so the accepted share rises with p_min and fewer than k are drafted.
 * - `lookup` — prompt lookup (n-gram, suffix): a step finds a match with
 *   probability `match`, the matched text goes on for one more token with
 *   probability `carry`, each drafted token is accepted with probability `accept`.
 *
 * Draft work is counted in draft passes: k for `run`; for `confidence` one per
 * token looked at, the refused one included; for `lookup` one per drafted token.
 */
import { betaCdf, betaShape } from './beta';
import { expectedTokensPerStep } from '../shared/leviathan';

export type Drafter =
  | { kind: 'run'; alpha: number }
  | { kind: 'confidence'; alpha: number; spread: number; pMin: number }
  | { kind: 'lookup'; match: number; carry: number; accept: number };

/** One step as drawn: tokens drafted, the accepted run, draft passes spent. */
export interface DraftDraw {
  drafted: number;
  accepted: number;
  work: number;
}

/** The same, expected per step, plus the tokens the step emits (accepted + 1). */
export interface DraftExpectation extends DraftDraw {
  tokens: number;
}

/** A draft model's drafter: `run` at p_min 0 (no cut-off), `confidence` above it. */
export function modelDrafter(alpha: number, pMin: number, spread: number): Drafter {
  return pMin > 0 ? { kind: 'confidence', alpha, spread, pMin } : { kind: 'run', alpha };
}

/** Tokens accepted in one verification step: the run before the first rejection. */
export function acceptedRun(alpha: number, k: number, rand: () => number): number {
  let n = 0;
  while (n < k && rand() < alpha) n++;
  return n;
}

/**
 * For the cut-off: the share of tokens the draft is sure enough to draft,
 * P(q ≥ p_min), and the chance a token is drafted and accepted,
 * E[q; q ≥ p_min] = α · P(Beta(a + 1, b) ≥ p_min).
 */
export function confidenceOdds(alpha: number, spread: number, pMin: number): { drafts: number; accepts: number } {
  if (pMin <= 0) return { drafts: 1, accepts: alpha };
  if (alpha <= 0) return { drafts: 0, accepts: 0 };
  if (alpha >= 1) return { drafts: 1, accepts: 1 };
  const { a, b } = betaShape(alpha, spread);
  return { drafts: 1 - betaCdf(pMin, a, b), accepts: alpha * (1 - betaCdf(pMin, a + 1, b)) };
}

/** P(position j is drafted) and P(positions 1..j are all accepted), for j = 1..k. */
function positionOdds(d: Drafter, k: number): Array<{ drafted: number; accepted: number }> {
  const at = (j: number): { drafted: number; accepted: number } => {
    switch (d.kind) {
      case 'run':
        return { drafted: 1, accepted: d.alpha ** j };
      case 'confidence': {
        const odds = confidenceOdds(d.alpha, d.spread, d.pMin);
        return { drafted: odds.drafts ** j, accepted: odds.accepts ** j };
      }
      case 'lookup': {
        const drafted = d.match * d.carry ** (j - 1);
        return { drafted, accepted: drafted * d.accept ** j };
      }
    }
  };
  return Array.from({ length: k }, (_, i) => at(i + 1));
}

/** Expected tokens emitted, drafted, accepted and draft passes per step at draft length k. */
export function expectedDraftStep(d: Drafter, k: number): DraftExpectation {
  if (k <= 0) return { tokens: 1, drafted: 0, accepted: 0, work: 0 };
  // The closed form keeps the fixed-k numbers exactly what Leviathan's formula gives.
  if (d.kind === 'run') return { tokens: expectedTokensPerStep(d.alpha, k), drafted: k, accepted: expectedTokensPerStep(d.alpha, k) - 1, work: k };
  const odds = positionOdds(d, k);
  const drafted = odds.reduce((s, o) => s + o.drafted, 0);
  const accepted = odds.reduce((s, o) => s + o.accepted, 0);
  // A cut-off drafter looks at position j when positions 1..j−1 were drafted.
  const work = d.kind === 'confidence' ? 1 + drafted - (odds[k - 1]?.drafted ?? 0) : drafted;
  return { tokens: 1 + accepted, drafted, accepted, work };
}

/** One step drawn from `rand` (the request's seeded acceptance stream). */
export function sampleDraftStep(d: Drafter, k: number, rand: () => number): DraftDraw {
  if (k <= 0) return { drafted: 0, accepted: 0, work: 0 };
  if (d.kind === 'run') return { drafted: k, accepted: acceptedRun(d.alpha, k, rand), work: k };
  if (d.kind === 'lookup') {
    if (rand() >= d.match) return { drafted: 0, accepted: 0, work: 0 };
    let drafted = 1;
    while (drafted < k && rand() < d.carry) drafted++;
    return { drafted, accepted: acceptedRun(d.accept, drafted, rand), work: drafted };
  }
  return sampleConfidenceStep(d, k, rand);
}

/**
 * A token's acceptance depends on its confidence q only through a coin of bias q,
 * and positions are independent, so drawing "q ≥ p_min" with P(q ≥ p_min) and
 * then "accepted" with E[q | q ≥ p_min] gives exactly the distribution of drawing
 * q itself — without a Beta quantile per token on the playback path.
 */
/** A request's drafter is drawn from at every step: its two Beta tail probabilities are worked out once. */
const oddsOf = new WeakMap<Drafter, { drafts: number; accepts: number }>();

function sampleConfidenceStep(d: Extract<Drafter, { kind: 'confidence' }>, k: number, rand: () => number): DraftDraw {
  let odds = oddsOf.get(d);
  if (!odds) oddsOf.set(d, (odds = confidenceOdds(d.alpha, d.spread, d.pMin)));
  const { drafts, accepts } = odds;
  const acceptIfDrafted = drafts > 0 ? accepts / drafts : 0;
  let accepted = 0;
  let accepting = true;
  for (let j = 0; j < k; j++) {
    if (rand() >= drafts) return { drafted: j, accepted, work: j + 1 };
    if (accepting && rand() < acceptIfDrafted) accepted++;
    else accepting = false;
  }
  return { drafted: k, accepted, work: k };
}
