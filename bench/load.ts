/**
 * Load-level fidelity: the sweep's closed loop (src/core/sweep/load.ts) keeping
 * N streams in flight against the paced flood server in its own process.
 * The client's aggregate tokens/s (Little's law: c × Σ tokens / Σ request
 * seconds over the measured requests) is compared with the server's own count
 * of tokens written over the same steady window (GET /stats); and the client's
 * CPU per 1000 tokens says how much of a core the measuring costs at that load.
 */
import { measureLevel } from '../src/core/sweep/level';
import type { MatrixCell } from '../src/core/sweep/setup';
import { openAiRequest } from '../src/engines/common/openai-request';
import type { Engine } from '../src/engines/engine';
import { mlxEngine } from '../src/engines/mlx';
import { SweepPlanSchema, type Measurement } from '../src/shared/schemas';
import { resolvePromptTypes, resolveSystemPrompts } from '../src/shared/prompts';
import { freePort, startServer } from './processes';

export interface LoadRow {
  round: number;
  streams: number;
  requests: number;
  windowSeconds: number;
  clientTps: number;
  truthTps: number;
  errorPct: number;
  cpuMsPer1000: number;
  cpuShareOfCore: number;
  /** Requests the client held in flight, time-averaged over the window (c if replacements were instant). */
  meanInFlight: number;
  /** Little's law with the achieved concurrency instead of c: Σ tokens / Σ seconds × meanInFlight. */
  achievedTps: number;
  achievedErrorPct: number;
}

// The OpenAI request path with nothing engine-specific and no acceptance source: only the client is measured.
const engine: Engine = { ...mlxEngine, load: undefined, shapeRequest: (req) => openAiRequest(req) };

export async function runLoad(opts: { root: string; streams: number; chunks: number; gapMs: number; repeats: number; rounds: number }): Promise<LoadRow[]> {
  const port = await freePort();
  const server = await startServer(
    [process.execPath, 'bin/run-ts.js', 'bench/flood-server.ts', '--port', String(port), '--chunks', String(opts.chunks), '--gap-ms', String(opts.gapMs)],
    { cwd: opts.root, port, readyPath: '/health' },
  );
  try {
    const plan = SweepPlanSchema.parse({ mode: 'attached', url: server.url, tokens: [0], promptTypes: ['code'], systemPrompts: ['direct'], repeats: opts.repeats, maxTokens: opts.chunks, warmup: false, stallTimeoutMs: 60_000 });
    const matrix: MatrixCell[] = [{ pt: resolvePromptTypes(plan.promptTypes)[0], sp: resolveSystemPrompts(plan.systemPrompts)[0] }];
    const level = async () => {
      const recorded: Measurement[] = [];
      const r = await measureLevel({
        plan,
        engine,
        build: null,
        config: { numSpeculativeTokens: 0, draftModel: null, method: null, draftPMin: null },
        matrix,
        concurrency: opts.streams,
        warmup: false,
        baseUrl: server.url,
        model: 'Qwen/Qwen2.5-7B-Instruct',
        launched: true,
        configAbort: new AbortController(),
        crashed: () => null,
        onPhase: () => {},
        record: async (m) => void recorded.push(m),
      });
      return { r, recorded };
    };
    // Warm-up level: JIT, the connection pool and the server's timers; not counted.
    await level();
    const rows: LoadRow[] = [];
    for (let round = 1; round <= opts.rounds; round++) {
      const { r, recorded } = await level();
      const ok = recorded.filter((m) => m.ok && m.metrics);
      if (ok.length !== recorded.length || !r.steadyWindowEpochMs || !r.steadyWindowSeconds) throw new Error(`round ${round}: ${recorded.length - ok.length} failed requests`);
      const tokens = ok.reduce((n, m) => n + m.metrics!.completionTokens, 0);
      const seconds = ok.reduce((n, m) => n + m.metrics!.totalSeconds, 0);
      const clientTps = (opts.streams * tokens) / seconds;
      const { start, end } = r.steadyWindowEpochMs;
      const stats = (await (await fetch(`${server.url}/stats?from=${start}&to=${end}`)).json()) as { tokens: number };
      const truthTps = stats.tokens / ((end - start) / 1000);
      rows.push({
        round,
        streams: opts.streams,
        requests: recorded.length,
        windowSeconds: r.steadyWindowSeconds,
        clientTps,
        truthTps,
        errorPct: ((clientTps - truthTps) / truthTps) * 100,
        cpuMsPer1000: (r.clientCpuSeconds * 1000) / (stats.tokens / 1000),
        cpuShareOfCore: r.clientCpuSeconds / r.steadyWindowSeconds,
        meanInFlight: r.meanInFlight ?? 0,
        achievedTps: (tokens / seconds) * (r.meanInFlight ?? 0),
        achievedErrorPct: (((tokens / seconds) * (r.meanInFlight ?? 0) - truthTps) / truthTps) * 100,
      });
    }
    return rows;
  } finally {
    await server.stop();
  }
}
