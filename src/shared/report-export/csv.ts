/**
 * A report's configurations as CSV (RFC 4180): a header row, one row per configuration
 * (one per configuration × concurrency level when the report has levels), CRLF line
 * ends, fields quoted only when they hold a comma, a quote, CR or LF, quotes doubled.
 * Numbers are plain (no unit, no thousands separator, never exponent notation), so a
 * spreadsheet or pandas reads them as numbers; a missing value is an empty field.
 */
import { visibleControls } from '../safe-text';
import type { ConfigurationResult, Report } from '../schemas';
import { configurationExtras, finite, interval, isRecommendedRow } from './fields';
import type { ConfigKeyed } from '../config-key';

type Cell = string | number | boolean | null | undefined;

/** 1e-7 → "0.0000001": String() would write exponent notation, which not every reader takes. */
export function plainNumber(n: number): string {
  if (!Number.isFinite(n)) return '';
  const s = String(n);
  if (!/e/i.test(s)) return s;
  const fixed = Math.abs(n) < 1 ? n.toFixed(20) : n.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

/**
 * Text cells from the report are untrusted: one starting with = + - @ (or a tab/CR) would
 * run as a formula when the file is opened in a spreadsheet, so it gets a leading
 * apostrophe (the OWASP advice for CSV injection). Number cells are never touched.
 */
function safeText(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

export function csvField(value: Cell): string {
  let s: string;
  if (value === null || value === undefined) s = '';
  else if (typeof value === 'number') s = plainNumber(value);
  else if (typeof value === 'boolean') s = value ? 'true' : 'false';
  // Control characters made visible: the CSV may be printed on a terminal (`report --format csv`).
  else s = safeText(visibleControls(value, { multiline: true }));
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(cells: readonly Cell[]): string {
  return cells.map(csvField).join(',');
}

/** Column name → value. The order here is the column order of the file. */
const COLUMNS: [string, (c: ConfigurationResult, recommended: ConfigKeyed | null) => Cell][] = [
  ['k', (c) => c.numSpeculativeTokens],
  ['label', (c) => c.label],
  ['engine', (c) => configurationExtras(c).engine],
  ['draft_model', (c) => configurationExtras(c).draftModel],
  ['method', (c) => configurationExtras(c).method],
  ['draft_p_min', (c) => configurationExtras(c).draftPMin],
  ['concurrency', (c) => configurationExtras(c).concurrency],
  ['predicted', (c) => configurationExtras(c).predicted],
  ['recommended', (c, rec) => !c.failed && isRecommendedRow(c, rec)],
  ['failed', (c) => c.failed],
  ['requests', (c) => finite(c.requests)],
  ['errors', (c) => finite(c.errors)],
  ['tokens_per_second', (c) => finite(c.tokensPerSecond)],
  ['tokens_per_second_ci_low', (c) => interval(c.tokensPerSecondCI)?.[0]],
  ['tokens_per_second_ci_high', (c) => interval(c.tokensPerSecondCI)?.[1]],
  ['mean_tokens_per_second', (c) => finite(c.meanTokensPerSecond)],
  ['aggregate_tokens_per_second', (c) => configurationExtras(c).aggregateTokensPerSecond],
  ['conservative_score', (c) => finite(c.conservativeScore)],
  ['unstable', (c) => (typeof c.unstable === 'boolean' ? c.unstable : null)],
  ['ttft_p50_seconds', (c) => finite(c.latency?.ttftP50)],
  ['ttft_p99_seconds', (c) => finite(c.latency?.ttftP99)],
  ['itl_p50_seconds', (c) => finite(c.latency?.itlP50)],
  ['itl_p99_seconds', (c) => finite(c.latency?.itlP99)],
  ['total_seconds', (c) => finite(c.totalSeconds)],
  ['ttft_seconds', (c) => finite(c.ttftSeconds)],
  ['decode_tokens_per_second', (c) => finite(c.decodeTokensPerSecond)],
  ['speedup_percent', (c) => finite(c.speedupPercent)],
  ['speedup_percent_ci_low', (c) => interval(c.speedupPercentCI)?.[0]],
  ['speedup_percent_ci_high', (c) => interval(c.speedupPercentCI)?.[1]],
  ['acceptance_rate', (c) => finite(c.acceptanceRate)],
  ['acceptance_not_reported', (c) => (finite(c.acceptanceRate) === null ? configurationExtras(c).acceptanceNotReported : null)],
  ['mean_acceptance_length', (c) => finite(c.meanAcceptanceLength)],
  ['output_match_rate', (c) => finite(c.outputMatchRate)],
  ['theoretical_speedup_percent', (c) => finite(c.theoreticalSpeedupPercent)],
  ['error', (c) => c.error ?? null],
];

export const CSV_COLUMNS: readonly string[] = COLUMNS.map(([name]) => name);

export function reportToCsv(report: Report): string {
  const rec = report.recommendation;
  const lines = [csvLine(CSV_COLUMNS), ...(report.configurations ?? []).map((c) => csvLine(COLUMNS.map(([, get]) => get(c, rec))))];
  return lines.join('\r\n') + '\r\n';
}
