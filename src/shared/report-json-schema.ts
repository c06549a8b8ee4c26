/** The JSON Schema (draft 2020-12) of test_results.json as SpecTune writes it now, generated from CurrentReportSchema. */
import { z } from 'zod';
import { CurrentReportSchema } from './schemas';

export const REPORT_SCHEMA_ID = 'https://spectune.dev/schemas/test_results.schema.json';

export function reportJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(CurrentReportSchema, { target: 'draft-2020-12', io: 'output' }),
    $id: REPORT_SCHEMA_ID,
    title: 'SpecTune test_results.json',
    description: 'Speculative-decoding sweep: every measurement, per-configuration statistics, the recommendation and warnings.',
  };
}
