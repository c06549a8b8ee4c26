/**
 * Starts `spectune ui` as a real process for the e2e run and stops it again,
 * checking that nothing it launched (simulator, EngineCore) outlives it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface UiServer {
  url: string;
  base: string;
  token: string;
  proc: ChildProcess;
}

const URL_LINE = /^SpecTune UI: (http:\/\/127\.0\.0\.1:\d+)\/\?token=([0-9a-f]{64})\s*$/;

export async function startUi(cwd: string, dataDir: string, timeoutMs = 30_000): Promise<UiServer> {
  const proc = spawn(process.execPath, ['bin/spectune.js', 'ui', '--port', '0', '--data-dir', dataDir, '--no-open'], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BROWSER: 'none' },
  });
  const stderr: string[] = [];
  proc.stderr?.on('data', (b: Buffer) => stderr.push(b.toString()));
  return await new Promise<UiServer>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`spectune ui printed no URL line within ${timeoutMs} ms; stderr: ${stderr.join('')}`));
    }, timeoutMs);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`spectune ui exited early (code ${code}, signal ${signal}); stderr: ${stderr.join('')}`));
    });
    const rl = createInterface({ input: proc.stdout! });
    rl.on('line', (line) => {
      const m = URL_LINE.exec(line);
      if (!m) return;
      clearTimeout(timer);
      proc.removeAllListeners('exit');
      resolve({ url: line.slice('SpecTune UI: '.length).trim(), base: m[1], token: m[2], proc });
    });
  });
}

/** Every live process below `pid` (children, grandchildren — process groups do not matter). */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Field 4 is the ppid; the command name in parentheses may contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(name), ppid);
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    for (const [child, parent] of parentOf) if (parent === p) (out.push(child), queue.push(child));
  }
  return out;
}

export function alive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(state);
  } catch {
    return false;
  }
}

export async function stopUi(proc: ChildProcess, timeoutMs = 20_000): Promise<{ code: number | null; signal: string | null; survivors: number[] }> {
  const pid = proc.pid!;
  const tree = descendants(pid);
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve({ code: proc.exitCode, signal: proc.signalCode });
    else proc.once('exit', (code, signal) => resolve({ code, signal }));
  });
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  const result = await exited;
  clearTimeout(timer);
  // Give the kernel a moment to reap the group the UI server killed.
  const deadline = Date.now() + 5000;
  let survivors = tree.filter(alive);
  while (survivors.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    survivors = tree.filter(alive);
  }
  for (const p of survivors) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return { ...result, survivors };
}
