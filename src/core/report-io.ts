/**
 * Reports on disk. test_results.json is replaced atomically (write to a temp
 * file, fsync, rename) so a crash mid-write never leaves half a report; every
 * measurement is also appended to a JSONL log beside it the moment it finishes,
 * so nothing measured is lost even if the process dies between reports.
 */
import { open, readFile, mkdir, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { SpecTuneError } from '../shared/errors';
import { MeasurementSchema, type Measurement, type Report } from '../shared/schemas';
// Last line of defence: whatever string reaches the disk is scrubbed of credential shapes.
import { redactingReplacer } from '../shared/redact';

export function jsonlPathFor(reportPath: string): string {
  return reportPath.replace(/\.json$/i, '') + '.jsonl';
}

/**
 * Refuses a report path that is a folder before a sweep starts: otherwise the first report write
 * would fail only after a whole configuration was launched and measured.
 */
export async function assertReportPath(path: string): Promise<void> {
  const st = await stat(path).catch(() => null);
  if (st?.isDirectory()) {
    throw new SpecTuneError('IO_ERROR', `the report path ${path} is a folder`, {
      hint: `give a file name, e.g. ${join(path, 'test_results.json')}`,
    });
  }
}

export async function writeReport(path: string, report: Report): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, JSON.stringify(report, redactingReplacer, 2) + '\n', { fsync: true });
  } catch (err) {
    throw new SpecTuneError('IO_ERROR', `cannot write the report to ${path}: ${(err as Error).message}`, {
      hint: 'choose a folder you can write to',
      cause: err,
    });
  }
}

/** Line types of the JSONL log. */
export type LogRecord =
  | { type: 'start'; at: string; plan: unknown }
  | { type: 'measurement'; measurement: Measurement }
  | { type: 'config'; numSpeculativeTokens: number; failed: boolean; error?: string; acceptance?: unknown }
  | { type: 'end'; at: string; status: string };

/** Append-only measurement log; each line is flushed to disk before the next request starts. */
export class MeasurementLog {
  private constructor(private readonly fh: FileHandle, readonly path: string) {}

  static async create(path: string): Promise<MeasurementLog> {
    await mkdir(dirname(path), { recursive: true });
    try {
      return new MeasurementLog(await open(path, 'w'), path);
    } catch (err) {
      throw new SpecTuneError('IO_ERROR', `cannot write the measurement log ${path}: ${(err as Error).message}`, {
        hint: 'choose a writable folder with --out',
        cause: err,
      });
    }
  }

  async append(rec: LogRecord): Promise<void> {
    await this.fh.appendFile(JSON.stringify(rec, redactingReplacer) + '\n');
    await this.fh.datasync();
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

/** Measurements recovered from a log, skipping a torn last line (the process died mid-write). */
export async function readMeasurementLog(path: string): Promise<{ records: LogRecord[]; measurements: Measurement[] }> {
  const text = await readFile(path, 'utf8');
  const records: LogRecord[] = [];
  const measurements: Measurement[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let rec: LogRecord;
    try {
      rec = JSON.parse(line) as LogRecord;
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
