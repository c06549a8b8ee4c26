/**
 * Runs an installed tool's `--version` / `--help` style command and hands back
 * what it printed. No shell; a timeout and SIGKILL so a wedged tool cannot hang
 * a sweep before it starts. Knows no engine: callers read the text.
 */
import { execa } from 'execa';

export interface ToolOutput {
  /** The tool could not be started: ENOENT (not found), EACCES (not executable), or another spawn error (a name too long, E2BIG). */
  missing: 'not-found' | 'not-executable' | 'cannot-start' | null;
  exitCode: number | null;
  timedOut: boolean;
  /** The caller's signal aborted it. */
  canceled: boolean;
  stdout: string;
  stderr: string;
}

export async function runTool(argv: readonly string[], opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ToolOutput> {
  const [file, ...args] = argv;
  const r = await execa(file, args, {
    reject: false,
    stdin: 'ignore',
    timeout: opts.timeoutMs ?? 60_000,
    killSignal: 'SIGKILL',
    windowsHide: true,
    cancelSignal: opts.signal,
  });
  const missing = !r.failed ? null : r.code === 'ENOENT' ? 'not-found' : r.code === 'EACCES' ? 'not-executable' : spawnFailed(r) ? 'cannot-start' : null;
  return { missing, exitCode: r.exitCode ?? null, timedOut: r.timedOut === true, canceled: r.isCanceled === true, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

/** It never ran: no exit code, no signal, not stopped by the timeout or the caller. */
export function spawnFailed(r: { exitCode?: number; signal?: string; timedOut?: boolean; isCanceled?: boolean }): boolean {
  return r.exitCode === undefined && r.signal === undefined && !r.timedOut && !r.isCanceled;
}

/** The last non-empty lines of a tool's output, for an error's log tail. */
export function tailLines(text: string, n = 20): string[] {
  return text.split(/\r?\n/).filter((l) => l.trim()).slice(-n);
}
