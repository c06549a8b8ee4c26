/**
 * How the recommended setting was decided, in one line a newcomer reads: the rule that picked it
 * and how sure it is, from the report's own decision for the recommendation's level
 * ("k=6, decided: 7% faster than k=4 (interval 4–10%)"). Null where the report has no decision
 * (reports before the search) or no recommendation.
 */
import type { LevelDecision, Report, SettingRef } from '../schemas';
import { kWords } from '../level-picks';
import { levelOf } from './fields';

const pct = (ratio: number) => Math.abs((ratio - 1) * 100);
const same = (a: SettingRef, b: SettingRef) => a.numSpeculativeTokens === b.numSpeculativeTokens && (a.draftModel ?? null) === (b.draftModel ?? null);

/** The interval of a ratio as percentages: "4–10%", or "−2–+9%" when it spans no difference. */
function intervalWords(i: [number, number]): string {
  const [lo, hi] = [(i[0] - 1) * 100, (i[1] - 1) * 100];
  const w = (x: number) => (lo < 0 ? `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(0)}` : x.toFixed(0));
  return `${w(lo)}–${w(hi)}%`;
}

export function decisionAt(report: Report): LevelDecision | null {
  const r = report.recommendation;
  if (!r || !report.decision) return null;
  return report.decision.find((d) => d.concurrency === levelOf(r)) ?? null;
}

export function decisionWords(report: Report): string | null {
  const r = report.recommendation;
  const d = decisionAt(report);
  if (!r || !d) return null;
  const pick = kWords(r);
  const c = d.comparison;
  // The setting the pick was compared with: whichever side of the comparison is not the pick.
  const other = c ? (same(c.a, r) ? c.b : c.a) : null;
  const rival = other && !same(other, r) ? kWords(other) : null;
  if (d.stoppedBecause === 'separated' && c && rival) {
    const faster = same(c.a, r) ? c.ratio : 1 / c.ratio;
    return `${pick}, decided: ${pct(faster).toFixed(0)}% faster than ${rival}${c.interval ? ` (interval ${intervalWords(same(c.a, r) ? c.interval : [1 / c.interval[1], 1 / c.interval[0]])})` : ''}.`;
  }
  if (d.stoppedBecause === 'tie' && rival) return `${pick}, decided: as fast as ${rival} (within 1%), and it drafts fewer tokens per step.`;
  if (d.confidence === 'low' || d.stoppedBecause === 'cap') {
    return `${pick}, low confidence: ${rival ? `it and ${rival} are not yet told apart; ` : ''}more repeats would decide it.`;
  }
  return `${pick}: ${d.summary}`;
}
