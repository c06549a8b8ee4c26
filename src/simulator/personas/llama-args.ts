/**
 * llama-server's command line, per build generation (ggml-org/llama.cpp,
 * tools/server/README.md and the PRs named below):
 *
 * - old   (b5000): `-md` turns drafting on; draft length `--draft-max|--draft|--draft-n`
 *   (default 16), `--draft-min` (0), `--draft-p-min` (0.75, applied when the flag is
 *   absent; --help prints 0.8). Per-request `speculative.n_max` (capped at the
 *   server's value) and `speculative.p_min` are honoured.
 * - new   (b7200, after ggml-org/llama.cpp PR 22397): `--spec-draft-n-max` (default 3),
 *   `--spec-draft-n-min`, `--spec-draft-p-min` (default 0); the old spellings fail start-up
 *   (exit 1, "the argument has been removed. use --spec-draft-n-max …"). `-md` still drafts.
 * - 2026-06 (b7600, PR 23988): `-md` (alias `--spec-draft-model`) only loads the draft;
 *   drafting needs `--spec-type draft-simple` (default none). `--spec-default` = ngram-simple.
 * - 2026-08 (b7800, the default): as 2026-06, plus `llamacpp:spec_decode_*` counters on
 *   /metrics. No build before it has them.
 *
 * A flag a build does not know fails like llama.cpp: "error: invalid argument: X", exit 1.
 */
import type { SpecMethod } from '../../shared/schemas';
import { flagValue, PersonaArgError, tokeniseFlags, type FlagKind, type ParsedFlags } from './flags';
import { KNOBS_HELP, parseKnobs, SIM_KNOB_FLAGS, type PersonaKnobs } from './knobs';

export type LlamaBuildId = 'old' | 'new' | '2026-06' | '2026-08';

export interface LlamaBuild {
  id: LlamaBuildId;
  number: number;
  commit: string;
  /** Old spellings removed (PR 22397). */
  renamed: boolean;
  /** `--spec-type` exists and `-md` alone no longer drafts (PR 23988). */
  specType: boolean;
  /** /metrics carries llamacpp:spec_decode_* counters. */
  specMetrics: boolean;
  /** Per-request `speculative.n_max` and `p_min` are honoured. */
  perRequestSpeculative: boolean;
  defaultNMax: number;
  /** The cut-off when no p_min flag is given: 0.75 in old sources (their --help prints 0.8), 0 on renamed builds. */
  defaultPMin: number;
}

export const LLAMA_BUILDS: Record<LlamaBuildId, LlamaBuild> = {
  old: { id: 'old', number: 5000, commit: '3a9f1c2', renamed: false, specType: false, specMetrics: false, perRequestSpeculative: true, defaultNMax: 16, defaultPMin: 0.75 },
  new: { id: 'new', number: 7200, commit: '8d41b7e', renamed: true, specType: false, specMetrics: false, perRequestSpeculative: false, defaultNMax: 3, defaultPMin: 0 },
  '2026-06': { id: '2026-06', number: 7600, commit: 'c52e0a9', renamed: true, specType: true, specMetrics: false, perRequestSpeculative: false, defaultNMax: 3, defaultPMin: 0 },
  '2026-08': { id: '2026-08', number: 7800, commit: 'f07d3b6', renamed: true, specType: true, specMetrics: true, perRequestSpeculative: false, defaultNMax: 3, defaultPMin: 0 },
};
export const NEWEST_LLAMA_BUILD: LlamaBuildId = '2026-08';

/** `--spec-type` values (PR 23988) and the timing profile each maps onto. */
export const SPEC_TYPES: Record<string, { method: SpecMethod | null; needsDraft: boolean }> = {
  none: { method: null, needsDraft: false },
  'draft-simple': { method: 'draft_model', needsDraft: true },
  'draft-eagle3': { method: 'eagle3', needsDraft: true },
  'draft-mtp': { method: 'mtp', needsDraft: false },
  'draft-dflash': { method: 'eagle3', needsDraft: true },
  'ngram-simple': { method: 'ngram', needsDraft: false },
  'ngram-mod': { method: 'ngram', needsDraft: false },
  'ngram-map-k': { method: 'ngram', needsDraft: false },
  'ngram-cache': { method: 'ngram', needsDraft: false },
};

export interface LlamaOptions {
  build: LlamaBuild;
  model: string;
  alias: string | null;
  draftModel: string | null;
  host: string;
  port: number;
  parallel: number;
  ctxSize: number;
  metrics: boolean;
  /** Drafting as configured: null = no speculation. */
  speculation: { method: SpecMethod; nMax: number; nMin: number; pMin: number; specType: string | null } | null;
  /** The server's n_max even when not drafting (/props shows it). */
  nMax: number;
  nMin: number;
  pMin: number;
  knobs: PersonaKnobs;
  given: string[];
}

export type LlamaCommand = { kind: 'version'; text: string } | { kind: 'help'; text: string } | { kind: 'serve'; options: LlamaOptions };

const COMMON: Record<string, FlagKind> = {
  '--model': 'value',
  '--model-draft': 'value',
  '--hf-repo': 'value',
  '--alias': 'value',
  '--host': 'value',
  '--port': 'value',
  '--ctx-size': 'value',
  '--ctx-size-draft': 'value',
  '--n-gpu-layers': 'value',
  '--n-gpu-layers-draft': 'value',
  '--threads': 'value',
  '--threads-batch': 'value',
  '--parallel': 'value',
  '--batch-size': 'value',
  '--ubatch-size': 'value',
  '--flash-attn': 'value',
  '--seed': 'value',
  '--temp': 'value',
  '--cache-type-k': 'value',
  '--cache-type-v': 'value',
  '--cache-reuse': 'value',
  '--chat-template': 'value',
  '--api-key': 'value',
  '--device-draft': 'value',
  '--jinja': 'bool',
  '--metrics': 'bool',
  '--slots': 'bool',
  '--no-webui': 'bool',
  '--cont-batching': 'bool',
  '--no-mmap': 'bool',
  '--mlock': 'bool',
  '--verbose': 'bool',
  '--log-disable': 'bool',
  '--version': 'bool',
  '--help': 'bool',
  '--sim-build': 'value',
  ...SIM_KNOB_FLAGS,
};

const COMMON_ALIASES: Record<string, string> = {
  '-m': '--model',
  '-md': '--model-draft',
  '-hf': '--hf-repo',
  '-a': '--alias',
  '-c': '--ctx-size',
  '-cd': '--ctx-size-draft',
  '-ngl': '--n-gpu-layers',
  '--gpu-layers': '--n-gpu-layers',
  '-ngld': '--n-gpu-layers-draft',
  '--gpu-layers-draft': '--n-gpu-layers-draft',
  '-t': '--threads',
  '-tb': '--threads-batch',
  '-np': '--parallel',
  '-b': '--batch-size',
  '-ub': '--ubatch-size',
  '-fa': '--flash-attn',
  '-s': '--seed',
  '-ctk': '--cache-type-k',
  '-ctv': '--cache-type-v',
  '-dev-draft': '--device-draft',
  '-cb': '--cont-batching',
  '-v': '--verbose',
  '-h': '--help',
};

const OLD_SPEC: Record<string, FlagKind> = { '--draft-max': 'value', '--draft-min': 'value', '--draft-p-min': 'value' };
const OLD_ALIASES: Record<string, string> = { '--draft': '--draft-max', '--draft-n': '--draft-max' };
const NEW_SPEC: Record<string, FlagKind> = { '--spec-draft-n-max': 'value', '--spec-draft-n-min': 'value', '--spec-draft-p-min': 'value' };
/** Old spelling → its replacement, for the "has been removed" message. */
const REMOVED: Record<string, string> = {
  '--draft-max': '--spec-draft-n-max',
  '--draft': '--spec-draft-n-max',
  '--draft-n': '--spec-draft-n-max',
  '--draft-min': '--spec-draft-n-min',
  '--draft-p-min': '--spec-draft-p-min',
};
const JUNE_SPEC: Record<string, FlagKind> = { '--spec-type': 'value', '--spec-default': 'bool' };

function tableFor(build: LlamaBuild): { kinds: Record<string, FlagKind>; aliases: Record<string, string> } {
  // -fa was a switch in old builds and takes on|off|auto in later ones.
  const kinds = { ...COMMON, '--flash-attn': build.renamed ? 'value' : 'bool', ...(build.renamed ? NEW_SPEC : OLD_SPEC), ...(build.specType ? JUNE_SPEC : {}) } as Record<string, FlagKind>;
  const aliases = { ...COMMON_ALIASES, ...(build.renamed ? {} : OLD_ALIASES), ...(build.specType ? { '--spec-draft-model': '--model-draft' } : {}) };
  return { kinds, aliases };
}

/** llama.cpp wraps a handler's exception with the argument's name and its usage line. */
function handlerError(arg: string, message: string, usage: string): PersonaArgError {
  return new PersonaArgError(`error while handling argument "${arg}": ${message}\n\nusage:\n${usage}\n\nto show complete usage, run with -h`, 1);
}

function versionText(build: LlamaBuild): string {
  return `version: ${build.number} (${build.commit})\nbuilt with cc (Debian 12.2.0-14) 12.2.0 for x86_64-linux-gnu (spectune simulator)\n`;
}

export function buildInfo(build: LlamaBuild): string {
  return `b${build.number}-${build.commit}`;
}

function helpText(build: LlamaBuild): string {
  const spec = build.renamed
    ? [
        '--spec-draft-n-max N                   number of tokens to draft for speculative decoding (default: 3)',
        '--spec-draft-n-min N                   minimum number of draft tokens to use for speculative decoding (default: 0)',
        '--spec-draft-p-min P                   minimum speculative decoding probability (greedy) (default: 0.00)',
      ]
    : [
        '--draft, --draft-n, --draft-max N      number of tokens to draft for speculative decoding (default: 16)',
        '--draft-min, --draft-n-min N           minimum number of draft tokens to use for speculative decoding (default: 0)',
        '--draft-p-min P                        minimum speculative decoding probability (greedy) (default: 0.8)',
      ];
  const june = build.specType
    ? [
        `--spec-type TYPE                       speculative decoding type: ${Object.keys(SPEC_TYPES).join(', ')} (default: none)`,
        '--spec-default                         enable the default n-gram speculative decoding config',
        '-md, --model-draft, --spec-draft-model FNAME  draft model for speculative decoding (default: unused)',
      ]
    : ['-md, --model-draft FNAME               draft model for speculative decoding (default: unused)'];
  return [
    `----- common params -----  (spectune simulator, build ${buildInfo(build)})`,
    '',
    '-h, --help, --usage                    print usage and exit',
    '--version                              show version and build info',
    '-t, --threads N                        number of threads to use during generation',
    '-c, --ctx-size N                       size of the prompt context (default: 4096)',
    '-b, --batch-size N                     logical maximum batch size',
    '-ub, --ubatch-size N                   physical maximum batch size',
    '-fa, --flash-attn [on|off|auto]        set Flash Attention use',
    '-np, --parallel N                      number of parallel sequences to decode (default: 1)',
    '-ngl, --gpu-layers, --n-gpu-layers N   max. number of layers to store in VRAM',
    '-m, --model FNAME                      model path',
    '-hf, --hf-repo <user>/<model>[:quant]  Hugging Face model repository',
    '-s, --seed SEED                        RNG seed',
    '',
    '----- speculative params -----',
    '',
    ...june,
    ...spec,
    '-cd, --ctx-size-draft N                size of the prompt context for the draft model',
    '-ngld, --gpu-layers-draft N            number of layers to store in VRAM for the draft model',
    '',
    '----- example-specific params -----',
    '',
    '-a, --alias STRING                     set alias for model name (to be used by REST API)',
    '--host HOST                            ip address to listen (default: 127.0.0.1)',
    '--port PORT                            port to listen (default: 8080)',
    '--metrics                              enable prometheus compatible metrics endpoint (default: disabled)',
    '--slots                                enable slots monitoring endpoint',
    '--jinja                                use jinja template for chat',
    '--api-key KEY                          API key to use for authentication',
    '',
    '----- spectune simulator -----',
    '',
    '--sim-build old|new|2026-06|2026-08    flag generation to impersonate (default: 2026-08)',
    KNOBS_HELP,
  ].join('\n');
}

const int = (p: ParsedFlags, flag: string, def: number, min: number, usage: string): number => {
  const raw = flagValue(p, flag);
  if (raw === undefined) return def;
  const n = Number(raw);
  // std::stoi throws on text; llama.cpp reports it through the argument's handler.
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isFinite(n)) throw handlerError(flag, 'stoi', usage);
  if (n < min) throw handlerError(flag, `${flag} must be ≥ ${min}`, usage);
  return n;
};

const float = (p: ParsedFlags, flag: string, def: number, usage: string): number => {
  const raw = flagValue(p, flag);
  if (raw === undefined) return def;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw handlerError(flag, 'stof', usage);
  return n;
};

/** --sim-build, read before anything else: it decides which flags exist. */
function buildOf(argv: readonly string[]): LlamaBuild {
  let buildId: string = NEWEST_LLAMA_BUILD;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--sim-build' && i + 1 < argv.length) buildId = argv[i + 1];
    else if (argv[i].startsWith('--sim-build=')) buildId = argv[i].slice('--sim-build='.length);
  }
  if (!(buildId in LLAMA_BUILDS)) throw new PersonaArgError(`error: --sim-build must be one of ${Object.keys(LLAMA_BUILDS).join(', ')} (got "${buildId}")`, 1);
  return LLAMA_BUILDS[buildId as LlamaBuildId];
}

/** The draft settings under this build's spellings, and the speculation they turn on (null: none). */
function speculationOf(p: ParsedFlags, build: LlamaBuild, draftModel: string | null) {
  const nMaxFlag = build.renamed ? '--spec-draft-n-max' : '--draft-max';
  const nMinFlag = build.renamed ? '--spec-draft-n-min' : '--draft-min';
  const pMinFlag = build.renamed ? '--spec-draft-p-min' : '--draft-p-min';
  const nMax = int(p, nMaxFlag, build.defaultNMax, 0, `${nMaxFlag} N`);
  const nMin = int(p, nMinFlag, 0, 0, `${nMinFlag} N`);
  const pMin = float(p, pMinFlag, build.defaultPMin, `${pMinFlag} P`);
  let method: SpecMethod | null = null;
  let specType: string | null = null;
  if (build.specType) {
    specType = flagValue(p, '--spec-type') ?? (p.flags.get('--spec-default') === true ? 'ngram-simple' : 'none');
    const t = SPEC_TYPES[specType];
    if (!t) throw handlerError('--spec-type', `unknown speculative decoding type: ${specType} (valid: ${Object.keys(SPEC_TYPES).join(', ')})`, '--spec-type TYPE');
    if (t.needsDraft && !draftModel) {
      throw new PersonaArgError(`srv    load_model: speculative type '${specType}' requires a draft model (-md FNAME)\nmain: exiting due to model loading error`, 1);
    }
    method = t.method;
  } else if (draftModel) {
    method = 'draft_model';
  }
  return { nMax, nMin, pMin, speculation: method && nMax > 0 ? { method, nMax, nMin, pMin, specType } : null };
}

export function parseLlamaArgs(argv: readonly string[]): LlamaCommand {
  const build = buildOf(argv);
  const { kinds, aliases } = tableFor(build);
  const p = tokeniseFlags(argv, {
    kinds,
    aliases,
    unknown(word) {
      const replacement = REMOVED[word];
      if (build.renamed && replacement) throw handlerError(word, `the argument has been removed. use ${replacement}`, `${word} N`);
      throw new PersonaArgError(`error: invalid argument: ${word}`, 1);
    },
    missingValue(flag) {
      throw new PersonaArgError(`error: expected value for argument: ${flag}`, 1);
    },
  });
  if (p.positionals.length > 0) throw new PersonaArgError(`error: invalid argument: ${p.positionals[0]}`, 1);
  if (p.flags.get('--version') === true) return { kind: 'version', text: versionText(build) };
  if (p.flags.get('--help') === true) return { kind: 'help', text: helpText(build) };

  let knobs: PersonaKnobs;
  try {
    knobs = parseKnobs(p);
  } catch (err) {
    throw new PersonaArgError(`error: ${(err as Error).message}`, 1);
  }
  const model = flagValue(p, '--model') ?? flagValue(p, '--hf-repo');
  if (!model) {
    // llama-server falls back to a default path that does not exist.
    throw new PersonaArgError(
      "srv    load_model: failed to load model, 'models/7B/ggml-model-f16.gguf'\nmain: exiting due to model loading error (pass -m FILE or -hf REPO)",
      1,
    );
  }
  const draftModel = flagValue(p, '--model-draft') ?? null;
  const { nMax, nMin, pMin, speculation } = speculationOf(p, build, draftModel);
  const port = int(p, '--port', 8080, 0, '--port PORT');
  if (port > 65535) throw handlerError('--port', 'port must be at most 65535', '--port PORT');
  return {
    kind: 'serve',
    options: {
      build,
      model,
      alias: flagValue(p, '--alias') ?? null,
      draftModel,
      host: flagValue(p, '--host') ?? '127.0.0.1',
      port,
      parallel: int(p, '--parallel', 1, 1, '-np, --parallel N'),
      ctxSize: int(p, '--ctx-size', 4096, 0, '-c, --ctx-size N') || 4096,
      metrics: p.flags.get('--metrics') === true,
      speculation,
      nMax,
      nMin,
      pMin,
      knobs,
      given: [...p.flags.keys()],
    },
  };
}
