/**
 * A sweep's files never overwrite an earlier run's. Just before a run writes its
 * first byte, the report and JSONL log already at its paths are renamed beside
 * them, each named for the run that wrote it:
 *   test_results.json  → test_results.2026-12-01T22-13-13Z.json
 *   test_results.jsonl → test_results.2026-12-01T22-13-13Z.jsonl
 * (the report's `createdAt`, the log's start line; the file's mtime when it has
 * none). Renames are atomic, so a run killed at any moment leaves either the old
 * pair or the kept pair plus a new log that names its own run: never an old report
 * beside a new log that looks like its partner.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rename, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { defaultRedactor, jsonlPathFor, looksLikeReport, MeasurementLog, type TextRedactor } from './report-io';
import { SpecTuneError } from '../shared/errors';

/** Where the previous run's files went. */
export interface KeptFiles {
  report: { from: string; to: string } | null;
  log: { from: string; to: string } | null;
}

/** The sweep event that tells the CLI and the app where the previous run's files went. */
export interface KeptEvent {
  type: 'kept';
  kept: KeptFiles;
}

/** 2026-12-01T22:13:13.123Z → 2026-12-01T22-13-13Z: sortable, and legal in a Windows file name. */
export function fileStamp(iso: string): string {
  const d = new Date(iso);
  const s = Number.isNaN(d.getTime()) ? iso : d.toISOString();
  return s.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-').replace(/[^0-9A-Za-z_-]/g, '-');
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}

/** path with `.stamp` before its extension; `-2`, `-3`… when that name is taken. */
async function freeName(path: string, ext: string, stamp: string): Promise<string> {
  const stem = join(dirname(path), basename(path, ext));
  for (let n = 1; ; n++) {
    const candidate = `${stem}.${stamp}${n === 1 ? '' : `-${n}`}${ext}`;
    if (!(await exists(candidate))) return candidate;
  }
}

/** The createdAt a report or log names, else the file's modification time. */
async function createdAtOf(path: string, kind: 'report' | 'log'): Promise<string> {
  try {
    const text = await readFile(path, 'utf8');
    if (kind === 'report') {
      const data: unknown = JSON.parse(text);
      if (looksLikeReport(data)) return data.createdAt;
    } else {
      const nl = text.indexOf('\n');
      const start = JSON.parse(nl < 0 ? text : text.slice(0, nl)) as { type?: unknown; at?: unknown };
      if (start.type === 'start' && typeof start.at === 'string') return start.at;
    }
  } catch {
    // Unreadable or torn: fall back to the file's time.
  }
  return (await stat(path)).mtime.toISOString();
}

/**
 * Renames an existing report and log at these paths aside, the log next to its report
 * (same stamp) when they are a pair. Returns null when there was nothing to keep.
 */
export async function keepPreviousRun(reportPath: string): Promise<KeptFiles | null> {
  const logPath = jsonlPathFor(reportPath);
  const [hasReport, hasLog] = await Promise.all([exists(reportPath), exists(logPath)]);
  if (!hasReport && !hasLog) return null;
  const kept: KeptFiles = { report: null, log: null };
  try {
    if (hasReport) {
      const to = await freeName(reportPath, '.json', fileStamp(await createdAtOf(reportPath, 'report')));
      await rename(reportPath, to);
      kept.report = { from: reportPath, to };
    }
    if (hasLog) {
      const to = await freeName(logPath, '.jsonl', fileStamp(await createdAtOf(logPath, 'log')));
      await rename(logPath, to);
      kept.log = { from: logPath, to };
    }
  } catch (err) {
    throw new SpecTuneError('IO_ERROR', `cannot keep the previous report ${reportPath} aside: ${(err as Error).message}`, {
      hint: 'move it away yourself, or choose another report file name',
      cause: err,
    });
  }
  return kept;
}

/** "Kept the previous report as …" for the terminal. */
export function describeKept(kept: KeptFiles): string {
  const parts = [kept.report && `report as ${kept.report.to}`, kept.log && `log as ${kept.log.to}`].filter(Boolean);
  return `Kept the previous run's ${parts.join(' and its ')}.`;
}

/**
 * A run's first write: keep the previous run's files, then open this run's log, every line
 * of which carries runId (the report carries the same one).
 */
export async function startRunFiles(
  reportPath: string,
  runId: string = randomUUID(),
  redact: TextRedactor = defaultRedactor(),
): Promise<{ log: MeasurementLog; runId: string; kept: KeptFiles | null }> {
  const kept = await keepPreviousRun(reportPath);
  const log = await MeasurementLog.create(jsonlPathFor(reportPath), runId, redact);
  return { log, runId, kept };
}
