/**
 * The run registry: one small JSON file per server SpecTune launched, so a server
 * whose owner died (SIGKILL of the CLI, a crashed app) can still be found by
 * `spectune status` and ended by `spectune stop` or the app's start-up banner.
 *
 * Written right after spawn (the pid is known, the process group id equals it:
 * servers are launched detached) and removed once the whole group is gone.
 * Lives in the user's state folder: $SPECTUNE_STATE_DIR, else
 * $XDG_STATE_HOME/spectune, else ~/.local/state/spectune (runs/ below it).
 *
 * The folder is writable by any program the user runs, so an entry is a claim, not
 * a proof. A group is signalled only when the recorded pid still has the recorded
 * kernel start time (with the boot id), leads the recorded group now, and that group
 * is neither 1 nor SpecTune's own; a process that left the group is signalled only
 * when it carries the launch's marker (LAUNCH_MARKER) in its environment. Without
 * proof nothing is signalled and the entry is kept and named; only an entry proven
 * dead (its pid gone or another process's now, nothing carrying its marker) is removed.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { LaunchedServerSchema, type LaunchedServer, type RefusedServer, type StopRunsResult, type StoppedServer } from '../shared/launched-server';
import {
  listProcesses,
  markedProcesses,
  ownProcessGroup,
  parseProcStat,
  processGroupOf,
  signallableGroup,
  terminateMarked,
  terminateTree,
  type ProcInfo,
} from '../node/process-tree';
import { redactArgv } from '../shared/redact';

/** What the state folder holds per server: what status shows (LaunchedServerSchema) plus what guards a recycled pid. */
const RunEntrySchema = LaunchedServerSchema.pick({ pid: true, pgid: true, port: true, url: true, engine: true, command: true, ownerPid: true, createdAt: true }).extend({
  version: z.literal(1),
  /** Kernel start time (clock ticks after boot, /proc/<pid>/stat field 22), or `ps` lstart elsewhere; '' when unknown. */
  startTime: z.string(),
  ownerStartTime: z.string(),
  /** Linux boot id: the same pid and start time after a reboot is another process. */
  bootId: z.string(),
  /** The launch's marker (LAUNCH_MARKER in its environment): proves a process that left the group is the launch's. */
  launchId: z.string().optional(),
});
export type RunEntry = z.infer<typeof RunEntrySchema>;

/** Where run files live; tests point SPECTUNE_STATE_DIR at a temp folder. */
export function runsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SPECTUNE_STATE_DIR) return join(env.SPECTUNE_STATE_DIR, 'runs');
  if (process.platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'spectune', 'runs');
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'spectune', 'runs');
}

const fileFor = (dir: string, pid: number) => join(dir, `${pid}.json`);
const isLinux = process.platform === 'linux';

function bootId(): string {
  if (!isLinux) return '';
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

/** The start time that, with the pid, names one process; null when the process is gone. */
export function processStartTime(pid: number): string | null {
  if (isLinux) {
    try {
      const info = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      return info && info.state !== 'Z' ? info.startTime : null;
    } catch {
      return null;
    }
  }
  if (process.platform === 'win32') return '';
  try {
    // macOS/BSD: no /proc; lstart is the start time to the second, good enough to spot a recycled pid.
    const out = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return out || null;
  } catch {
    return null;
  }
}


export interface RegisterInput {
  pid: number;
  port: number;
  url: string;
  engine: string;
  argv: readonly string[];
  /** The value of LAUNCH_MARKER in the server's environment. */
  launchId?: string;
}

/**
 * Records a just-spawned server. Synchronous on purpose: it runs in the launcher's
 * spawn step, before anything can await and before the CLI could be killed "between".
 * A registry that cannot be written costs only the clean-up after a crash: warn, go on.
 */
export function registerRun(input: RegisterInput, env: NodeJS.ProcessEnv = process.env): void {
  const dir = runsDir(env);
  const entry: RunEntry = {
    version: 1,
    pid: input.pid,
    pgid: input.pid,
    port: input.port,
    url: input.url,
    engine: input.engine,
    // Values of secret flags and credential-looking words never reach the state folder.
    command: redactArgv(input.argv),
    ownerPid: process.pid,
    startTime: processStartTime(input.pid) ?? '',
    ownerStartTime: processStartTime(process.pid) ?? '',
    bootId: bootId(),
    createdAt: new Date().toISOString(),
    ...(input.launchId ? { launchId: input.launchId } : {}),
  };
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // status and stop never read through a linked folder: an entry written there would never be found.
    if (lstatSync(dir).isSymbolicLink()) throw new Error('it is a link; SpecTune does not follow it out of its state folder');
    // Write then rename: a reader never sees half a file, even if we are killed mid-write.
    const tmp = join(dir, `.${input.pid}.${process.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify(entry, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, fileFor(dir, input.pid));
  } catch (err) {
    process.emitWarning(`spectune: cannot record the server (pid ${input.pid}) in ${dir}: ${(err as Error).message}; if SpecTune is killed, stop it by hand`);
  }
}

/** Forgets a server this process launched, once its whole group is gone. */
export function unregisterRun(pid: number, env: NodeJS.ProcessEnv = process.env): void {
  const file = fileFor(runsDir(env), pid);
  const { entry } = readEntry(file);
  // Another SpecTune may have launched a new server that got the same pid since: leave its file alone.
  if (!entry || entry.ownerPid !== process.pid) return;
  removeFile(file);
}

/** An entry is a few hundred bytes: a file far larger is not one, and is not read whole. */
const MAX_ENTRY_BYTES = 64 * 1024;

/**
 * The entry in a file of the runs folder, or null (with the file left alone) when it is not one
 * this version reads: a newer version's, a link (never followed out of the folder), not a file.
 */
function readEntry(file: string): { entry: RunEntry | null } {
  let fd: number | null = null;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_ENTRY_BYTES) return { entry: null };
    const r = RunEntrySchema.safeParse(JSON.parse(readFileSync(fd, 'utf8')));
    return { entry: r.success ? r.data : null };
  } catch {
    return { entry: null };
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

function removeFile(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    /* already gone */
  }
}

type Liveness =
  /** Proven the server's: `group` (when proven) and `marked` may be signalled. */
  | { state: 'alive'; group: number | null; marked: ProcInfo[]; pids: number[] }
  /** Proven gone (or its pid proven to be another process now): the entry may go. */
  | { state: 'dead'; why: string }
  /** Something may still run, but nothing proves it is the server: never signalled, the entry stays. */
  | { state: 'unproven'; why: string; pids: number[] };

const sortedPids = (procs: Iterable<{ pid: number }>) => [...new Set([...procs].map((p) => p.pid))].sort((a, b) => a - b);

/**
 * Why the entry's group may not be signalled, or null when it is proven the server's: SpecTune
 * launches a server as the leader of its own group (pgid = pid), so the recorded pid must lead
 * that group now (its start time was checked by the caller), and the group is neither 1 (kill(-1)
 * reaches every process) nor SpecTune's own.
 */
function groupDoubt(entry: RunEntry): string | null {
  if (entry.pgid !== entry.pid) return `the entry names group ${entry.pgid} for pid ${entry.pid}, but SpecTune records a server as the leader of its own group`;
  if (!signallableGroup(entry.pgid)) return `group ${entry.pgid} is ${entry.pgid === ownProcessGroup() || entry.pgid === process.pid ? "SpecTune's own" : 'not a server\'s group'}`;
  const now = processGroupOf(entry.pid);
  if (now !== entry.pgid) return `pid ${entry.pid} is in group ${now ?? 'unknown'} now, not group ${entry.pgid}`;
  return null;
}

/**
 * Is the recorded server still there, and is it provably the process SpecTune launched? The
 * leader's start time must match what was recorded and its group must be the recorded one; a
 * process carrying the launch's marker in its environment is the launch's wherever it went.
 * Group members alone prove nothing once the leader is gone (any process can carry a group id).
 */
function liveness(entry: RunEntry, procs: ProcInfo[], marked: readonly ProcInfo[] = []): Liveness {
  if (entry.bootId && entry.bootId !== bootId()) return { state: 'dead', why: 'recorded before the last reboot' };
  const now = processStartTime(entry.pid);
  if (now === null) {
    if (marked.length) return { state: 'alive', group: null, marked: [...marked], pids: sortedPids(marked) };
    const carriers = procs.filter((p) => p.pgid === entry.pgid);
    if (carriers.length) {
      return {
        state: 'unproven',
        why: `pid ${entry.pid} is gone and processes ${sortedPids(carriers).join(', ')} carry its group id ${entry.pgid}, but nothing proves they are the server's`,
        pids: sortedPids(carriers),
      };
    }
    return { state: 'dead', why: 'its processes are gone' };
  }
  if (!entry.startTime) {
    return { state: 'unproven', why: `no start time was recorded for pid ${entry.pid}, so nothing proves it is the server SpecTune launched`, pids: [entry.pid] };
  }
  if (now !== entry.startTime) {
    if (marked.length) return { state: 'alive', group: null, marked: [...marked], pids: sortedPids(marked) };
    return { state: 'dead', why: `pid ${entry.pid} now belongs to another process` };
  }
  const doubt = groupDoubt(entry);
  if (doubt) return { state: 'unproven', why: doubt, pids: [entry.pid] };
  const members = procs.filter((p) => p.pgid === entry.pgid);
  return { state: 'alive', group: entry.pgid, marked: [...marked], pids: sortedPids([{ pid: entry.pid }, ...members, ...marked]) };
}

function ownerAlive(entry: RunEntry): boolean {
  const now = processStartTime(entry.ownerPid);
  return now !== null && (!entry.ownerStartTime || now === entry.ownerStartTime);
}

function toLaunched(entry: RunEntry, state: Exclude<Liveness, { state: 'dead' }>): LaunchedServer {
  return {
    pid: entry.pid,
    pgid: entry.pgid,
    port: entry.port,
    url: entry.url,
    engine: entry.engine,
    command: entry.command,
    ownerPid: entry.ownerPid,
    createdAt: entry.createdAt,
    orphan: !ownerAlive(entry),
    pids: state.pids,
    ...(state.state === 'unproven' ? { unverified: state.why } : {}),
  };
}

interface Checked {
  entry: RunEntry;
  file: string;
  server: LaunchedServer;
}

interface Scan {
  checked: Checked[];
  dropped: number;
  unreadable: string[];
  skipped: string | null;
}

/** The folder itself, unless it is a link (followed, it could lead `status` to remove files anywhere). */
function entryNames(dir: string): { names: string[]; skipped: string | null } {
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    return { names: [], skipped: null }; // nothing recorded yet
  }
  if (st.isSymbolicLink()) return { names: [], skipped: `${dir} is a link; SpecTune does not follow it out of its state folder` };
  if (!st.isDirectory()) return { names: [], skipped: `${dir} is not a folder` };
  try {
    return { names: readdirSync(dir).filter((n) => /^\d+\.json$/.test(n)), skipped: null };
  } catch (err) {
    return { names: [], skipped: `${dir} cannot be read: ${(err as Error).message}` };
  }
}

/** The launch markers' processes for these entries, read once for all of them (none older than the oldest entry). */
function markedFor(entries: readonly RunEntry[], procs: readonly ProcInfo[]): (entry: RunEntry) => ProcInfo[] {
  const marked = entries.filter((e) => e.launchId);
  const times = marked.map((e) => e.startTime);
  const since = times.length && times.every((t) => /^\d+$/.test(t)) ? String(Math.min(...times.map(Number))) : null;
  const byId = markedProcesses(marked.map((e) => e.launchId as string), procs, since);
  return (entry) => (entry.launchId ? (byId.get(entry.launchId) ?? []) : []);
}

/**
 * Reads every entry; removes only those proven dead. A file this version cannot read (a newer
 * version's, or not an entry at all) and a link are left where they are.
 */
async function scan(env: NodeJS.ProcessEnv): Promise<Scan> {
  const dir = runsDir(env);
  const { names, skipped } = entryNames(dir);
  const read = names.map((name) => ({ file: join(dir, name), got: readEntry(join(dir, name)) }));
  const procs = await listProcesses();
  const marked = markedFor(read.flatMap((r) => (r.got.entry ? [r.got.entry] : [])), procs);
  const checked: Checked[] = [];
  const unreadable: string[] = [];
  let dropped = 0;
  for (const { file, got } of read) {
    if (!got.entry) {
      unreadable.push(file);
      continue;
    }
    const state = liveness(got.entry, procs, marked(got.entry));
    if (state.state === 'dead') {
      removeFile(file);
      dropped++;
      continue;
    }
    checked.push({ entry: got.entry, file, server: toLaunched(got.entry, state) });
  }
  checked.sort((a, b) => a.entry.createdAt.localeCompare(b.entry.createdAt));
  return { checked, dropped, unreadable, skipped };
}

/** What `spectune status` shows of the registry: servers (unverified ones marked), and files it left alone. */
export interface RegistryView {
  servers: LaunchedServer[];
  /** Files in the folder that are not entries this version reads (a newer version's, say): kept. */
  unreadable: string[];
  /** Why the folder was not read at all (it is a link, say), or null. */
  skipped: string | null;
}

export async function inspectRegistry(env: NodeJS.ProcessEnv = process.env): Promise<RegistryView> {
  const { checked, unreadable, skipped } = await scan(env);
  return { servers: checked.map((c) => c.server), unreadable, skipped };
}

/** Servers SpecTune launched that are provably still alive, oldest first. Entries proven dead are removed on the way. */
export async function listLaunchedServers(env: NodeJS.ProcessEnv = process.env): Promise<LaunchedServer[]> {
  return (await inspectRegistry(env)).servers.filter((s) => s.unverified === undefined);
}

export interface StopFilter {
  /** Every live entry, including ones a running SpecTune still owns. */
  all?: boolean;
  /** Only the server on this port (whoever owns it). With neither: only orphans (their owner is gone). */
  port?: number;
  /** SIGTERM to SIGKILL (default 5 s). */
  graceMs?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * SIGTERM each chosen server's proven group and the processes carrying its launch marker, wait,
 * SIGKILL what is left, verify; the entry goes once nothing is left. An entry without proof is
 * refused (named in `refused`), never signalled.
 */
export async function stopLaunchedServers(filter: StopFilter = {}): Promise<StopRunsResult> {
  const env = filter.env ?? process.env;
  const graceMs = filter.graceMs ?? 5000;
  const { checked, dropped: staleAtScan } = await scan(env);
  let dropped = staleAtScan;
  const chosen = checked.filter((c) =>
    filter.port !== undefined ? c.entry.port === filter.port : filter.all ? true : c.server.orphan,
  );
  const stopped: StoppedServer[] = [];
  const refused: RefusedServer[] = [];
  for (const c of chosen) {
    // Check again right before signalling: time has passed since the scan.
    const procs = await listProcesses();
    const state = liveness(c.entry, procs, markedFor([c.entry], procs)(c.entry));
    if (state.state === 'dead') {
      removeFile(c.file);
      dropped++;
      continue;
    }
    if (state.state === 'unproven') {
      refused.push({ pid: c.entry.pid, port: c.entry.port, why: state.why, file: c.file });
      continue;
    }
    const result = await terminateTree({ pgid: state.group, tracked: state.marked, graceMs });
    // A process the launch double-forked while it was being stopped carries the marker too.
    const late = c.entry.launchId ? await terminateMarked(c.entry.launchId, { graceMs, since: c.entry.startTime || null }) : null;
    const survivors = sortedPids([...result.survivors, ...(late?.survivors ?? [])]);
    if (survivors.length === 0) removeFile(c.file);
    stopped.push({ pid: c.entry.pid, port: c.entry.port, forced: result.forced || late?.forced === true, survivors });
  }
  return { stopped, refused, dropped };
}
