/**
 * Reports on disk. test_results.json is replaced atomically (write a temp file in
 * the same folder, fsync, rename) so a crash or a full disk never leaves half a
 * report; every measurement is also appended to a JSONL log beside it the moment
 * it finishes, so nothing measured is lost even if the process dies between reports.
 *
 * Two library shortcuts are avoided on purpose:
 * - write-file-atomic 6 writes its data with a single fs.write and ignores a short
 *   count: on a nearly full disk the kernel writes 4096 bytes, and the truncated
 *   temp file was renamed over the report. FileHandle.writeFile loops until every
 *   byte is written or the write fails with ENOSPC.
 * - fs.mkdir({ recursive: true }) in Node 20 loops forever on a path whose parent
 *   exists but refuses new entries (/proc/x: mkdir says ENOENT, the parent exists,
 *   mkdir again…), spinning a libuv thread that also stops the process from exiting.
 *   ensureFolder creates one level at a time and fails on the first refusal.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, mkdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SpecTuneError } from '../shared/errors';
import type { Measurement, Report } from '../shared/schemas';
// Last line of defence: whatever string reaches the disk is scrubbed of credential shapes and of
// the secret values SpecTune's own environment holds (VLLM_API_KEY, HF_TOKEN…), plus those the caller knows.
import { replacerFor, secretEnvValues, textRedactor } from '../shared/redact';

export type TextRedactor = (text: string) => string;

/** Redacts credential shapes and the values of SpecTune's own secret-named variables. */
export function defaultRedactor(env: NodeJS.ProcessEnv = process.env): TextRedactor {
  return textRedactor(secretEnvValues(env));
}

export function jsonlPathFor(reportPath: string): string {
  return reportPath.replace(/\.json$/i, '') + '.jsonl';
}

/** How long the folder check may take before SpecTune gives up on it (a hung network mount, say). */
const PROBE_TIMEOUT_MS = 10_000;

/** What an errno means to someone choosing a folder. */
function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'the disk is full';
    case 'EROFS':
      return 'the disk is read-only';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      // Every folder above exists by now (ensureFolder): the location itself refuses new entries, as /proc does.
      return 'this location does not accept new files or folders';
    case 'ENOTDIR':
      return 'part of the path is a file, not a folder';
    case 'EISDIR':
      return 'it is a folder';
    default:
      return (err as Error | null)?.message ?? String(err);
  }
}

export const isDiskFull = (err: unknown): boolean => ['ENOSPC', 'EDQUOT'].includes((err as NodeJS.ErrnoException | null)?.code ?? '');

/** An fs failure as a message for the user: "the disk is full writing X" rather than a stack. */
function ioError(what: string, path: string, err: unknown, hint: string): SpecTuneError {
  if (err instanceof SpecTuneError) return err;
  const message = isDiskFull(err) ? `the disk is full writing ${path}` : `cannot ${what} ${path}: ${fsReason(err)}`;
  return new SpecTuneError('IO_ERROR', message, {
    hint: isDiskFull(err) ? 'free some space on that disk, or choose a folder on another disk' : hint,
    cause: err,
  });
}

const WRITABLE_HINT = 'choose a folder you can write to (--out in the command line)';

/** Resolves p, or rejects with a message naming `what` once ms have passed. Never leaves a timer behind. */
async function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SpecTuneError('IO_ERROR', `${what} did not answer within ${Math.round(ms / 1000)} s`, { hint: WRITABLE_HINT })), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** mkdir -p one level at a time, so a folder that refuses new entries fails once instead of spinning. */
export async function ensureFolder(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    const st = await stat(d).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (st) {
      if (!st.isDirectory()) throw Object.assign(new Error(`${d} is a file`), { code: 'ENOTDIR' });
      break;
    }
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    await mkdir(d).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  }
}

/** True for what a SpecTune sweep wrote: the only kind of file a sweep may move aside. */
export function looksLikeReport(data: unknown): data is Pick<Report, 'createdAt'> & { runId?: string } {
  const d = data as { tool?: { name?: unknown }; createdAt?: unknown } | null;
  return typeof d === 'object' && d !== null && d.tool?.name === 'spectune' && typeof d.createdAt === 'string';
}

/**
 * Before a sweep launches anything: the report path must be a file name, in a folder
 * that exists (created here if missing) and really takes a write (a probe file is
 * created, written, fsynced and removed), and an existing file there must be an
 * earlier SpecTune report (which the sweep keeps aside), never someone's other file.
 * Bounded in time, so a hung mount cannot hold the sweep (or Ctrl-C) hostage.
 */
export async function assertReportPath(path: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<void> {
  const folder = dirname(path);
  await withDeadline(probeReportPath(path, folder), timeoutMs, `the folder ${folder}`);
}

async function probeReportPath(path: string, folder: string): Promise<void> {
  const st = await stat(path).catch(() => null);
  if (st?.isDirectory()) {
    throw new SpecTuneError('IO_ERROR', `the report path ${path} is a folder`, {
      hint: `give a file name, e.g. ${join(path, 'test_results.json')}`,
    });
  }
  if (st && !st.isFile()) {
    // /dev/null, a FIFO, a socket: reading would block, and the final rename would replace the device node.
    throw new SpecTuneError('IO_ERROR', `the report path ${path} is not a regular file`, {
      hint: 'give the name of a .json file in a folder you can write to',
    });
  }
  if (st) {
    let data: unknown = null;
    try {
      data = JSON.parse(await readFile(path, 'utf8'));
    } catch {
      // Not JSON: refused below.
    }
    if (!looksLikeReport(data)) {
      throw new SpecTuneError('IO_ERROR', `${path} exists and is not a SpecTune report, so the sweep will not replace it`, {
        hint: 'choose another report file name, or move that file away',
      });
    }
  }
  try {
    await ensureFolder(folder);
  } catch (err) {
    throw ioError('create the folder', folder, err, WRITABLE_HINT);
  }
  const probe = join(folder, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.probe`);
  let fh: FileHandle | null = null;
  try {
    fh = await open(probe, 'wx');
    await fh.writeFile('spectune write probe\n');
    await fh.sync();
  } catch (err) {
    throw ioError('write in the folder', folder, err, WRITABLE_HINT);
  } finally {
    await fh?.close().catch(() => undefined);
    await unlink(probe).catch(() => undefined);
  }
}

/**
 * Replaces path with text, all or nothing: a temp file in the same folder (so the rename
 * cannot cross disks), every byte written, fsynced, then renamed over the target and the
 * folder fsynced. On any failure the temp file is removed and the target is untouched.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fh: FileHandle | null = null;
  try {
    fh = await open(tmp, 'wx', 0o644);
    await fh.writeFile(text, 'utf8');
    await fh.sync();
    await fh.close();
    fh = null;
    await rename(tmp, path);
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  // The rename is durable once the folder's entry is; not every platform lets a folder be fsynced.
  const dirFh = await open(dirname(path), 'r').catch(() => null);
  await dirFh?.sync().catch(() => undefined);
  await dirFh?.close().catch(() => undefined);
}

export async function writeReport(path: string, report: Report, redact: TextRedactor = defaultRedactor()): Promise<void> {
  try {
    await ensureFolder(dirname(path));
    await writeFileAtomic(path, JSON.stringify(report, replacerFor(redact), 2) + '\n');
  } catch (err) {
    throw ioError('write the report to', path, err, WRITABLE_HINT);
  }
}

/** Line types of the JSONL log. Every line also carries the run's `runId` (see MeasurementLog). */
export type LogRecord =
  | { type: 'start'; at: string; plan: unknown }
  | { type: 'measurement'; measurement: Measurement }
  | { type: 'config'; numSpeculativeTokens: number | null; draftModel?: string | null; concurrency?: number; failed: boolean; error?: string; acceptance?: unknown }
  | { type: 'end'; at: string; status: string };

/**
 * Append-only measurement log; each line is flushed to disk before the next request starts.
 * Every line names its run, so a log is never mistaken for the partner of another run's report.
 * A line that does not fit (full disk) is cut back off, so the log keeps whole lines only.
 *
 * The open file outlives its name: if the file or its folder is removed during the run, the
 * lines would go on into a file nobody can find. Before each line the name is checked to still
 * be this file; if not, the folder and the file are made again from what the open file holds,
 * and `onRecreated` says so.
 */
export class MeasurementLog {
  private size = 0;
  private readonly replacer: (key: string, value: unknown) => unknown;
  /** Told when the log had to be written again under its name (its folder or file was removed). */
  onRecreated: ((path: string) => void) | null = null;

  private constructor(
    private fh: FileHandle,
    readonly path: string,
    readonly runId: string | null,
    redact: TextRedactor,
  ) {
    this.replacer = replacerFor(redact);
  }

  /** Creates the log; fails rather than overwrite one (the caller keeps the previous run's aside first). */
  static async create(path: string, runId: string | null = null, redact: TextRedactor = defaultRedactor()): Promise<MeasurementLog> {
    try {
      await ensureFolder(dirname(path));
      // Read and write: if its name goes, what it holds is written again under it (keepName).
      return new MeasurementLog(await open(path, 'wx+'), path, runId, redact);
    } catch (err) {
      throw ioError('write the measurement log', path, err, WRITABLE_HINT);
    }
  }

  /** Writes the log again under its name when its file (or folder) is no longer there. */
  private async keepName(): Promise<void> {
    const [mine, there] = await Promise.all([this.fh.stat(), stat(this.path).catch(() => null)]);
    if (there && there.ino === mine.ino && there.dev === mine.dev) return;
    const written = Buffer.alloc(this.size);
    for (let done = 0; done < this.size; ) {
      const { bytesRead } = await this.fh.read(written, done, this.size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    await ensureFolder(dirname(this.path));
    // 'wx': a file that took the name meanwhile is someone else's, never overwritten.
    const fresh = await open(this.path, 'wx+');
    try {
      await fresh.writeFile(written);
      await fresh.datasync();
    } catch (err) {
      await fresh.close().catch(() => undefined);
      throw err;
    }
    await this.fh.close().catch(() => undefined);
    this.fh = fresh;
    this.onRecreated?.(this.path);
  }

  async append(rec: LogRecord): Promise<void> {
    const line = Buffer.from(JSON.stringify(this.runId ? { ...rec, runId: this.runId } : rec, this.replacer) + '\n');
    try {
      await this.keepName();
      await this.fh.write(line, 0, line.length, this.size).then(async (r) => {
        // FileHandle.write may write less than asked; finish the line or fail trying.
        for (let done = r.bytesWritten; done < line.length; ) {
          done += (await this.fh.write(line, done, line.length - done, this.size + done)).bytesWritten;
        }
      });
      await this.fh.datasync();
      this.size += line.length;
    } catch (err) {
      await this.fh.truncate(this.size).catch(() => undefined);
      throw ioError('append to the measurement log', this.path, err, WRITABLE_HINT);
    }
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}
