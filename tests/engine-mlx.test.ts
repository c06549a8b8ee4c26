/**
 * mlx_lm.server behind the engine interface: the version command per command
 * shape (it has no --version of its own), one launch for every k, the request
 * fields that choose k (and unload the draft for the baseline), identification
 * by its bare /health, "not reported" acceptance, recommend(), and detectBuild
 * through real processes.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mlxBuild, mlxLaunchArgv, mlxVersionArgv, mlxVersionFromOutput } from '../src/engines/mlx/argv';
import { detectMlxBuild } from '../src/engines/mlx/detect';
import { mlxEngine } from '../src/engines/mlx';
import { ENGINES } from '../src/engines';
import type { Ask, PromptRequest, SpecConfig } from '../src/engines/engine';
import { SpecTuneError } from '../src/shared/errors';
import { formatCommand } from '../src/shared/shell-words';
import { recordedAsk, scriptDir, settings } from './engine-llamacpp-helpers';

/** argparse's help of mlx_lm.server (mlx-lm 0.28), abridged. */
const HELP = `usage: mlx_lm.server [-h] [--model MODEL] [--adapter-path ADAPTER_PATH] [--host HOST] [--port PORT]
                     [--allowed-origins ALLOWED_ORIGINS] [--draft-model DRAFT_MODEL]
                     [--num-draft-tokens NUM_DRAFT_TOKENS] [--trust-remote-code]

MLX Http Server.

options:
  -h, --help            show this help message and exit
  --model MODEL         The path to the MLX model weights, tokenizer, and config
  --host HOST           Host for the HTTP server (default: 127.0.0.1)
  --port PORT           Port for the HTTP server (default: 8080)
  --draft-model DRAFT_MODEL
                        A model to be used for speculative decoding.
  --num-draft-tokens NUM_DRAFT_TOKENS
                        Number of tokens to draft when using speculative decoding.
`;
const HELP_BEFORE_DRAFTS = HELP.replace(/\[--draft-model[\s\S]*?\[--trust/, '[--trust').replace(/ {2}--draft-model[\s\S]*$/, '');

const M = 'mlx-community/Qwen2.5-7B-Instruct-4bit';
const D = 'mlx-community/Qwen2.5-0.5B-Instruct-4bit';
const BUILD = mlxBuild('0.28.4', HELP);
const S = settings({ command: ['mlx_lm.server'], model: M, draftModel: D });
const base: SpecConfig = { numSpeculativeTokens: 0, draftModel: null, method: null, draftPMin: null };
const k = (n: number): SpecConfig => ({ numSpeculativeTokens: n, draftModel: D, method: null, draftPMin: null });

describe('the version command, per command shape', () => {
  it.each([
    [['mlx_lm.server'], ['mlx_lm', '--version']],
    [['/opt/venv/bin/mlx_lm.server'], ['/opt/venv/bin/mlx_lm', '--version']],
    [['mlx_lm', 'server'], ['mlx_lm', '--version']],
    [['python3', '-m', 'mlx_lm.server'], ['python3', '-c', 'import mlx_lm; print(mlx_lm.__version__)']],
    [['/opt/venv/bin/python', '-m', 'mlx_lm', 'server'], ['/opt/venv/bin/python', '-c', 'import mlx_lm; print(mlx_lm.__version__)']],
    [['node', 'bin/spectune.js', 'sim', 'mlx_lm.server'], null],
  ])('%j → %j', (command, expected) => {
    expect(mlxVersionArgv(command)).toEqual(expected);
  });

  it('reads the version after warnings', () => {
    expect(mlxVersionFromOutput('/opt/venv/lib/python3.12/site-packages/transformers/warning.py:1: FutureWarning: x\n0.28.4\n')).toBe('0.28.4');
    expect(mlxVersionFromOutput('Traceback (most recent call last):')).toBeNull();
  });
});

describe('argv: one launch for every k', () => {
  it('the launch loads the draft and the plan k whatever configuration starts it (requests set k)', () => {
    const s = settings({ command: ['mlx_lm.server'], model: M, draftModel: D, numSpeculativeTokens: 4 });
    const expected = ['mlx_lm.server', '--model', M, '--draft-model', D, '--num-draft-tokens', '4', '--host', '127.0.0.1', '--port', '8080'];
    expect(mlxLaunchArgv(s, base, BUILD)).toEqual(expected);
    expect(mlxLaunchArgv(s, k(4), BUILD)).toEqual(expected);
    expect(mlxLaunchArgv(S, k(6), BUILD)).toEqual([...expected.slice(0, 6), '6', ...expected.slice(7)]);
  });

  it('without a draft model: the baseline launches, k > 0 is refused before launch', () => {
    const s = settings({ command: ['python', '-m', 'mlx_lm', 'server'], model: M, extraArgs: ['--max-tokens', '2048'] });
    expect(mlxLaunchArgv(s, base, BUILD)).toEqual(['python', '-m', 'mlx_lm', 'server', '--model', M, '--host', '127.0.0.1', '--port', '8080', '--max-tokens', '2048']);
    const e = (() => {
      try {
        mlxLaunchArgv(s, { numSpeculativeTokens: 3, draftModel: null, method: null, draftPMin: null }, BUILD);
      } catch (err) {
        return err as SpecTuneError;
      }
      throw new Error('expected a refusal');
    })();
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toMatch(/needs a draft model/);
  });

  it('an mlx-lm without --draft-model is refused by name', () => {
    const old = mlxBuild('0.22.0', HELP_BEFORE_DRAFTS);
    expect(() => mlxLaunchArgv(S, k(3), old)).toThrow(/mlx-lm 0\.22\.0 has no --draft-model/);
  });

  it.each([['--num-draft-tokens'], ['--draft'], ['--port=9000']])('extra arg %s (or an argparse prefix of a managed flag) is refused', (flag) => {
    const s = settings({ command: ['mlx_lm.server'], model: M, draftModel: D, extraArgs: [flag, '5'] });
    expect(() => mlxLaunchArgv(s, k(3), BUILD)).toThrow(/set by SpecTune/);
  });
});

const REQ: PromptRequest = { model: M, api: 'chat', system: '', prompt: 'Write a haiku.', maxTokens: 64, temperature: 0, seed: 1, ignoreEos: false };

describe('requests choose k', () => {
  it('k > 0: num_draft_tokens = k with the draft; baseline: 0 and draft_model null (the server unloads the draft)', () => {
    const spec = mlxEngine.shapeRequest(REQ, k(5));
    expect(spec.path).toBe('/v1/chat/completions');
    expect(spec.dialect).toBe('openai-sse');
    expect(spec.body).toMatchObject({ model: M, num_draft_tokens: 5, draft_model: D, stream: true, stream_options: { include_usage: true } });
    const b = mlxEngine.shapeRequest(REQ, base).body;
    expect(b.num_draft_tokens).toBe(0);
    expect('draft_model' in b && b.draft_model === null).toBe(true);
  });

  it('configurations: every k with the one draft, baseline first without it', () => {
    expect(mlxEngine.configurations({ tokens: [0, 2, 4], draftModels: [], settings: S })).toEqual([base, k(2), k(4)]);
  });
});

describe('identify, acceptance, descriptor', () => {
  const firstIdentified = async (ask: Ask) => {
    for (const e of ENGINES) if (await e.identify(ask)) return e.descriptor.id;
    return null;
  };

  it('a bare /health {"status":"ok"} with models is mlx_lm, and only that', async () => {
    const ask = recordedAsk({ '/health': { json: { status: 'ok' } }, '/v1/models': { json: { object: 'list', data: [{ id: M, object: 'model' }] } } });
    expect(await mlxEngine.identify(ask)).toEqual({ version: null, models: [M], simulated: false, via: '/health' });
    expect(await firstIdentified(ask)).toBe('mlx');
    expect((await mlxEngine.identify(recordedAsk({ '/health': { json: { status: 'ok' }, simulated: true } })))?.simulated).toBe(true);
    expect(await mlxEngine.identify(recordedAsk({ '/health': { json: { status: 'ok', version: '1' } } }))).toBeNull();
    expect(await mlxEngine.identify(recordedAsk({ '/health': { status: 503, json: { status: 'ok' } } }))).toBeNull();
    expect(await mlxEngine.identify(recordedAsk({ '/health': { status: 200, text: '' } }))).toBeNull(); // vLLM's empty 200
  });

  it('reports no acceptance, and says so', () => {
    expect(mlxEngine.acceptance).toEqual({ kind: 'none', reason: 'not reported by mlx_lm' });
    expect(mlxEngine.descriptor.acceptance).toEqual({ kind: 'none', note: 'not reported by mlx_lm', perPosition: false });
    expect(mlxEngine.descriptor.servesOneAtATime).toBe(true);
    expect(mlxEngine.descriptor.kChange).toBe('per-request');
  });

  it('recommend: the exact line, or num_draft_tokens per request; the baseline without a draft', () => {
    const r = mlxEngine.recommend({ config: k(4), settings: S, build: BUILD, url: 'http://127.0.0.1:8080', model: M });
    const argv = ['mlx_lm.server', '--model', M, '--draft-model', D, '--num-draft-tokens', '4', '--host', '127.0.0.1', '--port', '8080'];
    expect(r.argv).toEqual(argv);
    expect(r.command).toBe(formatCommand(argv));
    expect(r.setting).toBe(`--draft-model ${D} --num-draft-tokens 4, or send num_draft_tokens: 4 per request`);
    const b = mlxEngine.recommend({ config: base, settings: S, build: BUILD, url: '', model: M });
    expect(b.argv).toEqual(['mlx_lm.server', '--model', M, '--host', '127.0.0.1', '--port', '8080']);
    expect(mlxEngine.recommend({ config: k(4), settings: null, build: null, url: '', model: M }).command).toBeNull();
  });
});

describe('detectBuild (real processes)', () => {
  const dir = scriptDir({
    'mlx_lm.server': `[ "$1" = "--help" ] && cat <<'HELP'
${HELP}
HELP
[ "$1" = "--help" ] && exit 0
echo "mlx_lm.server: error: unrecognized arguments: $*" >&2; exit 2`,
    mlx_lm: `[ "$1" = "--version" ] && echo 0.28.4`,
    'broken-python': `echo "Traceback (most recent call last):" >&2; echo "ModuleNotFoundError: No module named 'mlx'" >&2; exit 1`,
  });
  const lonely = scriptDir({
    'mlx_lm.server': `[ "$1" = "--help" ] && cat <<'HELP'
${HELP}
HELP
exit 0`,
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(lonely, { recursive: true, force: true });
  });

  it('asks --help, then the mlx_lm CLI beside it for the version', async () => {
    const b = await detectMlxBuild([join(dir, 'mlx_lm.server')]);
    expect(b).toEqual({ raw: 'mlx-lm 0.28.4', facts: { version: '0.28.4', draftModel: true } });
  });

  it('no version anywhere is not fatal: --help already said what it takes', async () => {
    const b = await detectMlxBuild([join(lonely, 'mlx_lm.server')]);
    expect(b.raw).toBe('mlx-lm (version unknown)');
    expect(b.facts.draftModel).toBe(true);
  });

  it('missing, or a Python without mlx-lm: COMMAND_NOT_FOUND with the install hint', async () => {
    for (const command of [[join(dir, 'no-such-mlx_lm.server')], [join(dir, 'broken-python'), '-m', 'mlx_lm.server']]) {
      const err = (await detectMlxBuild(command).catch((e: unknown) => e)) as SpecTuneError;
      expect(err).toBeInstanceOf(SpecTuneError);
      expect(err.code).toBe('COMMAND_NOT_FOUND');
      expect(err.hint).toMatch(/pip install mlx-lm; Apple Silicon only/);
    }
  });
});
