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
 * A pid in an old file may since name another process. Before anything is
 * signalled the process's kernel start time (with the boot id) must match what
 * was recorded; a mismatch means the entry is stale: it is dropped, never signalled.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { LaunchedServerSchema, type LaunchedServer, type StopRunsResult, type StoppedServer } from '../shared/launched-server';
import { listProcesses, parseProcStat, terminateTree, type ProcInfo } from '../node/process-tree';
import { redactArgv } from '../shared/redact';

/** What the state folder holds per server: what status shows (LaunchedServerSchema) plus what guards a recycled pid. */
export const RunEntrySchema = LaunchedServerSchema.pick({ pid: true, pgid: true, port: true, url: true, engine: true, command: true, ownerPid: true, createdAt: true }).extend({
  version: z.literal(1),
  /** Kernel start time (clock ticks after boot, /proc/<pid>/stat field 22), or `ps` lstart elsewhere; '' when unknown. */
  startTime: z.string(),
  ownerStartTime: z.string(),
  /** Linux boot id: the same pid and start time after a reboot is another process. */
  bootId: z.string(),
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
  };
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
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
  const entry = readEntry(file);
  // Another SpecTune may have launched a new server that got the same pid since: leave its file alone.
  if (entry && entry.ownerPid !== process.pid) return;
  removeFile(file);
}

function readEntry(file: string): RunEntry | null {
  try {
    const r = RunEntrySchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

function removeFile(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    /* already gone */
  }
}

type Liveness = { state: 'alive'; pids: number[] } | { state: 'stale'; why: string };

/**
 * Is the recorded server still there, and still the process we launched? The leader's
 * start time must match; with the leader gone, group members started no earlier than
 * it are its engine children (the kernel does not hand out a pid that is still some
 * group's id, so the group cannot belong to anyone else while they live).
 */
export function liveness(entry: RunEntry, procs: ProcInfo[]): Liveness {
  if (entry.bootId && entry.bootId !== bootId()) return { state: 'stale', why: 'recorded before the last reboot' };
  const group = procs.filter((p) => p.pgid === entry.pgid);
  const now = processStartTime(entry.pid);
  if (now !== null) {
    if (entry.startTime && now !== entry.startTime) return { state: 'stale', why: `pid ${entry.pid} now belongs to another process` };
    // No start time was recorded (it could not be read): the command line is the only clue left.
    if (!entry.startTime && !commandMatches(entry)) return { state: 'stale', why: `pid ${entry.pid} runs another command now` };
    const pids = new Set([entry.pid, ...group.map((p) => p.pid)]);
    return { state: 'alive', pids: [...pids].sort((a, b) => a - b) };
  }
  const ours = group.filter((p) => !isLinux || !entry.startTime || Number(p.startTime) >= Number(entry.startTime));
  if (ours.length) return { state: 'alive', pids: ours.map((p) => p.pid).sort((a, b) => a - b) };
  return { state: 'stale', why: 'its processes are gone' };
}

/** The live process's command line names the recorded program (its file name; interpreters may come first). */
function commandMatches(entry: RunEntry): boolean {
  const program = entry.command[0]?.split(/[\\/]/).pop();
  if (!program) return false;
  let words: string[];
  try {
    words = readFileSync(`/proc/${entry.pid}/cmdline`, 'utf8').split('\0');
  } catch {
    try {
      words = execFileSync('ps', ['-o', 'command=', '-p', String(entry.pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split(/\s+/);
    } catch {
      return false;
    }
  }
  return words.some((w) => w.split(/[\\/]/).pop() === program);
}

function ownerAlive(entry: RunEntry): boolean {
  const now = processStartTime(entry.ownerPid);
  return now !== null && (!entry.ownerStartTime || now === entry.ownerStartTime);
}

function toLaunched(entry: RunEntry, pids: number[]): LaunchedServer {
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
    pids,
  };
}

interface Checked {
  entry: RunEntry;
  file: string;
  server: LaunchedServer;
}

/** Reads every entry; removes the stale ones (and files that are not entries). */
async function scan(env: NodeJS.ProcessEnv): Promise<{ live: Checked[]; dropped: number }> {
  const dir = runsDir(env);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^\d+\.json$/.test(n));
  } catch {
    return { live: [], dropped: 0 };
  }
  const procs = await listProcesses();
  const live: Checked[] = [];
  let dropped = 0;
  for (const name of names) {
    const file = join(dir, name);
    const entry = readEntry(file);
    const state = entry ? liveness(entry, procs) : ({ state: 'stale', why: 'unreadable' } as const);
    if (!entry || state.state === 'stale') {
      removeFile(file);
      dropped++;
      continue;
    }
    live.push({ entry, file, server: toLaunched(entry, state.pids) });
  }
  live.sort((a, b) => a.entry.createdAt.localeCompare(b.entry.createdAt));
  return { live, dropped };
}

/** Servers SpecTune launched that are still alive, oldest first. Stale entries are removed on the way. */
export async function listLaunchedServers(env: NodeJS.ProcessEnv = process.env): Promise<LaunchedServer[]> {
  return (await scan(env)).live.map((c) => c.server);
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

/** SIGTERM each chosen group, wait, SIGKILL what is left, verify; the entry goes once nothing is left. */
export async function stopLaunchedServers(filter: StopFilter = {}): Promise<StopRunsResult> {
  const env = filter.env ?? process.env;
  const { live, dropped: staleAtScan } = await scan(env);
  let dropped = staleAtScan;
  const chosen = live.filter((c) =>
    filter.port !== undefined ? c.entry.port === filter.port : filter.all ? true : c.server.orphan,
  );
  const stopped: StoppedServer[] = [];
  for (const c of chosen) {
    // Check again right before signalling: time has passed since the scan.
    const state = liveness(c.entry, await listProcesses());
    if (state.state === 'stale') {
      removeFile(c.file);
      dropped++;
      continue;
    }
    const result = await terminateTree({ pgid: c.entry.pgid, graceMs: filter.graceMs ?? 5000 });
    if (result.survivors.length === 0) removeFile(c.file);
    stopped.push({ pid: c.entry.pid, port: c.entry.port, forced: result.forced, survivors: result.survivors.map((p) => p.pid) });
  }
  return { stopped, dropped };
}
