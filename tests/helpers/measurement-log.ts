/** Reading back a sweep's JSONL log, as the tests check what the sweep appended. */
import { readFile } from 'node:fs/promises';
import type { LogRecord } from '../../src/core/report-io';
import { MeasurementSchema, type Measurement } from '../../src/shared/schemas';

/** Measurements recovered from a log, skipping a torn last line (the process died mid-write). */
export async function readMeasurementLog(path: string): Promise<{ records: (LogRecord & { runId?: string })[]; measurements: Measurement[] }> {
  const text = await readFile(path, 'utf8');
  const records: (LogRecord & { runId?: string })[] = [];
  const measurements: Measurement[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let rec: LogRecord & { runId?: string };
    try {
      rec = JSON.parse(line) as LogRecord & { runId?: string };
    } catch {
      continue;
    }
    records.push(rec);
    if (rec.type === 'measurement') {
      const m = MeasurementSchema.safeParse(rec.measurement);
      if (m.success) measurements.push(m.data);
    }
  }
  return { records, measurements };
}
