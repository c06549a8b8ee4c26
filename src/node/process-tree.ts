/**
 * Finding and killing every process a launched server left behind.
 *
 * vLLM's parent spawns EngineCore and worker processes that keep GPU memory if
 * only the parent dies. They share the parent's process group (we launch it
 * detached, so the group id is its pid), unless one of them called setsid — so
 * callers also remember the descendants they saw while the server ran.
 *
 * Linux: /proc/<pid>/stat gives ppid, pgid and a start time (which guards
 * against signalling a recycled pid). Elsewhere on POSIX: `ps`. Zombies count
 * as gone: they hold nothing and only their parent can reap them.
 *
 * A process that double-forks out of the group and the tree (setsid, its parent
 * gone) is found by a marker: every launch gets LAUNCH_MARKER=<id> in its
 * environment, which its descendants inherit; Linux shows a process's initial
 * environment in /proc/<pid>/environ.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** Kernel start time in clock ticks (Linux) or '' when unknown; with the pid it names one process. */
  startTime: string;
  state: string;
  comm: string;
}

const isLinux = process.platform === 'linux';

/** Parses one /proc/<pid>/stat line. The command name may hold spaces and parentheses. */
export function parseProcStat(text: string): ProcInfo | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).trim().split(/\s+/);
  // rest[0] = state (field 3), rest[1] = ppid, rest[2] = pgrp, rest[19] = starttime (field 22)
  if (!Number.isInteger(pid) || rest.length < 20) return null;
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0],
    ppid: Number(rest[1]),
    pgid: Number(rest[2]),
    startTime: rest[19],
  };
}

async function readStat(pid: number): Promise<ProcInfo | null> {
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null; // gone between readdir and read, or not ours to see
  }
}

async function listViaPs(): Promise<ProcInfo[]> {
  const r = await execa('ps', ['-A', '-o', 'pid=,ppid=,pgid=,stat=,comm='], { reject: false, stdin: 'ignore' });
  if (r.failed) return [];
  const out: ProcInfo[] = [];
  for (const line of String(r.stdout).split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s*(.*)$/.exec(line);
    if (m) out.push({ pid: Number(m[1]), ppid: Number(m[2]), pgid: Number(m[3]), state: m[4][0], startTime: '', comm: m[5] });
  }
  return out;
}

/**
 * Every live (non-zombie) process, from /proc: Linux only (empty elsewhere). Synchronous reads:
 * about 3x less CPU than fs/promises for hundreds of tiny files (~2.5 ms for 100).
 */
export function listProcessesSync(): ProcInfo[] {
  if (!isLinux) return [];
  const all: ProcInfo[] = [];
  let names: string[] = [];
  try {
    names = readdirSync('/proc');
  } catch {
    /* no /proc: nothing to see */
  }
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const p = parseProcStat(readFileSync(`/proc/${n}/stat`, 'utf8'));
      if (p && p.state !== 'Z' && p.state !== 'X') all.push(p);
    } catch {
      /* exited between readdir and read */
    }
  }
  return all;
}

/** Every live (non-zombie) process this user can see. Empty on Windows. */
export async function listProcesses(): Promise<ProcInfo[]> {
  if (process.platform === 'win32') return [];
  if (isLinux) return listProcessesSync();
  return (await listViaPs()).filter((p) => p.state !== 'Z' && p.state !== 'X');
}

/** The environment variable naming the launch a process belongs to (inherited by everything it starts). */
export const LAUNCH_MARKER = 'SPECTUNE_LAUNCH_ID';

/** The process group a pid is in now; null when it is gone (or cannot be seen). */
export function processGroupOf(pid: number): number | null {
  if (process.platform === 'win32') return null;
  if (isLinux) {
    try {
      const info = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      return info && info.state !== 'Z' ? info.pgid : null;
    } catch {
      return null;
    }
  }
  try {
    const out = execFileSync('ps', ['-o', 'pgid=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return /^\d+$/.test(out) ? Number(out) : null;
  } catch {
    return null;
  }
}

/**
 * Live processes whose environment carries LAUNCH_MARKER=<id> for one of `ids`, by id.
 * Linux only (elsewhere a process's environment is not readable this way): empty there.
 * This process is never in the answer. `since` (a kernel start time): what a launch started
 * cannot be older than the launch, so older processes' environments are not read at all.
 */
export function markedProcesses(ids: readonly string[], all: readonly ProcInfo[], since?: string | null): Map<string, ProcInfo[]> {
  const out = new Map<string, ProcInfo[]>();
  const wanted = new Set(ids.filter((id) => id.length > 0));
  if (!isLinux || wanted.size === 0) return out;
  const prefix = Buffer.from(`${LAUNCH_MARKER}=`);
  const oldest = since && /^\d+$/.test(since) ? Number(since) : -Infinity;
  for (const p of all) {
    if (p.pid === process.pid || Number(p.startTime) < oldest) continue;
    let env: Buffer;
    try {
      env = readFileSync(`/proc/${p.pid}/environ`);
    } catch {
      continue; // gone, or another user's
    }
    for (let at = env.indexOf(prefix); at >= 0; at = env.indexOf(prefix, at + 1)) {
      if (at > 0 && env[at - 1] !== 0) continue; // the text inside another variable's value
      const end = env.indexOf(0, at);
      const id = env.subarray(at + prefix.length, end < 0 ? env.length : end).toString('utf8');
      if (wanted.has(id)) {
        const list = out.get(id);
        if (list) list.push(p);
        else out.set(id, [p]);
      }
      break;
    }
  }
  return out;
}

/** Live members of a process group. */
export async function groupMembers(pgid: number, all?: ProcInfo[]): Promise<ProcInfo[]> {
  if (process.platform === 'win32') return [];
  const procs = all ?? (await listProcesses());
  if (procs.length === 0 && !isLinux) {
    // No process listing at all: fall back to asking the kernel about the group.
    return groupSignalable(pgid) ? [{ pid: pgid, ppid: 0, pgid, startTime: '', state: '?', comm: '?' }] : [];
  }
  return procs.filter((p) => p.pgid === pgid);
}

/** The process and everything below it in the ppid tree (root included when alive). */
export async function descendants(rootPid: number, all?: ProcInfo[]): Promise<ProcInfo[]> {
  const procs = all ?? (await listProcesses());
  const byParent = new Map<number, ProcInfo[]>();
  for (const p of procs) {
    const list = byParent.get(p.ppid);
    if (list) list.push(p);
    else byParent.set(p.ppid, [p]);
  }
  const out: ProcInfo[] = [];
  const root = procs.find((p) => p.pid === rootPid);
  if (root) out.push(root);
  const queue = [rootPid];
  while (queue.length) {
    for (const child of byParent.get(queue.shift() as number) ?? []) {
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

function groupSignalable(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let ownGroup: number | null | undefined;

/** This process's own group: never one to signal (it would end SpecTune with the server). */
export function ownProcessGroup(): number | null {
  if (ownGroup === undefined) ownGroup = processGroupOf(process.pid);
  return ownGroup;
}

/**
 * Whether a group id may be signalled at all: kill(-1) reaches every process the user may
 * signal, kill(-0) SpecTune's own group. Callers prove the group is the server's first.
 */
export function signallableGroup(pgid: number): boolean {
  return Number.isInteger(pgid) && pgid > 1 && pgid !== process.pid && pgid !== ownProcessGroup();
}

/** Signals a whole process group; false when the group no longer exists (or may not be signalled). */
function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!signallableGroup(pgid)) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Same pid and same start time as when we saw it: still that process, not a recycled pid. */
async function stillSame(p: ProcInfo): Promise<boolean> {
  if (!isLinux) return true;
  const now = await readStat(p.pid);
  return now !== null && now.startTime === p.startTime && now.state !== 'Z';
}

/** Signals remembered processes that are still the ones we saw. Returns how many were signalled. */
async function signalProcesses(procs: Iterable<ProcInfo>, signal: NodeJS.Signals): Promise<number> {
  let n = 0;
  for (const p of procs) {
    if (!(await stillSame(p))) continue;
    try {
      process.kill(p.pid, signal);
      n++;
    } catch {
      /* exited meanwhile */
    }
  }
  return n;
}

/** Which of the group's members (none when pgid is null) and the remembered processes are still alive. */
async function survivors(pgid: number | null, tracked: Iterable<ProcInfo>): Promise<ProcInfo[]> {
  const all = await listProcesses();
  const out = new Map<number, ProcInfo>();
  if (pgid !== null) for (const p of await groupMembers(pgid, all)) out.set(p.pid, p);
  const live = new Map(all.map((p) => [p.pid, p]));
  for (const p of tracked) {
    const now = live.get(p.pid);
    if (now && (!isLinux || now.startTime === p.startTime)) out.set(p.pid, now);
  }
  return [...out.values()];
}

export interface TerminateOptions {
  /** The group to signal; null when no group is proven to be the server's (only `tracked` is signalled then). */
  pgid: number | null;
  /** Processes seen in the tree earlier; some may have left the group (setsid). */
  tracked?: Iterable<ProcInfo>;
  graceMs: number;
  pollMs?: number;
  /** After SIGKILL, how long to wait for the kernel to finish them. */
  killWaitMs?: number;
  onLog?: (line: string) => void;
}

export interface TerminateResult {
  /** SIGKILL was needed. */
  forced: boolean;
  /** Processes still alive at the end (should be empty). */
  survivors: ProcInfo[];
  elapsedMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitGone(pgid: number | null, tracked: ProcInfo[], ms: number, pollMs: number): Promise<ProcInfo[]> {
  const until = Date.now() + ms;
  for (;;) {
    const left = await survivors(pgid, tracked);
    if (left.length === 0 || Date.now() >= until) return left;
    await sleep(pollMs);
  }
}

/** SIGTERM to the group and the tracked processes, wait up to graceMs, then SIGKILL, then verify. */
export async function terminateTree(opts: TerminateOptions): Promise<TerminateResult> {
  const t0 = Date.now();
  const pollMs = opts.pollMs ?? 50;
  const tracked = [...(opts.tracked ?? [])].filter((p) => p.pgid !== opts.pgid || p.pid !== opts.pgid);
  const log = opts.onLog ?? (() => {});
  if (process.platform === 'win32') {
    // No process groups: taskkill walks the tree by parent pid.
    if (opts.pgid !== null) await execa('taskkill', ['/pid', String(opts.pgid), '/T', '/F'], { reject: false, stdin: 'ignore' });
    return { forced: true, survivors: [], elapsedMs: Date.now() - t0 };
  }
  let left = await survivors(opts.pgid, tracked);
  if (left.length === 0) return { forced: false, survivors: [], elapsedMs: Date.now() - t0 };

  const what = opts.pgid !== null ? `process group ${opts.pgid}` : `processes ${tracked.map((p) => p.pid).join(', ')}`;
  log(`Sending SIGTERM to ${what} (${left.length} process${left.length === 1 ? '' : 'es'})`);
  if (opts.pgid !== null) signalGroup(opts.pgid, 'SIGTERM');
  await signalProcesses(tracked, 'SIGTERM');
  left = await waitGone(opts.pgid, tracked, opts.graceMs, pollMs);
  if (left.length === 0) return { forced: false, survivors: [], elapsedMs: Date.now() - t0 };

  log(`Still running after ${opts.graceMs} ms: ${left.map((p) => `${p.pid} (${p.comm})`).join(', ')}; sending SIGKILL`);
  if (opts.pgid !== null) signalGroup(opts.pgid, 'SIGKILL');
  await signalProcesses([...tracked, ...left], 'SIGKILL');
  left = await waitGone(opts.pgid, [...tracked, ...left], opts.killWaitMs ?? 5000, pollMs);
  if (left.length) log(`Could not end: ${left.map((p) => `${p.pid} (${p.comm}, state ${p.state})`).join(', ')}`);
  return { forced: true, survivors: left, elapsedMs: Date.now() - t0 };
}

/**
 * Stops every process still carrying the launch's marker: what left the group and the tree
 * (a double fork). Returns what survives, and what was found.
 */
export async function terminateMarked(
  id: string,
  opts: { graceMs: number; since?: string | null; onLog?: (line: string) => void },
): Promise<TerminateResult & { found: ProcInfo[] }> {
  const found = markedProcesses([id], await listProcesses(), opts.since).get(id) ?? [];
  if (found.length === 0) return { forced: false, survivors: [], elapsedMs: 0, found };
  return { ...(await terminateTree({ pgid: null, tracked: found, graceMs: opts.graceMs, onLog: opts.onLog })), found };
}

/** Last resort for a synchronous exit handler: SIGKILL the group and the tracked pids, no waiting. */
export function killTreeSync(pgid: number, tracked: Iterable<ProcInfo> = []): void {
  signalGroup(pgid, 'SIGKILL');
  for (const p of tracked) {
    if (isLinux) {
      let now: ProcInfo | null = null;
      try {
        now = parseProcStat(readFileSync(`/proc/${p.pid}/stat`, 'utf8'));
      } catch {
        continue; // gone
      }
      if (!now || now.startTime !== p.startTime) continue; // pid recycled: not ours
    }
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}
