/**
 * The per-level answer of a report measured under load, as the exports print it: one row per level
 * (its best k and what it turns out), and the per-batch-size schedule or the one-k fallback.
 * Tolerant like fields.ts: a report without levels gives no rows.
 */
import type { Report } from '../schemas';
import { finite } from './fields';
import { kLabel, signedPct, tps } from './text';

export interface LevelRow {
  concurrency: number;
  pick: string;
  perRequest: string;
  aggregate: string;
  vsBaseline: string;
  confidence: string;
  unstable: boolean;
  recommended: boolean;
}

/** One row per measured level; empty when the report has a single level (the main table says it all). */
export function levelRows(report: Report): LevelRow[] {
  const rec = report.recommendation;
  const picks = Array.isArray(rec?.byConcurrency) ? rec.byConcurrency : [];
  if (picks.length < 2 && !picks.some((p) => p.concurrency > 1)) return [];
  return picks.map((p) => ({
    concurrency: p.concurrency,
    pick: kLabel(p.numSpeculativeTokens, p.draftModel),
    perRequest: tps(p.tokensPerSecond),
    aggregate: tps(p.aggregateTokensPerSecond),
    vsBaseline: signedPct(p.speedupPercent),
    confidence: String(p.confidence ?? ''),
    unstable: p.unstable === true,
    recommended: p.concurrency === (finite(rec?.concurrency) ?? 1),
  }));
}

/** The schedule in words ("1–31 in flight: k = 3; 32 and more: k = 0"), with whether it was confirmed; null without one. */
export function scheduleWords(report: Report): { ranges: string; status: string; note: string; command: string | null } | null {
  const s = report.recommendation?.schedule;
  if (!s || !Array.isArray(s.entries) || !s.entries.length) return null;
  const last = s.entries.length - 1;
  const ranges = s.entries
    .map(([a, b, k], i) => `${i === last ? `${a} and more` : a === b ? `${a}` : `${a}–${b}`} in flight: ${kLabel(k)}`)
    .join('; ');
  const status = s.confirmed === true ? 'measured with the schedule on, and it held up' : s.confirmed === false ? 'measured with the schedule on, and it did not hold up' : 'not measured with the schedule on';
  return { ranges, status, note: s.note, command: s.confirmed === true ? s.command : null };
}
