/** Test helpers for real processes and ports. */
import { readdirSync, readFileSync } from 'node:fs';
import { parseProcStat, type ProcInfo } from '../../src/node/process-tree';

export { freePort } from '../../src/node/port-check';

/** True while a process with this pid exists (zombies excluded on Linux). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

/** Live (non-zombie) pids whose process group is pgid, read from /proc independently of the code under test. */
export function groupPids(pgid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (rest[0] !== 'Z' && Number(rest[2]) === pgid) out.push(Number(d));
    } catch {
      /* exited meanwhile */
    }
  }
  return out.sort((a, b) => a - b);
}

/** Polls until cond() holds, or fails after timeoutMs. */
export async function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every live process (zombies excluded) with its command line, from /proc. */
export function liveProcesses(): (ProcInfo & { cmd: string })[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const info = parseProcStat(readFileSync(`/proc/${d}/stat`, 'utf8'));
        const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ');
        return info && info.state !== 'Z' ? [{ ...info, cmd }] : [];
      } catch {
        return [];
      }
    });
}
