/**
 * The argv builder against every row of the vLLM version table (src/engines/vllm/argv.ts), and the
 * copy-paste command helpers against a real POSIX shell.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SpecTuneError } from '../src/shared/errors';
import { parseOrThrow, ServerSettingsSchema, type ServerSettingsInput } from '../src/shared/schemas';
import {
  buildVllmArgs,
  buildVllmArgv,
  flagStyle,
  parseVllmVersion,
  usesApiServerModule,
  type VllmVersion,
} from '../src/engines/vllm/argv';
import { formatCommand, shellQuote, splitArgs } from '../src/shared/shell-words';
import { versionArgv, versionFromOutput } from '../src/engines/vllm/version';
import { vllmEngine } from '../src/engines/vllm';

function v(text: string): VllmVersion {
  const parsed = parseVllmVersion(text);
  if (!parsed) throw new Error(`test bug: ${text} does not parse`);
  return parsed;
}

function argv(input: Partial<ServerSettingsInput>, version: string): string[] {
  const s = parseOrThrow(ServerSettingsSchema, { model: 'Qwen/Qwen2.5-7B-Instruct', port: 8000, ...input });
  return buildVllmArgv(s, v(version));
}

/** The value after a flag, or undefined. */
function flagValue(words: string[], flag: string): string | undefined {
  const i = words.indexOf(flag);
  return i >= 0 ? words[i + 1] : undefined;
}

function specConfig(words: string[]): Record<string, unknown> {
  const raw = flagValue(words, '--speculative-config');
  expect(raw, `no --speculative-config in ${words.join(' ')}`).toBeDefined();
  return JSON.parse(raw as string) as Record<string, unknown>;
}

function thrown(fn: () => unknown): SpecTuneError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SpecTuneError);
    return e as SpecTuneError;
  }
  throw new Error('expected a SpecTuneError, nothing was thrown');
}

/** What a real shell makes of a command line: each word it would pass, NUL-separated. */
function shellWords(commandLine: string): string[] {
  const out = execFileSync('sh', ['-c', `f() { for a in "$@"; do printf '%s\\0' "$a"; done; }; f ${commandLine}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

const DRAFT = { draftModel: 'Qwen/Qwen2.5-0.5B-Instruct', numSpeculativeTokens: 5 };

describe('parseVllmVersion', () => {
  it.each([
    ['0.6.3.post1', 0, 6, 3, '0.6.3.post1'],
    ['v0.10.1rc1', 0, 10, 1, 'v0.10.1rc1'],
    ['vllm 0.11.0+cu128', 0, 11, 0, '0.11.0+cu128'],
    ['0.8', 0, 8, 0, '0.8'],
    ['1.2.3\n', 1, 2, 3, '1.2.3'],
  ])('%s', (text, major, minor, patch, raw) => {
    expect(parseVllmVersion(text)).toEqual({ major, minor, patch, raw });
  });

  it('returns null for text without a version', () => {
    expect(parseVllmVersion('command not found')).toBeNull();
  });

  it('finds the version after log lines in --version output', () => {
    expect(versionFromOutput('INFO 11-28 12:00:00 [__init__.py:241] Automatically detected platform cuda.\n0.11.0\n')?.raw).toBe('0.11.0');
    expect(versionFromOutput('WARNING torch 2.5.1 is old\nvllm 0.9.2\n')).toMatchObject({ minor: 9, patch: 2 });
    expect(versionFromOutput('Traceback (most recent call last):\nImportError: libcudart.so.12')).toBeNull();
  });

  it('asks the api_server module form for vllm.__version__ instead of starting a server', () => {
    expect(versionArgv(['python3', '-m', 'vllm.entrypoints.openai.api_server'])).toEqual(['python3', '-c', 'import vllm; print(vllm.__version__)']);
    expect(versionArgv(['/opt/venv/bin/vllm'])).toEqual(['/opt/venv/bin/vllm', '--version']);
  });
});

describe('flagStyle: the version table', () => {
  it.each([
    ['0.5.4', 'legacy'],
    ['0.6.3.post1', 'legacy'],
    ['0.7.3', 'legacy'],
    ['0.8.0', 'config-model'],
    ['0.9.2', 'config-model'],
    ['0.10.0', 'config-method-only'],
    ['0.11.0', 'config-method-only'],
    ['0.14.1', 'config-method-only'],
    ['0.15.0', 'config-draft-model'],
    ['0.16.2', 'config-draft-model'],
    ['1.0.0', 'config-draft-model'],
  ])('%s → %s', (version, style) => {
    expect(flagStyle(v(version))).toBe(style);
  });
});

describe('baseline (k = 0)', () => {
  it.each(['0.6.3', '0.7.3', '0.8.5', '0.11.0', '0.15.1'])('has no speculative flags on %s, even with a draft model set', (version) => {
    const words = argv({ draftModel: 'd', numSpeculativeTokens: 0 }, version);
    expect(words).toEqual(['vllm', 'serve', 'Qwen/Qwen2.5-7B-Instruct', '--host', '127.0.0.1', '--port', '8000']);
  });
});

describe('≤ 0.7.x: old flags', () => {
  it.each(['0.6.3.post1', '0.7.3'])('draft model on %s', (version) => {
    const words = argv(DRAFT, version);
    expect(flagValue(words, '--speculative-model')).toBe('Qwen/Qwen2.5-0.5B-Instruct');
    expect(flagValue(words, '--num-speculative-tokens')).toBe('5');
    expect(words).not.toContain('--speculative-config');
  });

  it('ngram on 0.7.3 uses "[ngram]" and the lookup window', () => {
    const words = argv({ method: 'ngram', numSpeculativeTokens: 3, ngramPromptLookupMax: 6, ngramPromptLookupMin: 2 }, '0.7.3');
    expect(words.slice(7)).toEqual([
      '--speculative-model', '[ngram]',
      '--num-speculative-tokens', '3',
      '--ngram-prompt-lookup-max', '6',
      '--ngram-prompt-lookup-min', '2',
    ]);
  });

  it('ngram lookup max defaults to 4', () => {
    expect(flagValue(argv({ method: 'ngram', numSpeculativeTokens: 3 }, '0.6.1'), '--ngram-prompt-lookup-max')).toBe('4');
  });

  it('refuses methods those releases did not have', () => {
    const err = thrown(() => argv({ method: 'mtp', numSpeculativeTokens: 1 }, '0.7.3'));
    expect(err.code).toBe('UNSUPPORTED_DRAFT_MODEL');
    expect(err.message).toContain('0.7.3');
  });
});

describe('0.8 – 0.9: --speculative-config with the model', () => {
  it.each(['0.8.0', '0.8.5.post1', '0.9.2'])('draft model on %s', (version) => {
    const words = argv(DRAFT, version);
    expect(specConfig(words)).toEqual({ model: 'Qwen/Qwen2.5-0.5B-Instruct', num_speculative_tokens: 5 });
    expect(words).not.toContain('--speculative-model');
    expect(words).not.toContain('--num-speculative-tokens');
  });

  it('ngram on 0.9.2', () => {
    expect(specConfig(argv({ method: 'ngram', numSpeculativeTokens: 7 }, '0.9.2'))).toEqual({
      method: 'ngram',
      num_speculative_tokens: 7,
      prompt_lookup_max: 4,
    });
  });
});

describe('0.10 – 0.14: methods only, draft models refused', () => {
  it.each(['0.10.0', '0.10.1.1', '0.11.0', '0.12.0', '0.13.0', '0.14.1'])('draft model refused on %s, naming the version', (version) => {
    const err = thrown(() => argv(DRAFT, version));
    expect(err.code).toBe('UNSUPPORTED_DRAFT_MODEL');
    expect(err.message).toContain(version);
    expect(err.hint).toMatch(/ngram/);
    expect(err.hint).toMatch(/0\.15/);
  });

  it('explicit method draft_model is refused too', () => {
    expect(thrown(() => argv({ ...DRAFT, method: 'draft_model' }, '0.11.0')).code).toBe('UNSUPPORTED_DRAFT_MODEL');
  });

  it('ngram with the lookup window', () => {
    expect(specConfig(argv({ method: 'ngram', numSpeculativeTokens: 3, ngramPromptLookupMax: 5, ngramPromptLookupMin: 2 }, '0.11.0'))).toEqual({
      method: 'ngram',
      num_speculative_tokens: 3,
      prompt_lookup_max: 5,
      prompt_lookup_min: 2,
    });
  });

  it.each(['eagle', 'eagle3', 'medusa'] as const)('%s carries its head model', (method) => {
    expect(specConfig(argv({ method, draftModel: 'yuhuili/EAGLE-LLaMA3-Instruct-8B', numSpeculativeTokens: 4 }, '0.12.0'))).toEqual({
      method,
      model: 'yuhuili/EAGLE-LLaMA3-Instruct-8B',
      num_speculative_tokens: 4,
    });
  });

  it('mtp needs no extra model', () => {
    expect(specConfig(argv({ method: 'mtp', numSpeculativeTokens: 1 }, '0.13.0'))).toEqual({ method: 'mtp', num_speculative_tokens: 1 });
  });

  it('eagle without its head model is an input error, not a launch', () => {
    const err = thrown(() => argv({ method: 'eagle', numSpeculativeTokens: 3 }, '0.11.0'));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.hint).toMatch(/draft-model/);
  });
});

describe('≥ 0.15: method draft_model', () => {
  it.each(['0.15.0', '0.15.1', '0.16.2', '1.0.0'])('draft model on %s', (version) => {
    expect(specConfig(argv(DRAFT, version))).toEqual({
      method: 'draft_model',
      model: 'Qwen/Qwen2.5-0.5B-Instruct',
      num_speculative_tokens: 5,
    });
  });

  it('the config is one argv word of valid JSON (no shell involved)', () => {
    const words = argv(DRAFT, '0.15.1');
    const i = words.indexOf('--speculative-config');
    expect(words[i + 2]).toBeUndefined();
  });
});

describe('command forms and pass-through', () => {
  it('api_server module form takes --model', () => {
    const words = argv({ command: ['python3', '-m', 'vllm.entrypoints.openai.api_server'], ...DRAFT }, '0.6.3');
    expect(words.slice(0, 5)).toEqual(['python3', '-m', 'vllm.entrypoints.openai.api_server', '--model', 'Qwen/Qwen2.5-7B-Instruct']);
    expect(words).not.toContain('serve');
    expect(usesApiServerModule(['python3', '-m', 'vllm.entrypoints.openai.api_server'])).toBe(true);
    expect(usesApiServerModule(['vllm'])).toBe(false);
  });

  it('a full path command keeps serve', () => {
    expect(argv({ command: ['/opt/venv/bin/vllm'] }, '0.11.0').slice(0, 3)).toEqual(['/opt/venv/bin/vllm', 'serve', 'Qwen/Qwen2.5-7B-Instruct']);
  });

  it('server knobs come before speculation, extra args last and verbatim', () => {
    const words = argv(
      {
        ...DRAFT,
        host: '0.0.0.0',
        port: 8123,
        gpuMemoryUtilization: 0.85,
        tensorParallelSize: 2,
        maxModelLen: 8192,
        extraArgs: ['--enforce-eager', '--max-num-seqs', '8', '--served-model-name', 'my model'],
      },
      '0.15.1',
    );
    expect(words.slice(3)).toEqual([
      '--host', '0.0.0.0',
      '--port', '8123',
      '--gpu-memory-utilization', '0.85',
      '--tensor-parallel-size', '2',
      '--max-model-len', '8192',
      '--speculative-config', JSON.stringify({ method: 'draft_model', model: 'Qwen/Qwen2.5-0.5B-Instruct', num_speculative_tokens: 5 }),
      '--enforce-eager', '--max-num-seqs', '8', '--served-model-name', 'my model',
    ]);
  });

  it.each(['0.6.1', '0.6.3', '0.7.3', '0.9.2', '0.11.0', '0.15.1'])('never emits --use-v2-block-manager on %s', (version) => {
    const words = argv({ ...DRAFT, ...(version.startsWith('0.11') ? { method: 'ngram', draftModel: undefined } : {}), extraArgs: ['--use-v2-block-manager', '--use-v2-block-manager=true', '--enforce-eager'] }, version);
    expect(words.some((w) => w.startsWith('--use-v2-block-manager'))).toBe(false);
    expect(words).toContain('--enforce-eager');
  });

  it('buildVllmArgs is the argv without the command words', () => {
    const s = parseOrThrow(ServerSettingsSchema, { command: ['python', '-m', 'vllm.entrypoints.openai.api_server'], model: 'm' });
    expect(buildVllmArgs(s, v('0.11.0'))).toEqual(['--model', 'm', '--host', '127.0.0.1', '--port', '8000']);
  });
});

describe('shellQuote / formatCommand / splitArgs', () => {
  it('quotes only what needs it', () => {
    expect(shellQuote('Qwen/Qwen2.5-7B-Instruct')).toBe('Qwen/Qwen2.5-7B-Instruct');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('my model')).toBe("'my model'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('{"model": "x"}')).toBe(`'{"model": "x"}'`);
  });

  it('formats one flag per line with the command and model first', () => {
    const words = argv(DRAFT, '0.15.1');
    const text = formatCommand(words);
    const lines = text.split('\n');
    expect(lines[0]).toBe('vllm serve Qwen/Qwen2.5-7B-Instruct \\');
    expect(lines[1].trim()).toBe('--host 127.0.0.1 \\');
    expect(lines.at(-1)?.trim()).toBe(`--speculative-config '{"method":"draft_model","model":"Qwen/Qwen2.5-0.5B-Instruct","num_speculative_tokens":5}'`);
  });

  it('a real shell turns the formatted command back into the same argv', () => {
    const cases = [
      argv(DRAFT, '0.15.1'),
      argv({ ...DRAFT, command: ['python3', '-m', 'vllm.entrypoints.openai.api_server'] }, '0.7.3'),
      argv({ method: 'ngram', numSpeculativeTokens: 3, extraArgs: ['--served-model-name', "Bob's model", '--enforce-eager', '--chat-template', '{{ x }} $HOME `id`'] }, '0.11.0'),
    ];
    for (const words of cases) expect(shellWords(formatCommand(words))).toEqual(words);
  });

  it('splitArgs splits like a shell', () => {
    const inputs = [
      '--enforce-eager --max-num-seqs 8',
      `--speculative-config '{"method": "ngram", "num_speculative_tokens": 5}'`,
      `--speculative-config='{"method":"ngram","num_speculative_tokens":5}'`,
      '--served-model-name "my model" --x=\'a b\'c',
      '  --a\\ b   "quote \\" inside" \'\'  ',
      '--chat-template "{{ messages }}"',
    ];
    for (const text of inputs) expect(splitArgs(text), text).toEqual(shellWords(text));
    expect(splitArgs('')).toEqual([]);
    expect(splitArgs(`--speculative-config='{"method":"ngram"}'`)).toEqual(['--speculative-config={"method":"ngram"}']);
  });

  it('splitArgs → argv → formatCommand → shell round-trips user extra args', () => {
    const extra = splitArgs(`--served-model-name "team model" --override-generation-config '{"temperature": 0}'`);
    const words = argv({ extraArgs: extra }, '0.15.1');
    expect(words.slice(-4)).toEqual(['--served-model-name', 'team model', '--override-generation-config', '{"temperature": 0}']);
    expect(shellWords(formatCommand(words))).toEqual(words);
  });
});

describe('methods compared in one sweep (the engine lists one configuration per method, k and draft)', () => {
  const D = 'Qwen/Qwen2.5-0.5B-Instruct';
  const launch = (config: { method: string | null; draftModel: string | null; k: number }, version: string) => {
    const s = parseOrThrow(ServerSettingsSchema, { model: 'Qwen/Qwen2.5-7B-Instruct', port: 8000, draftModel: D });
    return vllmEngine.launch!.argv(s, { numSpeculativeTokens: config.k, draftModel: config.draftModel, method: config.method, draftPMin: null }, { raw: version, facts: {} });
  };

  it('a lookup method gets no model even when the launch names a draft for the other arms', () => {
    expect(specConfig(launch({ method: 'ngram', draftModel: null, k: 4 }, '0.15.1'))).toEqual({ method: 'ngram', num_speculative_tokens: 4, prompt_lookup_max: 4 });
    expect(specConfig(launch({ method: 'suffix', draftModel: null, k: 6 }, '0.15.1'))).toEqual({ method: 'suffix', num_speculative_tokens: 6 });
    expect(specConfig(launch({ method: 'draft_model', draftModel: D, k: 3 }, '0.15.1'))).toEqual({ method: 'draft_model', model: D, num_speculative_tokens: 3 });
  });

  it('refuses a method the installed version lacks, naming those it takes', () => {
    expect(() => launch({ method: 'suffix', draftModel: null, k: 4 }, '0.11.0')).toThrow(/vLLM 0\.11\.0 has no speculation method "suffix" \(suffix decoding arrived in vLLM 0\.11\.1\)/);
    const e = (() => {
      try {
        launch({ method: 'lookahead', draftModel: null, k: 4 }, '0.15.1');
      } catch (err) {
        return err as SpecTuneError;
      }
      throw new Error('expected a refusal');
    })();
    expect(e.hint).toContain('draft_model, ngram, eagle, eagle3, mtp, medusa, suffix');
  });

  it('configurations(): the baseline once, then every k for each method; only draft methods carry the draft', () => {
    const s = parseOrThrow(ServerSettingsSchema, { model: 'Qwen/Qwen2.5-7B-Instruct', draftModel: D });
    const configs = vllmEngine.configurations({ tokens: [0, 2, 4], draftModels: [D], methods: ['draft_model', 'ngram'], settings: s });
    expect(configs).toEqual([
      { numSpeculativeTokens: 0, draftModel: null, method: null, draftPMin: null },
      { numSpeculativeTokens: 2, draftModel: D, method: 'draft_model', draftPMin: null },
      { numSpeculativeTokens: 4, draftModel: D, method: 'draft_model', draftPMin: null },
      { numSpeculativeTokens: 2, draftModel: null, method: 'ngram', draftPMin: null },
      { numSpeculativeTokens: 4, draftModel: null, method: 'ngram', draftPMin: null },
    ]);
  });
});
