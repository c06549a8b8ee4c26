/**
 * Writes resources/test_results.schema.json from the zod ReportSchema, so the
 * published JSON Schema and the validation the code does cannot drift apart.
 * `npm run schema` regenerates it; a test fails if the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { reportJsonSchema } from '../src/shared/report-json-schema';

const out = resolve(import.meta.dirname, '..', 'resources', 'test_results.schema.json');
writeFileSync(out, JSON.stringify(reportJsonSchema(), null, 2) + '\n');
console.log(`wrote ${out}`);
