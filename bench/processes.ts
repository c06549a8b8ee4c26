/**
 * Child servers for the bench: started in their own process group so one
 * signal ends the whole tree (the simulator runs an EngineCore child, like vLLM).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net, { type AddressInfo } from 'node:net';

export interface ChildServer {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();

function killGroup(proc: ChildProcess, signal: NodeJS.Signals): void {
  if (proc.pid === undefined) return;
  try {
    process.kill(-proc.pid, signal);
  } catch {
    /* already gone */
  }
}

// A crashed or interrupted bench must not leave servers behind.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    for (const p of live) killGroup(p, 'SIGKILL');
    process.exit(130);
  });
}
process.once('exit', () => {
  for (const p of live) killGroup(p, 'SIGKILL');
});

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Start `argv` and wait until GET `readyPath` answers 200. */
export async function startServer(
  argv: string[],
  opts: { cwd: string; port: number; readyPath: string; timeoutMs?: number },
): Promise<ChildServer> {
  const proc = spawn(argv[0], argv.slice(1), { cwd: opts.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  const tail: string[] = [];
  const keep = (d: Buffer) => {
    tail.push(...d.toString().split('\n').filter(Boolean));
    if (tail.length > 30) tail.splice(0, tail.length - 30);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  let exited: string | null = null;
  const exitedP = new Promise<void>((r) =>
    proc.once('exit', (code, signal) => {
      exited = `exited (code ${code}, signal ${signal})`;
      live.delete(proc);
      r();
    }),
  );

  const url = `http://127.0.0.1:${opts.port}`;
  const stop = async () => {
    if (exited) return;
    killGroup(proc, 'SIGTERM');
    const t = setTimeout(() => killGroup(proc, 'SIGKILL'), 5000);
    await exitedP;
    clearTimeout(t);
    // The group may hold children after the leader exits.
    killGroup(proc, 'SIGKILL');
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${argv.join(' ')} ${exited} before ready:\n${tail.join('\n')}`);
    try {
      const res = await fetch(url + opts.readyPath, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return { url, proc, stop };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`${argv.join(' ')} not ready within ${opts.timeoutMs ?? 30_000} ms:\n${tail.join('\n')}`);
}
