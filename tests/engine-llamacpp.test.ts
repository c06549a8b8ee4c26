/**
 * llama.cpp's llama-server behind the engine interface: flags per build read
 * from --help as llama.cpp prints it, the argv table per build generation,
 * identification from recorded /props answers (and what it must not claim),
 * acceptance from timings including "nothing was drafted", recommend(), and
 * build detection through real processes.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildLlamaArgv, LLAMA_MANAGED_FLAGS } from '../src/engines/common/llama-server/argv';
import { flagsFromHelp, llamaFlagsOf, parseHelpFlags, parseLlamaVersion, toEngineBuild } from '../src/engines/common/llama-server/build';
import { detectLlamaBuild } from '../src/engines/llamacpp/detect';
import { llamaCppEngine } from '../src/engines/llamacpp';
import { ENGINES } from '../src/engines';
import type { Ask, EngineBuild, SpecConfig } from '../src/engines/engine';
import { SpecTuneError } from '../src/shared/errors';
import { formatCommand } from '../src/shared/shell-words';
import { HELP_JUNE, HELP_NGRAM_OLD_FLAGS, HELP_NO_SPEC, HELP_OLD, HELP_RENAMED, recordedAsk, scriptDir, settings } from './engine-llamacpp-helpers';

const VERSION_STDERR = (n: number, hash: string) =>
  `load_backend: loaded CPU backend from /usr/local/lib/libggml-cpu-haswell.so\nversion: ${n} (${hash})\nbuilt with cc (Ubuntu 13.3.0-6ubuntu2~24.04) 13.3.0 for x86_64-linux-gnu\n`;

function buildOf(help: string, n = 7800, hash = 'f07d3b6'): EngineBuild {
  const f = flagsFromHelp(help, { build: n, commit: hash });
  if (!f) throw new Error('test bug: fixture help does not parse');
  return toEngineBuild(f);
}

const BUILDS = {
  old: buildOf(HELP_OLD, 5000, '3a9f1c2'),
  ngramOld: buildOf(HELP_NGRAM_OLD_FLAGS, 7400, '11aa22b'),
  renamed: buildOf(HELP_RENAMED, 8100, '8d41b7e'),
  june: buildOf(HELP_JUNE, 8500, 'c52e0a9'),
  noSpec: buildOf(HELP_NO_SPEC, 3900, '0badc0d'),
};

const M = '/models/qwen2.5-7b-instruct-q4_k_m.gguf';
const D = '/models/qwen2.5-0.5b-instruct-q4_k_m.gguf';
const S = settings({ command: ['llama-server'], model: M, draftModel: D });
const base: SpecConfig = { numSpeculativeTokens: 0, draftModel: null, method: null, draftPMin: null };
const k4: SpecConfig = { numSpeculativeTokens: 4, draftModel: D, method: null, draftPMin: null };
const TAIL = ['--port', '8080', '--host', '127.0.0.1', '--metrics'];

function codeOf(fn: () => unknown): { code: string; message: string; hint?: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof SpecTuneError) return { code: err.code, message: err.message, hint: err.hint };
    throw err;
  }
  throw new Error('expected a SpecTuneError');
}

describe('llama-server --version and --help', () => {
  it('reads the build from stderr after backend log lines', () => {
    expect(parseLlamaVersion(VERSION_STDERR(6123, 'abc1234'))).toEqual({ build: 6123, commit: 'abc1234' });
    expect(parseLlamaVersion('llama-server: command output without a version')).toBeNull();
  });

  it('takes only the leading flags of an entry: a description that says "use --spec-draft-n-max" is not a flag', () => {
    const h = parseHelpFlags(HELP_RENAMED);
    expect(h.known.has('-m')).toBe(true);
    expect(h.known.has('--model')).toBe(true); // after llama.cpp's padded "-m,    --model"
    expect(h.known.has('--spec-draft-n-max')).toBe(true);
    expect([...h.removed].sort()).toEqual(['--draft', '--draft-max', '--draft-min', '--draft-n', '--draft-n-min', '--spec-ngram-size-n']);
    expect(h.known.has('--draft-max')).toBe(false);
    expect(h.known.has('--spec-ngram-mod-n-max')).toBe(false); // only mentioned in a removal notice
    expect(h.known.has('-')).toBe(false); // " - 0: generic output" in a wrapped description
  });

  it.each([
    ['old (2025)', HELP_OLD, { draftLength: '--draft-max', draftMin: '--draft-min', draftModel: '--model-draft', specType: 'absent' }],
    ['early 2026, n-gram --spec-type only', HELP_NGRAM_OLD_FLAGS, { draftLength: '--draft-max', draftMin: '--draft-min', draftModel: '--model-draft', specType: 'ngram-only' }],
    ['after the April 2026 rename', HELP_RENAMED, { draftLength: '--spec-draft-n-max', draftMin: '--spec-draft-n-min', draftModel: '--model-draft', specType: 'ngram-only' }],
    ['June 2026 (--spec-type draft-simple)', HELP_JUNE, { draftLength: '--spec-draft-n-max', draftMin: '--spec-draft-n-min', draftModel: '--model-draft', specType: 'draft-simple' }],
    ['before server speculation', HELP_NO_SPEC, { draftLength: '', draftMin: '', specType: 'absent' }],
  ])('flag generation: %s', (_name, help, expected) => {
    const f = flagsFromHelp(help, { build: 1, commit: 'x' });
    expect(f).toMatchObject({ ...expected, metrics: true });
  });

  it('refuses help text that is not llama-server', () => {
    expect(flagsFromHelp('usage: llama-cli [options]\n  -p, --prompt PROMPT   prompt', null)).toBeNull();
  });

  it('survives a round trip through EngineBuild facts (what crosses IPC and reports)', () => {
    const back = llamaFlagsOf(JSON.parse(JSON.stringify(BUILDS.june)) as EngineBuild);
    expect(back).toEqual(llamaFlagsOf(BUILDS.june));
    expect(BUILDS.june.raw).toBe('b8500 (c52e0a9)');
  });
});

describe('argv per build', () => {
  const table: [string, EngineBuild, SpecConfig, string[]][] = [
    ['old baseline: no draft at all', BUILDS.old, base, ['llama-server', '--model', M, ...TAIL]],
    ['old k=4: -md drafts, --draft-max and --draft-min 0', BUILDS.old, k4, ['llama-server', '--model', M, '--model-draft', D, '--draft-max', '4', '--draft-min', '0', '--draft-p-min', '0', ...TAIL]],
    ['n-gram-era baseline says --spec-type none', BUILDS.ngramOld, base, ['llama-server', '--model', M, '--spec-type', 'none', ...TAIL]],
    ['n-gram-era k=4: -md drafts by itself (no draft-simple type exists)', BUILDS.ngramOld, k4, ['llama-server', '--model', M, '--model-draft', D, '--draft-max', '4', '--draft-min', '0', ...TAIL]],
    ['renamed k=4: --spec-draft-n-max', BUILDS.renamed, k4, ['llama-server', '--model', M, '--model-draft', D, '--spec-draft-n-max', '4', '--spec-draft-n-min', '0', '--spec-draft-p-min', '0', ...TAIL]],
    ['June baseline: --spec-type none', BUILDS.june, base, ['llama-server', '--model', M, '--spec-type', 'none', ...TAIL]],
    [
      'June k=4: --spec-type draft-simple',
      BUILDS.june,
      k4,
      ['llama-server', '--model', M, '--model-draft', D, '--spec-type', 'draft-simple', '--spec-draft-n-max', '4', '--spec-draft-n-min', '0', '--spec-draft-p-min', '0', ...TAIL],
    ],
    ['June, the engine default k (null): draft, no length', BUILDS.june, { numSpeculativeTokens: null, draftModel: D, method: null, draftPMin: null }, ['llama-server', '--model', M, '--model-draft', D, '--spec-type', 'draft-simple', '--spec-draft-p-min', '0', ...TAIL]],
    [
      'old k=6 at p_min 0.3: --draft-p-min',
      BUILDS.old,
      { numSpeculativeTokens: 6, draftModel: D, method: null, draftPMin: 0.3 },
      ['llama-server', '--model', M, '--model-draft', D, '--draft-max', '6', '--draft-min', '0', '--draft-p-min', '0.3', ...TAIL],
    ],
    [
      'June k=6 at p_min 0.6, draft named as the alias "draft": --spec-type draft-simple --spec-draft-p-min',
      BUILDS.june,
      { numSpeculativeTokens: 6, draftModel: D, method: 'draft', draftPMin: 0.6 },
      ['llama-server', '--model', M, '--model-draft', D, '--spec-type', 'draft-simple', '--spec-draft-n-max', '6', '--spec-draft-n-min', '0', '--spec-draft-p-min', '0.6', ...TAIL],
    ],
    [
      'June n-gram k=4: its type and length, no draft model, no cut-off',
      BUILDS.june,
      { numSpeculativeTokens: 4, draftModel: null, method: 'ngram-simple', draftPMin: null },
      ['llama-server', '--model', M, '--spec-type', 'ngram-simple', '--spec-draft-n-max', '4', '--spec-draft-n-min', '0', ...TAIL],
    ],
    [
      'renamed (n-gram types only) ngram-mod k=3',
      BUILDS.renamed,
      { numSpeculativeTokens: 3, draftModel: null, method: 'ngram-mod', draftPMin: null },
      ['llama-server', '--model', M, '--spec-type', 'ngram-mod', '--spec-draft-n-max', '3', '--spec-draft-n-min', '0', ...TAIL],
    ],
    [
      'n-gram-era ngram-simple k=5: the old length flag',
      BUILDS.ngramOld,
      { numSpeculativeTokens: 5, draftModel: null, method: 'ngram-simple', draftPMin: null },
      ['llama-server', '--model', M, '--spec-type', 'ngram-simple', '--draft-max', '5', '--draft-min', '0', ...TAIL],
    ],
  ];
  it.each(table)('%s', (_name, build, config, expected) => {
    expect(llamaCppEngine.launch!.argv(S, config, build)).toEqual(expected);
  });

  it('never writes a removed flag on renamed builds, for any k', () => {
    for (const k of [1, 2, 3, 5, 8, 16]) {
      const argv = buildLlamaArgv(S, { numSpeculativeTokens: k, draftModel: D, method: null, draftPMin: null }, BUILDS.june);
      for (const removed of ['--draft-max', '--draft', '--draft-n', '--draft-min']) expect(argv).not.toContain(removed);
    }
  });

  it('passes host, port and extra args through after its own flags', () => {
    const s = settings({ command: ['/opt/llama/bin/llama-server'], model: M, host: '0.0.0.0', port: 9931, extraArgs: ['-ngl', '99', '--ctx-size', '8192'] });
    expect(buildLlamaArgv(s, base, BUILDS.june)).toEqual(['/opt/llama/bin/llama-server', '--model', M, '--spec-type', 'none', '--port', '9931', '--host', '0.0.0.0', '--metrics', '-ngl', '99', '--ctx-size', '8192']);
  });

  it('k > 0 without a draft model is refused before launch', () => {
    const s = settings({ command: ['llama-server'], model: M });
    const e = codeOf(() => buildLlamaArgv(s, { numSpeculativeTokens: 3, draftModel: null, method: null, draftPMin: null }, BUILDS.june));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toMatch(/needs a draft model/);
  });

  it('a build without server speculation is refused by name', () => {
    const e = codeOf(() => buildLlamaArgv(S, k4, BUILDS.noSpec));
    expect(e.code).toBe('UNSUPPORTED_DRAFT_MODEL');
    expect(e.message).toContain('b3900 (0badc0d)');
    // The baseline still runs there.
    expect(buildLlamaArgv(S, base, BUILDS.noSpec)).toEqual(['llama-server', '--model', M, ...TAIL]);
  });

  it('refuses a --spec-type the build does not list, naming those it does', () => {
    const s = settings({ command: ['llama-server'], model: M, method: 'ngram' });
    const e = codeOf(() => buildLlamaArgv(s, { numSpeculativeTokens: 4, draftModel: null, method: null, draftPMin: null }, BUILDS.june));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toContain('has no --spec-type ngram');
    expect(e.hint).toMatch(/ngram-simple.*draft-simple/);
    // A build without draft-simple in its list: the draft-model types are refused there, n-gram ones taken.
    expect(codeOf(() => buildLlamaArgv(S, { numSpeculativeTokens: 4, draftModel: D, method: 'draft-eagle3', draftPMin: 0 }, BUILDS.renamed)).hint).toContain('ngram-simple');
    // A build with no --spec-type at all takes draft-model speculation only.
    const old = codeOf(() => buildLlamaArgv(S, { numSpeculativeTokens: 4, draftModel: null, method: 'ngram-simple', draftPMin: null }, BUILDS.old));
    expect(old.message).toContain('it has no --spec-type at all');
  });

  it('reads the --spec-type values from --help', () => {
    expect(llamaFlagsOf(BUILDS.june).specTypes.split(' ')).toEqual(expect.arrayContaining(['ngram-simple', 'ngram-mod', 'draft-simple', 'draft-eagle3']));
    expect(llamaFlagsOf(BUILDS.renamed).specTypes).not.toContain('draft-simple');
    expect(llamaFlagsOf(BUILDS.old)).toMatchObject({ specTypes: '', draftPMin: '--draft-p-min' });
    expect(llamaFlagsOf(BUILDS.june).draftPMin).toBe('--spec-draft-p-min');
  });

  it.each([
    ['a managed flag', ['--spec-draft-n-max', '8'], /set by SpecTune/],
    ['a managed flag in --flag=value form', ['--port=9000'], /set by SpecTune/],
    ['a managed short flag', ['-md', '/x.gguf'], /set by SpecTune/],
    ['the cut-off', ['--draft-p-min', '0.5'], /set by SpecTune \(draftPMin\)/],
  ])('extra args: %s is refused', (_name, extraArgs, message) => {
    const s = settings({ command: ['llama-server'], model: M, extraArgs });
    const e = codeOf(() => buildLlamaArgv(s, base, BUILDS.june));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toMatch(message);
  });

  it('extra args: a flag the build removed or does not know is refused, naming the build', () => {
    const removed = codeOf(() => buildLlamaArgv(settings({ command: ['llama-server'], model: M, extraArgs: ['--spec-ngram-size-n', '12'] }), base, BUILDS.june));
    expect(removed.code).toBe('INVALID_INPUT');
    expect(removed.message).toContain('llama-server b8500 (c52e0a9) has removed --spec-ngram-size-n');
    const unknown = codeOf(() => buildLlamaArgv(settings({ command: ['llama-server'], model: M, extraArgs: ['--no-such-flag'] }), base, BUILDS.old));
    expect(unknown.code).toBe('INVALID_INPUT');
    expect(unknown.message).toContain('llama-server b5000 (3a9f1c2) does not take --no-such-flag');
  });

  it('lists every flag it writes as managed', () => {
    for (const build of Object.values(BUILDS)) {
      for (const config of [base, k4]) {
        let argv: string[];
        try {
          argv = buildLlamaArgv(S, config, build);
        } catch {
          continue;
        }
        for (const w of argv.slice(1)) if (w.startsWith('-') && w !== '--metrics') expect(LLAMA_MANAGED_FLAGS[w], w).toBeDefined();
      }
    }
  });
});

const LLAMA_PROPS = {
  default_generation_settings: { id: 0, n_ctx: 4096, params: { 'speculative.n_max': 16, 'speculative.n_min': 0 } },
  total_slots: 1,
  model_path: '/models/qwen2.5-7b-instruct-q4_k_m.gguf',
  chat_template: '',
  build_info: 'b7800-f07d3b6',
};

function firstIdentified(ask: Ask) {
  return (async () => {
    for (const e of ENGINES) {
      const id = await e.identify(ask);
      if (id) return { engine: e.descriptor.id, ...id };
    }
    return null;
  })();
}

describe('identify', () => {
  it('names llama-server from /props, its build from build_info and models from /v1/models', async () => {
    const ask = recordedAsk({
      '/props': { json: LLAMA_PROPS },
      '/v1/models': { json: { object: 'list', data: [{ id: 'qwen2.5-7b-instruct-q4_k_m.gguf', object: 'model' }] } },
      '/health': { json: { status: 'ok' } },
    });
    expect(await llamaCppEngine.identify(ask)).toEqual({ version: 'b7800 (f07d3b6)', models: ['qwen2.5-7b-instruct-q4_k_m.gguf'], simulated: false, via: '/props' });
    // Through the registry: llama.cpp wins over mlx_lm, whose bare /health {"status":"ok"} it also answers.
    expect((await firstIdentified(ask))?.engine).toBe('llama.cpp');
  });

  it('falls back to the model_path file name when /v1/models is missing', async () => {
    const id = await llamaCppEngine.identify(recordedAsk({ '/props': { json: LLAMA_PROPS } }));
    expect(id?.models).toEqual(['qwen2.5-7b-instruct-q4_k_m.gguf']);
  });

  it('does not claim LM Studio, which answers unknown paths with 200 and an error object', async () => {
    const ask = recordedAsk({ '/props': { status: 200, json: { error: 'Unexpected endpoint or method. (GET /props)' } } });
    expect(await llamaCppEngine.identify(ask)).toBeNull();
  });

  it("does not claim the embedded engine's server (build_info 'embedded …')", async () => {
    const ask = recordedAsk({ '/props': { json: { ...LLAMA_PROPS, build_info: 'embedded node-llama-cpp 3.21.1' } } });
    expect(await llamaCppEngine.identify(ask)).toBeNull();
    expect((await firstIdentified(ask))?.engine).toBe('embedded');
  });

  it('reports a simulated llama-server as simulated', async () => {
    const id = await llamaCppEngine.identify(recordedAsk({ '/props': { json: { ...LLAMA_PROPS, simulated: true } } }));
    expect(id?.simulated).toBe(true);
  });

  it('a loading server (503) or a network failure is not identified', async () => {
    expect(await llamaCppEngine.identify(recordedAsk({ '/props': { status: 503, json: { error: { code: 503, message: 'Loading model' } } } }))).toBeNull();
    expect(await llamaCppEngine.identify(recordedAsk({ '/props': null }))).toBeNull();
  });
});

describe('acceptance from timings', () => {
  const from = (final: Record<string, unknown> | null) => {
    if (llamaCppEngine.acceptance.kind !== 'per-response') throw new Error('expected per-response acceptance');
    return llamaCppEngine.acceptance.fromResponse(final);
  };

  it('reads draft_n / draft_n_accepted from the final usage chunk', () => {
    const final = {
      choices: [],
      usage: { completion_tokens: 665, prompt_tokens: 808, total_tokens: 1473 },
      timings: { cache_n: 804, prompt_n: 4, prompt_ms: 128.3, predicted_n: 665, predicted_ms: 20629.2, predicted_per_second: 32.2, draft_n: 604, draft_n_accepted: 515 },
    };
    expect(from(final)).toEqual({ draftTokens: 604, acceptedTokens: 515, drafts: null, acceptedPerPos: null });
  });

  it('timings without draft fields mean nothing was drafted (0), no timings mean not reported (null)', () => {
    expect(from({ choices: [], usage: { completion_tokens: 64 }, timings: { predicted_n: 64, predicted_ms: 900 } })).toEqual({ draftTokens: 0, acceptedTokens: 0, drafts: null, acceptedPerPos: null });
    expect(from({ choices: [], usage: { completion_tokens: 64 } })).toBeNull();
    expect(from(null)).toBeNull();
    expect(from({ timings: { draft_n: 'many' } })).toBeNull();
  });

  it('passes per-position counts and drafts through where the server sends them', () => {
    expect(from({ timings: { draft_n: 12, draft_n_accepted: 7, draft_n_drafts: 4, draft_n_accepted_per_pos: [4, 2, 1] } })).toEqual({ draftTokens: 12, acceptedTokens: 7, drafts: 4, acceptedPerPos: [4, 2, 1] });
  });

  it('no drafting at k > 0 is an error that says why, by build', () => {
    expect(llamaCppEngine.noDraftingError!(base, BUILDS.june)).toBeNull();
    const june = llamaCppEngine.noDraftingError!(k4, BUILDS.june);
    expect(june).toMatch(/draft model loaded but speculation is off/);
    expect(june).toMatch(/--spec-type draft-simple/);
    expect(june).toContain('b8500 (c52e0a9)');
    expect(llamaCppEngine.noDraftingError!(k4, BUILDS.old)).toMatch(/drafts whenever --model-draft is given/);
    expect(llamaCppEngine.noDraftingError!(k4, null)).toMatch(/--spec-type draft-simple/);
  });
});

describe('recommend', () => {
  it('gives the exact llama-server line for the build', () => {
    const r = llamaCppEngine.recommend({ config: k4, settings: S, build: BUILDS.june, url: 'http://127.0.0.1:8080', model: null });
    const argv = ['llama-server', '--model', M, '--model-draft', D, '--spec-type', 'draft-simple', '--spec-draft-n-max', '4', '--spec-draft-n-min', '0', '--spec-draft-p-min', '0', ...TAIL];
    expect(r.argv).toEqual(argv);
    expect(r.command).toBe(formatCommand(argv));
    expect(r.setting).toBe(`--model-draft ${D} --spec-type draft-simple --spec-draft-n-max 4 --spec-draft-p-min 0`);
    const old = llamaCppEngine.recommend({ config: k4, settings: S, build: BUILDS.old, url: '', model: null });
    expect(old.command).toContain('--draft-max 4');
    expect(old.setting).toBe(`--model-draft ${D} --draft-max 4 --draft-p-min 0`);
  });

  it('baseline: no draft; without settings or build: the setting in words', () => {
    const r = llamaCppEngine.recommend({ config: base, settings: S, build: BUILDS.june, url: '', model: null });
    expect(r.argv).toEqual(['llama-server', '--model', M, '--spec-type', 'none', ...TAIL]);
    const words = llamaCppEngine.recommend({ config: k4, settings: null, build: null, url: 'http://127.0.0.1:8080', model: 'x' });
    expect(words.command).toBeNull();
    expect(words.setting).toMatch(/--spec-draft-n-max 4/);
    expect(words.setting).toMatch(/--draft-max/);
  });
});

describe('detectBuild (real processes)', () => {
  const dir = scriptDir({
    'llama-server-june': `case "$1" in
  --version) printf '%s' '${VERSION_STDERR(8500, 'c52e0a9')}' >&2; exit 0;;
  --help) cat <<'HELP'
${HELP_JUNE}
HELP
  exit 0;;
esac
exit 1`,
    'llama-server-old': `case "$1" in
  --version) echo 'version: 5000 (3a9f1c2)' >&2; echo 'built with cc for x86_64-linux-gnu' >&2;;
  --help) cat <<'HELP'
${HELP_OLD}
HELP
;;
esac`,
    'not-llama': `echo "usage: something else"; exit 0`,
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the build and its flags', async () => {
    const june = await detectLlamaBuild([join(dir, 'llama-server-june')]);
    expect(june.raw).toBe('b8500 (c52e0a9)');
    expect(llamaFlagsOf(june)).toMatchObject({ build: 8500, draftLength: '--spec-draft-n-max', specType: 'draft-simple' });
    const old = await detectLlamaBuild([join(dir, 'llama-server-old')]);
    expect(llamaFlagsOf(old)).toMatchObject({ build: 5000, draftLength: '--draft-max', specType: 'absent' });
  });

  it('a missing binary is COMMAND_NOT_FOUND with the install hint', async () => {
    const err = await detectLlamaBuild([join(dir, 'no-such-llama-server')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecTuneError);
    expect((err as SpecTuneError).code).toBe('COMMAND_NOT_FOUND');
    expect((err as SpecTuneError).hint).toMatch(/brew install llama\.cpp/);
  });

  it('a command that is not llama-server is VERSION_UNKNOWN, not a guess', async () => {
    const err = await detectLlamaBuild([join(dir, 'not-llama')]).catch((e: unknown) => e);
    expect((err as SpecTuneError).code).toBe('VERSION_UNKNOWN');
  });
});

describe('configurations: the cross product of the knobs', () => {
  const D2 = '/models/qwen2.5-1.5b-instruct-q4_k_m.gguf';
  const of = (input: { methods?: string[]; draftModels?: string[]; draftPMins?: number[] }, tokens = [0, 2, 4]) =>
    llamaCppEngine.configurations({ tokens, draftModels: input.draftModels ?? [], methods: input.methods, draftPMins: input.draftPMins, settings: S });

  it('two drafts × two cut-offs: the baseline once, then every k of each arm, the cut-off always a number', () => {
    const configs = of({ draftModels: [D, D2], draftPMins: [0, 0.5] });
    expect(configs[0]).toEqual(base);
    expect(configs.slice(1).map((c) => [c.draftModel, c.draftPMin, c.numSpeculativeTokens])).toEqual([
      [D, 0, 2], [D, 0, 4], [D, 0.5, 2], [D, 0.5, 4], [D2, 0, 2], [D2, 0, 4], [D2, 0.5, 2], [D2, 0.5, 4],
    ]);
  });

  it('a method without a draft model gets no draft and no cut-off; "draft" is draft-simple', () => {
    const configs = of({ methods: ['draft', 'ngram-simple'], draftPMins: [0.3] }, [0, 3]);
    expect(configs).toEqual([
      base,
      { numSpeculativeTokens: 3, draftModel: D, method: 'draft-simple', draftPMin: 0.3 },
      { numSpeculativeTokens: 3, draftModel: null, method: 'ngram-simple', draftPMin: null },
    ]);
  });

  it('nothing asked for: the launch draft at cut-off 0 (passed, not left to the build default)', () => {
    expect(of({}, [0, 5])).toEqual([base, { numSpeculativeTokens: 5, draftModel: D, method: null, draftPMin: 0 }]);
  });
});
