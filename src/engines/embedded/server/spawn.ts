/**
 * Starting the embedded server as a child process (for tests and the bench;
 * a sweep launches it through SpecTune's ServerProcess with the same argv).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const RUN_TS = fileURLToPath(new URL('../../../../bin/run-ts.js', import.meta.url));

export interface EmbeddedServerConfig {
  model: string;
  draftModel?: string;
  /** Draft length; 0 or no draft = no speculation. */
  draftMax?: number;
  /** Confidence cut-off (--draft-p-min); left out = the server's default, 0. */
  draftPMin?: number;
  host?: string;
  port: number;
  extraArgs?: string[];
}

/** The command line, exactly as llama-server would take it (after the node and script words). */
export function embeddedServerCommand(c: EmbeddedServerConfig): string[] {
  const argv = [process.execPath, RUN_TS, MAIN, '--model', c.model];
  if (c.draftModel && (c.draftMax ?? 0) > 0) {
    argv.push('--model-draft', c.draftModel, '--spec-draft-n-max', String(c.draftMax));
    if (c.draftPMin !== undefined) argv.push('--draft-p-min', String(c.draftPMin));
  }
  argv.push('--port', String(c.port), '--host', c.host ?? '127.0.0.1', ...(c.extraArgs ?? []));
  return argv;
}

export interface RunningServer {
  baseUrl: string;
  child: ChildProcess;
  /** Everything the server wrote to stderr so far. */
  log(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code and signal. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startEmbeddedServer(c: EmbeddedServerConfig, readyTimeoutMs = 30_000): Promise<RunningServer> {
  const [cmd, ...args] = embeddedServerCommand(c);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (b: Buffer) => (log += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let done = false;
  void exited.then(() => (done = true));
  const stop = async (graceMs = 5000) => {
    if (!done) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const r = await exited;
      clearTimeout(timer);
      return r;
    }
    return exited;
  };
  const baseUrl = `http://${c.host ?? '127.0.0.1'}:${c.port}`;
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (done) throw new Error(`the embedded server exited before it was ready:\n${log}`);
    try {
      const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return { baseUrl, child, log: () => log, stop };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`the embedded server was not ready within ${readyTimeoutMs} ms:\n${log}`);
}
