/**
 * The engine side of load levels and the sweep's notes: mlx_lm refuses levels
 * above 1 with a draft, LM Studio refuses them for an MLX-format model (asked of
 * its persona over HTTP), llama-server's batch limit comes from -np or the
 * default its --help states, and the notes/schedule helpers the sweep uses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlxEngine } from '../src/engines/mlx';
import { lmstudioEngine } from '../src/engines/lmstudio';
import { llamaCppEngine } from '../src/engines/llamacpp';
import { detectLlamaBuild } from '../src/engines/llamacpp/detect';
import { parallelDefaultFromHelp, parallelFromArgs } from '../src/engines/llamacpp/load';
import { askAt } from '../src/core/probes';
import { interChunkStats } from '../src/core/bench-client';
import { batchLimitNote, clientCpuNote, SweepNotes } from '../src/core/sweep/level-notes';
import { aggregateOf } from '../src/core/sweep/schedule-check';
import { simulatorCommand } from '../src/core/simulator-command';
import type { Measurement } from '../src/shared/schemas';
import { settings } from './engine-llamacpp-helpers';
import { killAllPersonas, startPersona, stopPersona, type PersonaProcess } from './sim-persona-harness';

const LLAMA_SIM = [...simulatorCommand(), 'llama-server'];

describe('mlx_lm: one request at a time with a draft', () => {
  it('refuses levels above 1 for a k > 0 and measures the baseline (draft unloaded)', async () => {
    const refuse = mlxEngine.load!.refuseConcurrency!;
    expect(await refuse({ config: { numSpeculativeTokens: 3, draftModel: 'd', method: null, draftPMin: null }, settings: null, ask: null })).toMatch(/one request at a time while a draft model is loaded/);
    expect(await refuse({ config: { numSpeculativeTokens: 0, draftModel: null, method: null, draftPMin: null }, settings: null, ask: null })).toBeNull();
  });
});

describe('LM Studio: MLX models cannot speculate batched', { timeout: 60_000 }, () => {
  let mlx: PersonaProcess;
  let gguf: PersonaProcess;
  beforeAll(async () => {
    const args = ['--model', 'qwen2.5-7b-instruct', '--draft-models', 'qwen2.5-0.5b-instruct', '--sim-step-ms', '5'];
    [mlx, gguf] = await Promise.all([startPersona('lmstudio', [...args, '--sim-format', 'mlx']), startPersona('lmstudio', args)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([mlx && stopPersona(mlx), gguf && stopPersona(gguf)]);
    killAllPersonas();
  });

  it('reads compatibility_type from /api/v0/models: mlx with a draft refused, gguf and the baseline measured', async () => {
    const refuse = lmstudioEngine.load!.refuseConcurrency!;
    const draft = { numSpeculativeTokens: null, draftModel: 'qwen2.5-0.5b-instruct', method: null, draftPMin: null };
    const model = 'qwen2.5-7b-instruct';
    expect(await refuse({ config: draft, settings: null, ask: askAt(mlx.url), model })).toMatch(/MLX engine refuses speculative decoding for batched/);
    // Without the model's name, what is loaded decides.
    expect(await refuse({ config: draft, settings: null, ask: askAt(mlx.url), model: null })).toMatch(/MLX/);
    expect(await refuse({ config: draft, settings: null, ask: askAt(gguf.url), model })).toBeNull();
    expect(await refuse({ config: { numSpeculativeTokens: null, draftModel: null, method: null, draftPMin: null }, settings: null, ask: askAt(mlx.url), model })).toBeNull();
  });
});

describe('llama-server batch limit', () => {
  it('takes -np / --parallel from extraArgs, in every spelling', () => {
    expect(parallelFromArgs(['-np', '8'])).toBe(8);
    expect(parallelFromArgs(['--ctx-size', '4096', '--parallel', '4'])).toBe(4);
    expect(parallelFromArgs(['--parallel=16'])).toBe(16);
    expect(parallelFromArgs(['--ctx-size', '4096'])).toBeNull();
  });

  it('reads the default from --help; -1 (chosen at start-up) is no known limit', () => {
    const entry = (d: string) => `  -np,   --parallel N                    number of parallel sequences to decode (default: ${d})\n                                        (env: LLAMA_ARG_N_PARALLEL)\n  --port PORT    port`;
    expect(parallelDefaultFromHelp(entry('1'))).toBe(1);
    expect(parallelDefaultFromHelp(entry('-1'))).toBeNull();
    expect(parallelDefaultFromHelp('  --port PORT    port')).toBeNull();
  });

  it('the build detected from the persona carries its default, and a level above it gets a batch-limit note', { timeout: 60_000 }, async () => {
    const build = await detectLlamaBuild(LLAMA_SIM);
    expect(build.facts.parallelDefault).toBe(1);
    const s = settings({ engine: 'llama.cpp', command: LLAMA_SIM, model: 'm.gguf', port: 8080 });
    expect(llamaCppEngine.load!.batchLimit!(s, build)).toEqual({ limit: 1, flag: '--parallel' });
    const four = { ...s, extraArgs: ['-np', '4'] };
    expect(llamaCppEngine.load!.batchLimit!(four, build)).toEqual({ limit: 4, flag: '--parallel' });
    expect(batchLimitNote(llamaCppEngine, four, build, 4)).toBeNull();
    const note = batchLimitNote(llamaCppEngine, four, build, 8);
    expect(note).toMatchObject({ kind: 'batch-limit', concurrency: 8 });
    expect(note!.message).toMatch(/requests will queue; TTFT includes queueing/);
    // An engine without a batch limit says nothing.
    expect(batchLimitNote(mlxEngine, null, null, 64)).toBeNull();
  });
});

describe('sweep notes', () => {
  it('client CPU above half a core over the steady window is noted, with what to do', () => {
    expect(clientCpuNote(0.4, 1, 8)).toBeNull();
    expect(clientCpuNote(1, null, 8)).toBeNull();
    const { note, share } = clientCpuNote(1.5, 2, 32)!;
    expect(share).toBeCloseTo(0.75, 9);
    expect(note).toMatchObject({ kind: 'client-cpu', concurrency: 32 });
    expect(note.message).toMatch(/75% of one CPU core.*distorted.*another machine/);
  });

  it('each note once per level; the busiest client figure kept', () => {
    const notes = new SweepNotes();
    for (const [cpu, level] of [[0.6, 8], [0.9, 8], [0.7, 8], [0.7, 16]]) {
      const n = clientCpuNote(cpu, 1, level)!;
      notes.add(n.note, n.share);
    }
    const list = notes.list();
    expect(list).toHaveLength(2);
    expect(list[0].message).toMatch(/90%/);
  });
});

describe('schedule confirmation arithmetic', () => {
  it("a round's aggregate is c × Σ tokens / Σ request seconds of its ok requests", () => {
    const m = (tokens: number, seconds: number, ok = true) =>
      ({ ok, metrics: ok ? { completionTokens: tokens, totalSeconds: seconds } : undefined }) as unknown as Measurement;
    // 4 × 200 tokens / 4 s: the failed request counts neither its tokens nor its time.
    expect(aggregateOf([m(100, 2), m(100, 2), m(50, 1, false)], 4)).toBeCloseTo(200, 9);
    expect(aggregateOf([m(0, 0, false)], 4)).toBeNull();
  });
});

describe('inter-chunk p99', () => {
  it('is the 99th percentile of the gaps, between p95 and the max', () => {
    // 200 gaps: 198 of 10 ms, then 100 ms and 500 ms.
    const times = [0];
    for (let i = 0; i < 198; i++) times.push(times.at(-1)! + 10);
    times.push(times.at(-1)! + 100, times.at(-1)! + 100 + 500);
    const s = interChunkStats(times);
    expect(s.count).toBe(200);
    expect(s.p95Seconds).toBeCloseTo(0.01, 9);
    expect(s.p99Seconds!).toBeGreaterThan(0.01);
    expect(s.p99Seconds!).toBeLessThan(0.5);
    expect(interChunkStats([5]).p99Seconds).toBeNull();
  });
});
