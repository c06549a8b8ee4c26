/**
 * What a finished sweep means, read from the report itself: the last line the
 * user sees and the exit code must agree with each other and with the file.
 * 0 = a recommendation was made; 1 = none could be made (nothing measured, or no
 * configuration finished), said in words that match the counts in the report;
 * 130 = cancelled.
 */
import { SpecTuneError } from '../shared/errors';
import type { Report } from '../shared/schemas';
import { isBaseline, type ConfigKeyed } from '../shared/config-key';


/** The first line of an error, without a dangling "Last log lines:" (those lines are shown apart). */
const firstLine = (s: string) => (s.split('\n')[0] ?? '').replace(/\s*Last log lines:\s*$/, '');


const label = (c: ConfigKeyed) => (isBaseline(c) ? 'baseline' : c.numSpeculativeTokens === null ? `draft ${c.draftModel}` : `k=${c.numSpeculativeTokens}`);

/** Why the report has no recommendation, in terms of what it holds. */
export function noRecommendationReason(report: Report): string {
  const ok = report.measurements.filter((m) => m.ok).length;
  const failed = report.configurations.filter((c) => c.failed);
  if (ok === 0) {
    const cause = report.configurations.find((c) => c.error)?.error ?? report.measurements.find((m) => m.error)?.error;
    return `nothing could be measured${cause ? `: ${firstLine(cause)}` : ''}`;
  }
  const bad = report.measurements.length - ok;
  const requests = `${ok} request${ok === 1 ? '' : 's'} succeeded${bad ? ` and ${bad} failed` : ''}`;
  if (failed.length && failed.length === report.configurations.length) {
    const which = failed.map((c) => `${label(c)}: ${firstLine(c.error ?? 'unknown error')}`).join('; ');
    return `no configuration finished (${which}); ${requests} before that, but an unfinished configuration is not compared`;
  }
  if (report.status === 'cancelled') return `the sweep was cancelled before a configuration finished; ${requests}`;
  return `no configuration produced a usable measurement; ${requests}`;
}

export interface SweepOutcome {
  exitCode: 0 | 1 | 130;
  /** Set when exitCode is 1: the message for stderr. */
  error: SpecTuneError | null;
}

export function sweepOutcome(report: Report, outPath: string, attached: boolean): SweepOutcome {
  if (report.status === 'cancelled') return { exitCode: 130, error: null };
  if (report.recommendation) return { exitCode: 0, error: null };
  const ok = report.measurements.some((m) => m.ok);
  // A launch failure's cause is "… before it was ready. Last log lines:\n…": show those lines
  // (nothing else on a piped run prints them) instead of a first line that ends in a colon.
  const cause = report.configurations.find((c) => c.error)?.error ?? report.measurements.find((m) => m.error)?.error ?? '';
  const logTail = ok
    ? []
    : cause
        .split('\n')
        .slice(1)
        .map((l) => l.trimEnd())
        .filter(Boolean);
  const hint = attached
    ? `see the warnings in ${outPath}; check --url and --model against the server`
    : `see the warnings in ${outPath}${logTail.length ? "; the server's last log lines:" : ''}`;
  return { exitCode: 1, error: new SpecTuneError('NOTHING_MEASURED', noRecommendationReason(report), { hint, logTail }) };
}
