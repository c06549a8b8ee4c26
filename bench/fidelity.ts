/**
 * Measurement fidelity: the client's tokens/s against the simulator's own
 * server-side truth for the same request, completion_tokens / (last_token_ms −
 * received_ms), taken from the sim_timing object beside the final usage.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { streamCompletionDetailed, type CompletionRequest } from '../src/core/bench-client';
import { BUILTIN_PROMPT_TYPES } from '../src/shared/prompts';
import { freePort, startServer } from './processes';

export const SIMULATOR_ENTRY = 'src/simulator/main.ts';
const MODEL = 'Qwen/Qwen2.5-7B-Instruct';
const DRAFT = 'Qwen/Qwen2.5-0.5B-Instruct';

const SimTimingSchema = z.looseObject({
  received_ms: z.number(),
  first_token_ms: z.number(),
  last_token_ms: z.number(),
  completion_tokens: z.number().int().min(1),
});

export interface FidelityRow {
  k: number;
  promptType: string;
  tokens: number;
  chunks: number;
  reportedTps: number;
  truthTps: number;
  errorPct: number;
  ttftClientMs: number;
  ttftServerMs: number;
  /** Client send → server receipt (ms): request building, undici dispatch, loopback. */
  headMs: number;
  /** Server's last token → client's end of stream (ms). */
  tailMs: number;
}

export function simulatorAvailable(root: string): boolean {
  return existsSync(join(root, SIMULATOR_ENTRY));
}

export async function runFidelity(opts: { root: string; k: number; requests: number; maxTokens: number }): Promise<FidelityRow[]> {
  const port = await freePort();
  const spec = opts.k > 0 ? ['--speculative-config', JSON.stringify({ method: 'draft_model', model: DRAFT, num_speculative_tokens: opts.k })] : [];
  const server = await startServer(
    [process.execPath, 'bin/run-ts.js', SIMULATOR_ENTRY, 'serve', MODEL, '--port', String(port), '--disable-log-requests', '--sim-startup-ms', '100', ...spec],
    { cwd: opts.root, port, readyPath: '/health' },
  );
  try {
    const req = (i: number): CompletionRequest => {
      const pt = BUILTIN_PROMPT_TYPES[i % BUILTIN_PROMPT_TYPES.length];
      return {
        baseUrl: server.url,
        model: MODEL,
        api: 'chat',
        system: '',
        prompt: pt.prompt,
        maxTokens: opts.maxTokens,
        temperature: 0,
        seed: 1000 + i,
        // A fixed length makes every request comparable.
        ignoreEos: true,
        connectTimeoutMs: 10_000,
        stallTimeoutMs: 30_000,
      };
    };
    // Warm-up: connection, JIT, the server's first-request costs.
    await streamCompletionDetailed(req(0));
    const rows: FidelityRow[] = [];
    for (let i = 0; i < opts.requests; i++) {
      const d = await streamCompletionDetailed(req(i));
      const t = SimTimingSchema.parse(d.usageChunk?.sim_timing);
      const truthTps = t.completion_tokens / ((t.last_token_ms - t.received_ms) / 1000);
      rows.push({
        k: opts.k,
        promptType: BUILTIN_PROMPT_TYPES[i % BUILTIN_PROMPT_TYPES.length].id,
        tokens: d.metrics.completionTokens,
        chunks: d.metrics.chunkCount,
        reportedTps: d.metrics.tokensPerSecond,
        truthTps,
        errorPct: ((d.metrics.tokensPerSecond - truthTps) / truthTps) * 100,
        ttftClientMs: d.metrics.ttftSeconds * 1000,
        ttftServerMs: t.first_token_ms - t.received_ms,
        // Both clocks are performance.timeOrigin-based epoch ms on the same machine.
        headMs: t.received_ms - d.sentAtEpochMs,
        tailMs: d.sentAtEpochMs + d.metrics.totalSeconds * 1000 - t.last_token_ms,
      });
    }
    return rows;
  } finally {
    await server.stop();
  }
}
