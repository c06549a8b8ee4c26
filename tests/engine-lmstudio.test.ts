/**
 * LM Studio engine: identification from recorded /api/v0/models answers, the
 * draft dropdown rows, the per-request draft configurations and request shape,
 * draft counts from v0 stats (including answers that drafted nothing), the
 * `lms load` flag detection and argv tables, and the recommendation.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineById } from '../src/engines';
import type { PromptRequest } from '../src/engines/engine';
import {
  baselineDraftWarning,
  buildLmsLoadArgv,
  buildLmsReloadArgvs,
  detectLmsLoadFlags,
  listDraftCandidates,
  lmsBuild,
  lmstudioEngine,
  parseLmsLoadHelp,
  type LmsLoadFlags,
} from '../src/engines/lmstudio';
import { SpecTuneError } from '../src/shared/errors';
import { EngineDescriptorSchema } from '../src/shared/engine-descriptor';
import { recordedAsk } from './engine-lmstudio-ollama-helpers';

const MODELS = {
  object: 'list',
  data: [
    { id: 'qwen2.5-7b-instruct', object: 'model', type: 'llm', publisher: 'lmstudio-community', arch: 'qwen2', compatibility_type: 'gguf', quantization: 'Q4_K_M', state: 'loaded', max_context_length: 32768 },
    { id: 'qwen2.5-0.5b-instruct', object: 'model', type: 'llm', arch: 'qwen2', compatibility_type: 'gguf', quantization: 'Q8_0', state: 'not-loaded', max_context_length: 32768 },
    { id: 'qwen2-vl-7b-instruct', object: 'model', type: 'vlm', arch: 'qwen2_vl', compatibility_type: 'mlx', state: 'loaded' },
    { id: 'text-embedding-nomic-embed-text-v1.5', object: 'model', type: 'embeddings', arch: 'nomic-bert', compatibility_type: 'gguf', state: 'loaded' },
    { id: 'llama-3.2-1b-instruct', object: 'model', type: 'llm', arch: 'llama', compatibility_type: 'mlx', state: 'not-loaded' },
  ],
};

const REQ: PromptRequest = { model: 'qwen2.5-7b-instruct', api: 'chat', system: 'Be brief.', prompt: 'Explain speculative decoding.', maxTokens: 128, temperature: 0, seed: 42, ignoreEos: false };

describe('LM Studio descriptor and registry', () => {
  it('is a valid descriptor, attached on :1234, per-request drafts, per-response acceptance, and registered', () => {
    const d = EngineDescriptorSchema.parse(lmstudioEngine.descriptor);
    expect(d).toMatchObject({ id: 'lmstudio', lifecycle: 'attached', defaultPort: 1234, draftPerRequest: true, kChange: 'per-request' });
    expect(d.kChangeNote).toMatch(/load-time setting.*does not set/);
    expect(engineById('lm-studio')).toBe(lmstudioEngine);
    expect(lmstudioEngine.launch).toBeNull();
  });
});

describe('identify', () => {
  it('LM Studio from /api/v0/models: the loaded llm/vlm models, no version', async () => {
    const ask = recordedAsk({ '/api/v0/models': { json: MODELS } });
    expect(await lmstudioEngine.identify(ask)).toEqual({
      version: null,
      models: ['qwen2.5-7b-instruct', 'qwen2-vl-7b-instruct'],
      simulated: false,
      via: '/api/v0/models',
    });
  });

  it('an LM Studio with nothing downloaded is still LM Studio; a simulator says so', async () => {
    expect(await lmstudioEngine.identify(recordedAsk({ '/api/v0/models': { json: { object: 'list', data: [], simulated: true } } }))).toMatchObject({ models: [], simulated: true });
  });

  it('not LM Studio: 404, a network failure, 200 + {error} (LM Studio\'s own answer to unknown paths elsewhere), a plain OpenAI list', async () => {
    expect(await lmstudioEngine.identify(recordedAsk({}))).toBeNull();
    expect(await lmstudioEngine.identify(recordedAsk({ '/api/v0/models': null }))).toBeNull();
    expect(await lmstudioEngine.identify(recordedAsk({ '/api/v0/models': { json: { error: 'Unexpected endpoint or method. (GET /api/v0/models)' } } }))).toBeNull();
    expect(await lmstudioEngine.identify(recordedAsk({ '/api/v0/models': { json: { object: 'list', data: [{ id: 'x', object: 'model', owned_by: 'vllm' }] } } }))).toBeNull();
  });
});

describe('listDraftCandidates', () => {
  it('lists every llm with its arch, state and format (the draft dropdown), not vlm or embeddings', async () => {
    const ask = recordedAsk({ '/api/v0/models': { json: MODELS } });
    expect(await listDraftCandidates(ask)).toEqual([
      { id: 'qwen2.5-7b-instruct', arch: 'qwen2', state: 'loaded', compatibilityType: 'gguf' },
      { id: 'qwen2.5-0.5b-instruct', arch: 'qwen2', state: 'not-loaded', compatibilityType: 'gguf' },
      { id: 'llama-3.2-1b-instruct', arch: 'llama', state: 'not-loaded', compatibilityType: 'mlx' },
    ]);
    expect(await listDraftCandidates(recordedAsk({}))).toEqual([]);
  });
});

describe('configurations and requests', () => {
  it('baseline first, then one per distinct draft model at LM Studio\'s own draft length', () => {
    expect(lmstudioEngine.configurations({ tokens: [0, 2, 4], draftModels: ['a', ' b ', 'a', ''], settings: null })).toEqual([
      { numSpeculativeTokens: 0, draftModel: null },
      { numSpeculativeTokens: null, draftModel: 'a' },
      { numSpeculativeTokens: null, draftModel: 'b' },
    ]);
  });

  it('non-streaming /api/v0 requests, draft_model only where a draft is compared', () => {
    const base = lmstudioEngine.shapeRequest(REQ, { numSpeculativeTokens: 0, draftModel: null, method: null, draftPMin: null });
    expect(base).toEqual({
      path: '/api/v0/chat/completions',
      dialect: 'json',
      body: {
        model: 'qwen2.5-7b-instruct',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Explain speculative decoding.' },
        ],
        stream: false,
        max_tokens: 128,
        temperature: 0,
        seed: 42,
      },
    });
    const draft = lmstudioEngine.shapeRequest({ ...REQ, api: 'completions', system: '' }, { numSpeculativeTokens: null, draftModel: 'qwen2.5-0.5b-instruct', method: null, draftPMin: null });
    expect(draft.path).toBe('/api/v0/completions');
    expect(draft.body).toMatchObject({ prompt: 'Explain speculative decoding.', stream: false, draft_model: 'qwen2.5-0.5b-instruct' });
    expect(draft.body).not.toHaveProperty('stream_options');
  });
});

describe('acceptance and usage from v0 answers', () => {
  const answer = (stats: Record<string, unknown>, usage: unknown = { prompt_tokens: 24, completion_tokens: 53 }) => ({ choices: [], usage, stats });
  const fromResponse = lmstudioEngine.acceptance.kind === 'per-response' ? lmstudioEngine.acceptance.fromResponse : () => null;

  it('per-response: total and accepted draft tokens, no per-position', () => {
    expect(lmstudioEngine.acceptance.kind).toBe('per-response');
    const final = answer({ draft_model: 'd', total_draft_tokens_count: 40, accepted_draft_tokens_count: 30, rejected_draft_tokens_count: 8, ignored_draft_tokens_count: 2 });
    expect(fromResponse(final)).toEqual({ draftTokens: 40, acceptedTokens: 30, drafts: null, acceptedPerPos: null });
  });

  it('no drafting: no draft stats (baseline, or /v1\'s "stats": {}) is null; a draft that proposed nothing is zeros', () => {
    expect(fromResponse(answer({ tokens_per_second: 50, time_to_first_token: 0.1, stop_reason: 'eosFound' }))).toBeNull();
    expect(fromResponse({ choices: [], stats: {} })).toBeNull();
    expect(fromResponse(null)).toBeNull();
    expect(fromResponse(answer({ draft_model: 'd', total_draft_tokens_count: 0, accepted_draft_tokens_count: 0 }))).toEqual({ draftTokens: 0, acceptedTokens: 0, drafts: null, acceptedPerPos: null });
  });

  it('engineUsage: tokens from usage, TTFT from stats.time_to_first_token (engine-reported)', () => {
    expect(lmstudioEngine.engineUsage?.(answer({ time_to_first_token: 0.111 }))).toEqual({ completionTokens: 53, promptTokens: 24, loadSeconds: 0, ttftSeconds: 0.111 });
    expect(lmstudioEngine.engineUsage?.(answer({}, null))).toEqual({ completionTokens: null, promptTokens: null, loadSeconds: 0, ttftSeconds: null });
  });

  it('a baseline answer that drafted anyway (a default draft set in LM Studio) gets a warning; a clean one none', () => {
    expect(baselineDraftWarning(answer({ draft_model: 'qwen2.5-0.5b-instruct', total_draft_tokens_count: 12, accepted_draft_tokens_count: 9 }))).toMatch(/drafted with qwen2.5-0.5b-instruct.*baseline is not one/);
    expect(baselineDraftWarning(answer({ tokens_per_second: 50, time_to_first_token: 0.1 }))).toBeNull();
    expect(baselineDraftWarning(null)).toBeNull();
  });

  it('a draft configuration whose answers carry no draft stats is an error that says why; the baseline is not', () => {
    expect(lmstudioEngine.noDraftingError?.({ numSpeculativeTokens: null, draftModel: 'qwen2.5-0.5b-instruct', method: null, draftPMin: null }, null)).toMatch(/did not use the draft.*vocabulary/);
    expect(lmstudioEngine.noDraftingError?.({ numSpeculativeTokens: 0, draftModel: null, method: null, draftPMin: null }, null)).toBeNull();
  });
});

// Shaped like commander's help for lms load (lmstudio-ai/lms src/subcommands/load.ts, 2026).
const NEW_HELP = `Usage: lms load [options] [model-key]

Load a model

Arguments:
  model-key                                   The model key to load.

Options:
  --gpu <offload-ratio>                       GPU offload ratio.
  -c, --context-length <length>               The number of tokens to consider as context.
  --speculative-draft-mtp                     Enable load-time Draft MTP speculative decoding when supported by the model.
  --no-speculative-draft-mtp                  Disable load-time Draft MTP speculative decoding.
  --speculative-draft-simple                  Enable load-time Draft Simple speculative decoding using --speculative-draft-model.
  --speculative-draft-model <model>           Draft model resource to use with --speculative-draft-simple.
  --speculative-draft-max-tokens <count>      Maximum number of draft tokens to generate per speculative decoding step. Requires
                                              --speculative-draft-simple or --speculative-draft-mtp.
  --speculative-draft-min-tokens <count>      Minimum draft length to consider for speculative decoding.
  --identifier <identifier>                   The identifier to assign to the loaded model.
  -y, --yes                                   Automatically approve all prompts.
  -h, --help                                  display help for command
`;
const OLD_HELP = `Usage: lms load [options] [path]

Load a model

Options:
  --ttl <seconds>              TTL
  --gpu <offload-ratio>        GPU offload ratio.
  -c, --context-length <length>  context
  --identifier <identifier>    The identifier to assign to the loaded model.
  -y, --yes                    Automatically approve all prompts.
  -h, --help                   display help for command
`;

describe('lms load flag detection', () => {
  it.each([
    ['an lms with the load-time speculative flags', NEW_HELP, { draftModel: true, draftMaxTokens: true, draftMtp: true }],
    ['an older lms', OLD_HELP, { draftModel: false, draftMaxTokens: false, draftMtp: false }],
    ['a draft model but no length flag', 'Options:\n  --speculative-draft-simple  x\n  --speculative-draft-model <m>  y\n', { draftModel: true, draftMaxTokens: false, draftMtp: false }],
    ['only a mention in prose, not the flag', 'Options:\n  --foo   see --speculative-draft-max-tokensX\n', { draftModel: false, draftMaxTokens: false, draftMtp: false }],
  ])('%s', (_name, help, want) => {
    expect(parseLmsLoadHelp(help)).toEqual(want);
  });

  describe('running a real command', () => {
    let dir = '';
    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'spectune-lms-'));
      for (const [name, help] of [['lms-new', NEW_HELP], ['lms-old', OLD_HELP]] as const) {
        const file = path.join(dir, name);
        await writeFile(file, `#!/bin/sh\n[ "$1 $2" = "load --help" ] || exit 2\ncat <<'HELP'\n${help}HELP\n`);
        await chmod(file, 0o755);
      }
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('asks `lms load --help` and reads the flags', async () => {
      expect((await detectLmsLoadFlags([path.join(dir, 'lms-new')])).flags).toEqual({ draftModel: true, draftMaxTokens: true, draftMtp: true });
      expect((await detectLmsLoadFlags([path.join(dir, 'lms-old')])).flags.draftMaxTokens).toBe(false);
    });

    it('a missing lms is COMMAND_NOT_FOUND with the install hint', async () => {
      const err = await detectLmsLoadFlags([path.join(dir, 'no-such-lms')]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SpecTuneError);
      expect((err as SpecTuneError).code).toBe('COMMAND_NOT_FOUND');
      expect((err as SpecTuneError).hint).toContain('lmstudio.ai');
    });
  });
});

const NEW: LmsLoadFlags = { draftModel: true, draftMaxTokens: true, draftMtp: true };
const DRAFT_ONLY: LmsLoadFlags = { draftModel: true, draftMaxTokens: false, draftMtp: false };
const OLD: LmsLoadFlags = { draftModel: false, draftMaxTokens: false, draftMtp: false };

describe('lms load argv', () => {
  const spec = { command: ['lms'], model: 'qwen2.5-7b-instruct', draftModel: 'qwen2.5-0.5b-instruct' as string | null, draftMaxTokens: 4 as number | null };
  it.each([
    ['new lms, draft and k', spec, NEW, ['lms', 'load', 'qwen2.5-7b-instruct', '--identifier', 'qwen2.5-7b-instruct', '--yes', '--speculative-draft-simple', '--speculative-draft-model', 'qwen2.5-0.5b-instruct', '--speculative-draft-max-tokens', '4']],
    ['new lms, draft at its default length', { ...spec, draftMaxTokens: null }, NEW, ['lms', 'load', 'qwen2.5-7b-instruct', '--identifier', 'qwen2.5-7b-instruct', '--yes', '--speculative-draft-simple', '--speculative-draft-model', 'qwen2.5-0.5b-instruct']],
    ['new lms, baseline (k = 0) turns MTP off too', { ...spec, draftMaxTokens: 0 }, NEW, ['lms', 'load', 'qwen2.5-7b-instruct', '--identifier', 'qwen2.5-7b-instruct', '--yes', '--no-speculative-draft-mtp']],
    ['old lms, baseline: a plain load', { ...spec, draftModel: null }, OLD, ['lms', 'load', 'qwen2.5-7b-instruct', '--identifier', 'qwen2.5-7b-instruct', '--yes']],
    ['draft-only lms, draft at its default length', { ...spec, draftMaxTokens: null, command: ['/opt/lms'] }, DRAFT_ONLY, ['/opt/lms', 'load', 'qwen2.5-7b-instruct', '--identifier', 'qwen2.5-7b-instruct', '--yes', '--speculative-draft-simple', '--speculative-draft-model', 'qwen2.5-0.5b-instruct']],
  ])('%s', (_name, s, flags, want) => {
    expect(buildLmsLoadArgv(s, flags)).toEqual(want);
  });

  it.each([
    ['old lms cannot load a draft', spec, OLD, 'UNSUPPORTED_DRAFT_MODEL', '--speculative-draft-model'],
    ['draft-only lms cannot set k', spec, DRAFT_ONLY, 'INVALID_INPUT', '--speculative-draft-max-tokens'],
    ['a negative k', { ...spec, draftMaxTokens: -1 }, NEW, 'INVALID_INPUT', 'whole number'],
    ['no model', { ...spec, model: ' ' }, NEW, 'INVALID_INPUT', 'model key'],
  ])('refuses: %s', (_name, s, flags, code, words) => {
    let err: unknown;
    try {
      buildLmsLoadArgv(s, flags);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecTuneError);
    expect((err as SpecTuneError).code).toBe(code);
    expect(`${(err as SpecTuneError).message} ${(err as SpecTuneError).hint ?? ''}`).toContain(words);
  });

  it('a reload unloads the identifier first, then loads', () => {
    expect(buildLmsReloadArgvs({ ...spec, identifier: 'main' }, NEW)).toEqual([
      ['lms', 'unload', 'main'],
      ['lms', 'load', 'qwen2.5-7b-instruct', '--identifier', 'main', '--yes', '--speculative-draft-simple', '--speculative-draft-model', 'qwen2.5-0.5b-instruct', '--speculative-draft-max-tokens', '4'],
    ]);
  });
});

describe('recommend', () => {
  const input = { settings: null, url: 'http://127.0.0.1:1234', model: 'qwen2.5-7b-instruct' };
  it('the draft model, where to set it in LM Studio, and the lms load line where lms takes it', () => {
    const r = lmstudioEngine.recommend({ ...input, config: { numSpeculativeTokens: null, draftModel: 'qwen2.5-0.5b-instruct', method: null, draftPMin: null }, build: lmsBuild(NEW) });
    expect(r.setting).toContain('My Models → qwen2.5-7b-instruct → Speculative Decoding → Draft model = qwen2.5-0.5b-instruct');
    expect(r.setting).toContain('"draft_model": "qwen2.5-0.5b-instruct"');
    expect(r.command).toContain('lms load qwen2.5-7b-instruct');
    expect(r.command).toContain('--speculative-draft-model qwen2.5-0.5b-instruct');
    expect(r.command).toContain('--speculative-draft-simple');
    expect(r.argv).toBeNull();
  });

  it('no lms line without a build that has the flags (or for a k this lms cannot set)', () => {
    const cfg = { numSpeculativeTokens: null, draftModel: 'qwen2.5-0.5b-instruct', method: null, draftPMin: null };
    expect(lmstudioEngine.recommend({ ...input, config: cfg, build: null }).command).toBeNull();
    expect(lmstudioEngine.recommend({ ...input, config: cfg, build: lmsBuild(OLD) }).command).toBeNull();
    expect(lmstudioEngine.recommend({ ...input, config: { numSpeculativeTokens: 3, draftModel: 'd', method: null, draftPMin: null }, build: lmsBuild(DRAFT_ONLY) }).command).toBeNull();
    expect(lmstudioEngine.recommend({ ...input, config: { numSpeculativeTokens: 3, draftModel: 'd', method: null, draftPMin: null }, build: lmsBuild(NEW) }).command).toContain('--speculative-draft-max-tokens 3');
  });

  it('the baseline: no draft model', () => {
    const r = lmstudioEngine.recommend({ ...input, config: { numSpeculativeTokens: 0, draftModel: null, method: null, draftPMin: null }, build: lmsBuild(NEW) });
    expect(r.command).toBeNull();
    expect(r.setting).toMatch(/^no draft model/);
  });
});
