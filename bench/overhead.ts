/**
 * Client overhead: CPU time the bench client spends per SSE chunk while a
 * separate process streams vLLM-shaped chunks to it, in bulk (many chunks per
 * read) or paced (one chunk per read, as a generating server sends them).
 */
import { streamCompletion } from '../src/core/bench-client';
import { freePort, startServer } from './processes';

export interface OverheadRound {
  chunks: number;
  cpuUs: number;
  wallMs: number;
  usPerChunk: number;
  chunksPerSecWall: number;
}

export async function runOverhead(opts: { root: string; chunks: number; rounds: number; gapMs: number }): Promise<OverheadRound[]> {
  const port = await freePort();
  const server = await startServer(
    [process.execPath, 'bin/run-ts.js', 'bench/flood-server.ts', '--port', String(port), '--chunks', String(opts.chunks), '--gap-ms', String(opts.gapMs)],
    { cwd: opts.root, port, readyPath: '/health' },
  );
  try {
    const run = () =>
      streamCompletion({
        baseUrl: server.url,
        model: 'Qwen/Qwen2.5-7B-Instruct',
        api: 'chat',
        system: '',
        prompt: 'flood',
        maxTokens: opts.chunks,
        temperature: 0,
        seed: 1,
        ignoreEos: true,
        connectTimeoutMs: 10_000,
        stallTimeoutMs: 30_000,
      });
    // Warm-up round: JIT and the server's buffer, not counted.
    await run();
    const rounds: OverheadRound[] = [];
    for (let i = 0; i < opts.rounds; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await run();
      const wallMs = performance.now() - t0;
      const c = process.cpuUsage(c0);
      // Nothing is subtracted: this process does nothing else meanwhile, so all its CPU time is the
      // client's (HTTP, SSE parsing, JSON, timing, GC, and when paced the event-loop wake-ups
      // between chunks). An upper bound; an idle baseline measured here proved noisier than what
      // it would remove.
      const cpuUs = c.user + c.system;
      rounds.push({
        chunks: r.chunkCount,
        cpuUs,
        wallMs,
        usPerChunk: cpuUs / r.chunkCount,
        chunksPerSecWall: r.chunkCount / (wallMs / 1000),
      });
    }
    return rounds;
  } finally {
    await server.stop();
  }
}

/**
 * CPU this process spends merely waking up every `gapMs` with nothing to do:
 * the platform's floor under any paced stream. On a virtual machine a wake-up
 * (timer or socket interrupt, VM exits) can cost more than the client's own
 * work on a chunk, so the bench prints it beside the paced numbers.
 */
export async function wakeUpFloorUs(gapMs: number, wakes: number): Promise<number> {
  const c0 = process.cpuUsage();
  for (let i = 0; i < wakes; i++) await new Promise((r) => setTimeout(r, gapMs));
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / wakes;
}
