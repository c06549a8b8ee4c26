/** vLLM's per-batch-size draft length: ranges from the level picks, the version gate, the argv. */
import { describe, expect, it } from 'vitest';
import { boundaryAbove, buildSchedule, maxNumSeqs, scheduleSettings } from '../src/engines/vllm/schedule';
import { buildVllmArgv, parseVllmVersion } from '../src/engines/vllm/argv';
import { vllmEngine } from '../src/engines/vllm';
import { llamaCppEngine } from '../src/engines/llamacpp';
import { buildMlxArgv, mlxBuild } from '../src/engines/mlx/argv';
import { SpecTuneError } from '../src/shared/errors';
import { parseOrThrow, ServerSettingsSchema, type ServerSettingsInput } from '../src/shared/schemas';

const v = (text: string) => parseVllmVersion(text)!;
const settings = (over: Partial<ServerSettingsInput> = {}) =>
  parseOrThrow(ServerSettingsSchema, { model: 'Qwen/Qwen2.5-7B-Instruct', method: 'eagle3', draftModel: 'eagle-head', numSpeculativeTokens: 5, ...over });

function specConfig(argv: string[]): Record<string, unknown> {
  return JSON.parse(argv[argv.indexOf('--speculative-config') + 1]) as Record<string, unknown>;
}

function thrown(fn: () => unknown): SpecTuneError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SpecTuneError);
    return e as SpecTuneError;
  }
  throw new Error('expected a SpecTuneError');
}

describe('buildSchedule', () => {
  it('runs one range per level, split at the geometric middle between levels, the first from batch 1, the last ending at its own level', () => {
    const s = buildSchedule([
      { concurrency: 8, numSpeculativeTokens: 3 },
      { concurrency: 1, numSpeculativeTokens: 5 },
      { concurrency: 32, numSpeculativeTokens: 0 },
    ]);
    expect(s).toMatchObject({ kind: 'schedule', entries: [[1, 2, 5], [3, 16, 3], [17, 32, 0]], numSpeculativeTokens: 5 });
    // A closed loop at 32 runs at a batch of 31 between replacements: that must not fall into the range below.
    expect(boundaryAbove(1, 32)).toBe(6);
    expect(boundaryAbove(31, 32)).toBe(32);
    expect(s.note).toMatch(/largest measured level decides every larger batch/);
    expect(s.note).toMatch(/--max-num-seqs/);
  });

  it('merges equal neighbours, and every K is at most num_speculative_tokens', () => {
    const s = buildSchedule([
      { concurrency: 1, numSpeculativeTokens: 4 },
      { concurrency: 4, numSpeculativeTokens: 4 },
      { concurrency: 16, numSpeculativeTokens: 2 },
      { concurrency: 32, numSpeculativeTokens: 2 },
      { concurrency: 64, numSpeculativeTokens: 0 },
    ]);
    if (s.kind !== 'schedule') throw new Error(s.kind);
    expect(s.entries).toEqual([[1, 8, 4], [9, 45, 2], [46, 64, 0]]);
    expect(s.entries.every((e) => e[2] <= s.numSpeculativeTokens)).toBe(true);
    // A launch with it passes the schema's own check (K <= k, start <= end).
    expect(() => settings({ numSpeculativeTokens: s.numSpeculativeTokens, speculativeSchedule: s.entries })).not.toThrow();
  });

  it('needs no schedule when one k wins everywhere, and no speculation when k = 0 does', () => {
    expect(buildSchedule([{ concurrency: 1, numSpeculativeTokens: 3 }, { concurrency: 32, numSpeculativeTokens: 3 }])).toMatchObject({ kind: 'plain', numSpeculativeTokens: 3 });
    expect(buildSchedule([{ concurrency: 1, numSpeculativeTokens: 0 }, { concurrency: 32, numSpeculativeTokens: 0 }])).toMatchObject({ kind: 'off', numSpeculativeTokens: 0 });
  });
});

describe('the version gate and the argv', () => {
  const entries: [number, number, number][] = [[1, 7, 5], [8, 31, 2], [32, 32, 0]];

  it('puts num_speculative_tokens_per_batch_size into the speculative config on vLLM 0.24+', () => {
    const argv = buildVllmArgv(settings({ speculativeSchedule: entries }), v('0.24.0'));
    expect(specConfig(argv)).toMatchObject({ method: 'eagle3', num_speculative_tokens: 5, num_speculative_tokens_per_batch_size: entries });
  });

  it('refuses a schedule before 0.24, naming the version', () => {
    const e = thrown(() => buildVllmArgv(settings({ speculativeSchedule: entries }), v('0.23.1')));
    expect(e.message).toMatch(/vLLM 0\.23\.1 has no per-batch-size draft length/);
    expect(thrown(() => buildVllmArgv(settings({ method: 'draft_model', speculativeSchedule: entries }), v('0.6.3'))).message).toMatch(/0\.6\.3/);
  });

  it('never emits disable_by_batch_size, even when passed through extra arguments', () => {
    const argv = buildVllmArgv(settings({ speculativeSchedule: entries, extraArgs: ['--speculative-disable-by-batch-size', '--max-num-seqs', '64'] }), v('0.25.1'));
    expect(argv.join(' ')).not.toMatch(/disable.by.batch.size/);
    expect(argv).toContain('--max-num-seqs');
  });

  it('engine.load: a schedule on 0.24+, with the upstream caveat for draft models; one k below, said', () => {
    const load = vllmEngine.load!;
    const ok = load.schedule!({ entries, settings: settings({ method: 'draft_model' }), build: { raw: '0.24.0', facts: {} } });
    if (!('settings' in ok)) throw new Error(ok.unsupported);
    expect(ok.settings.speculativeSchedule).toEqual(entries);
    expect(ok.settings.numSpeculativeTokens).toBe(5);
    expect(ok.note).toMatch(/upstream tests the schedule with EAGLE-family methods/i);
    const old = load.schedule!({ entries, settings: settings(), build: { raw: '0.15.1', facts: {} } });
    expect(old).toEqual({ unsupported: expect.stringMatching(/0\.15\.1 .*recommend one k for the target level/) });
    expect(scheduleSettings(entries, settings({ extraArgs: ['--data-parallel-size', '2'] }), v('0.24.0'))).toEqual({ unsupported: expect.stringMatching(/data-parallel/) });
    expect(load.planSchedule!([{ concurrency: 1, numSpeculativeTokens: 5 }, { concurrency: 32, numSpeculativeTokens: 0 }])).toMatchObject({ entries: [[1, 5, 5], [6, 32, 0]] });
  });

  it('reads the batch limit from --max-num-seqs, and says unknown without it', () => {
    expect(maxNumSeqs(['--max-num-seqs=48'])).toEqual({ limit: 48, flag: '--max-num-seqs' });
    expect(vllmEngine.load!.batchLimit!(settings({ extraArgs: ['--max-num-seqs', '128'] }), null)).toEqual({ limit: 128, flag: '--max-num-seqs' });
    expect(vllmEngine.load!.batchLimit!(settings(), null)).toBeNull();
  });

  it('other launched engines refuse a schedule in their argv', () => {
    const llama = settings({ engine: 'llamacpp', command: ['llama-server'], method: undefined, draftModel: 'draft.gguf', model: 'm.gguf', numSpeculativeTokens: 5, speculativeSchedule: entries });
    expect(thrown(() => llamaCppEngine.launch!.argv(llama, { numSpeculativeTokens: 5, draftModel: 'draft.gguf', method: null, draftPMin: null }, { raw: 'b7800', facts: {} })).message).toMatch(/no per-batch-size draft length/);
    const mlx = settings({ engine: 'mlx', command: ['mlx_lm.server'], method: undefined, draftModel: 'd', model: 'm', speculativeSchedule: entries });
    expect(thrown(() => buildMlxArgv(mlx, { draftModel: 'd', k: 5 }, mlxBuild('0.28.0', '--draft-model --num-draft-tokens'))).message).toMatch(/no per-batch-size draft length/);
  });
});
