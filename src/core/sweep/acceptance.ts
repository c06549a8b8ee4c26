/**
 * A configuration's acceptance at one level, summed over every time it was
 * measured: per-response draft counts go on one tally, server counters are read
 * before and after each measurement and the differences summed (a relaunch in
 * between resets the counters, and what was counted before it stays counted).
 */
import type { AcceptanceStats } from '../../shared/schemas';
import type { ResponseDraftCounts } from '../../engines/engine';

/** Draft counts summed over a configuration's answers (engines that report per response). */
export class DraftTally {
  drafts = 0;
  draftsKnown = true;
  draftTokens = 0;
  accepted = 0;
  perPos: number[] = [];
  perPosKnown = true;
  responses = 0;
  /** Verification steps: each emits its accepted run plus one token (the first token comes from the prefill). */
  steps = 0;

  /** `completionTokens`: the answer's length, which gives its steps where the engine does not count drafts. */
  add(c: ResponseDraftCounts | null, completionTokens?: number): void {
    if (!c) return;
    this.responses++;
    if (completionTokens !== undefined) this.steps += Math.max(1, completionTokens - 1 - c.acceptedTokens);
    this.draftTokens += c.draftTokens;
    this.accepted += c.acceptedTokens;
    if (c.drafts === null) this.draftsKnown = false;
    else this.drafts += c.drafts;
    if (!c.acceptedPerPos) this.perPosKnown = false;
    else c.acceptedPerPos.forEach((n, i) => (this.perPos[i] = (this.perPos[i] ?? 0) + n));
  }

  stats(): AcceptanceStats {
    const drafts = this.draftsKnown && this.responses ? this.drafts : null;
    return {
      source: 'per-response',
      drafts,
      draftTokens: this.responses ? this.draftTokens : null,
      acceptedTokens: this.responses ? this.accepted : null,
      acceptanceRate: this.draftTokens > 0 ? this.accepted / this.draftTokens : null,
      meanAcceptanceLength: drafts ? 1 + this.accepted / drafts : null,
      perPositionAcceptance: drafts && this.perPosKnown ? this.perPos.map((n) => n / drafts) : [],
      steps: this.responses ? this.steps : null,
    };
  }
}

const plus = (a: number | null, b: number | null) => (a === null || b === null ? null : a + b);
const ratio = (num: number | null, den: number | null) => (num === null || den === null || den <= 0 ? null : num / den);

/** Accepted tokens per draft position, as counts (the stats keep them as shares of the drafts). */
function perPositionCounts(a: AcceptanceStats): number[] {
  return a.drafts ? a.perPositionAcceptance.map((share) => Math.round(share * a.drafts!)) : [];
}

/**
 * Two counter intervals' acceptance as one, the rates recomputed from the summed counts. Per-position
 * shares need every interval that drafted to have counted positions; with nothing known on one side, the
 * other stands.
 */
export function addAcceptance(total: AcceptanceStats | undefined, part: AcceptanceStats): AcceptanceStats {
  if (!total || total.source === 'none') return part;
  if (part.source === 'none') return total;
  const drafts = plus(total.drafts, part.drafts);
  const draftTokens = plus(total.draftTokens, part.draftTokens);
  const acceptedTokens = plus(total.acceptedTokens, part.acceptedTokens);
  const [a, b] = [perPositionCounts(total), perPositionCounts(part)];
  const positionsKnown = drafts !== null && drafts > 0 && (a.length > 0 || !total.drafts) && (b.length > 0 || !part.drafts);
  const perDraft = ratio(acceptedTokens, drafts);
  return {
    source: part.source,
    drafts,
    draftTokens,
    acceptedTokens,
    // V0 gauges without token counters: the server's own (lifetime) rate is all there is.
    acceptanceRate: ratio(acceptedTokens, draftTokens) ?? part.acceptanceRate,
    meanAcceptanceLength: perDraft === null ? null : 1 + perDraft,
    perPositionAcceptance: positionsKnown ? Array.from({ length: Math.max(a.length, b.length) }, (_, i) => ((a[i] ?? 0) + (b[i] ?? 0)) / drafts!) : [],
    steps: plus(total.steps ?? null, part.steps ?? null),
  };
}
