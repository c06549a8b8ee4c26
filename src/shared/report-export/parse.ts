/**
 * Reading a report file someone hands us (the CLI's `spectune report FILE`): JSON that
 * must pass ReportSchema. Every refusal names what is wrong and what to give instead.
 */
import { z } from 'zod';
import { SpecTuneError } from '../errors';
import { REPORT_SCHEMA_VERSION, ReportSchema, formatZodError, upgradeReport, type Report } from '../schemas';

const MAX_ISSUES = 5;

function refuse(source: string, what: string, hint: string): never {
  throw new SpecTuneError('INVALID_INPUT', `${source} is not a SpecTune report: ${what}`, { hint });
}

const GIVE = 'give the test_results.json that `spectune sweep` or the app wrote';

/**
 * Text → Report, or a SpecTuneError (INVALID_INPUT) naming the problem. On success the
 * object as read is returned (it passed the schema), not the schema's copy: zod drops
 * keys it does not know, and the exporters read fields a newer SpecTune adds.
 */
export function parseReportText(text: string, source: string): Report {
  const body = text.replace(/^\uFEFF/, '');
  if (!body.trim()) refuse(source, 'the file is empty', GIVE);
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (err) {
    const lines = body.trim().split('\n');
    const looksJsonl = lines.length > 1 && lines.every((l) => l.trim().startsWith('{'));
    refuse(
      source,
      `it is not valid JSON (${(err as Error).message})`,
      looksJsonl ? 'this looks like the measurement log (.jsonl); give the test_results.json beside it' : GIVE,
    );
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    refuse(source, `it holds ${Array.isArray(data) ? 'a JSON array' : `a JSON ${data === null ? 'null' : typeof data}`}, not a report object`, GIVE);
  }
  const obj = data as Record<string, unknown>;
  const tool = obj.tool as { name?: unknown } | undefined;
  if (obj.schemaVersion === undefined && tool?.name !== 'spectune') {
    refuse(source, 'it is JSON, but has neither "schemaVersion" nor "tool": {"name": "spectune"}', GIVE);
  }
  if (typeof obj.schemaVersion === 'number' && obj.schemaVersion > REPORT_SCHEMA_VERSION) {
    throw new SpecTuneError(
      'INVALID_INPUT',
      `${source} was written by a newer SpecTune (report schemaVersion ${obj.schemaVersion}); this one reads version ${REPORT_SCHEMA_VERSION}`,
      { hint: 'update SpecTune, then run the command again' },
    );
  }
  const parsed = ReportSchema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const shown = formatZodError(new z.ZodError(issues.slice(0, MAX_ISSUES)));
    const more = issues.length > MAX_ISSUES ? ` (and ${issues.length - MAX_ISSUES} more)` : '';
    refuse(source, `${shown}${more}`, 'the file does not match the report schema (resources/test_results.schema.json); was it edited by hand or cut short? ' + GIVE);
  }
  // The file as it is (fields newer than the schema reach the exporters), in the current version's shape.
  return upgradeReport(data) as Report;
}
