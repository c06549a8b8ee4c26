/**
 * The llama-server command line for one configuration on one build (pure).
 * Long flag spellings (--model, --model-draft) because every generation has them
 * and the copy-paste line reads better; every speculative value SpecTune relies
 * on is written out, because LLAMA_ARG_* environment variables would otherwise
 * set it behind the sweep's back.
 */
import { SpecTuneError } from '../../../shared/errors';
import type { ServerSettings } from '../../../shared/schemas';
import { isBaselineConfig, type EngineBuild, type SpecConfig } from '../../engine';
import { llamaBuildLabel, llamaFlagsOf, type LlamaFlags } from './build';
import { refuseSchedule } from '../schedule-refusal';

/** Flags SpecTune writes, refused in extraArgs (a second copy would silently win or fail start-up). */
export const LLAMA_MANAGED_FLAGS: Readonly<Record<string, string>> = {
  '-m': 'model',
  '--model': 'model',
  '-md': 'draftModel',
  '--model-draft': 'draftModel',
  '--spec-draft-model': 'draftModel',
  '--draft-max': 'numSpeculativeTokens',
  '--draft': 'numSpeculativeTokens',
  '--draft-n': 'numSpeculativeTokens',
  '--spec-draft-n-max': 'numSpeculativeTokens',
  '--draft-min': 'numSpeculativeTokens (SpecTune passes 0)',
  '--draft-n-min': 'numSpeculativeTokens (SpecTune passes 0)',
  '--spec-draft-n-min': 'numSpeculativeTokens (SpecTune passes 0)',
  '--spec-type': 'numSpeculativeTokens (none for the baseline, draft-simple with a draft)',
  '--port': 'port',
  '--host': 'host',
};

/**
 * Environment variables that set what SpecTune's flags set (llama.cpp reads LLAMA_ARG_*
 * when the flag is absent). A baseline cannot switch a draft off by flag on builds
 * before June 2026, so the launcher should not pass these through.
 */
export const LLAMA_SPEC_ENV_VARS: readonly string[] = [
  'LLAMA_ARG_MODEL',
  'LLAMA_ARG_MODEL_DRAFT',
  'LLAMA_ARG_SPEC_DRAFT_MODEL',
  'LLAMA_ARG_DRAFT_MAX',
  'LLAMA_ARG_DRAFT_MIN',
  'LLAMA_ARG_SPEC_DRAFT_N_MAX',
  'LLAMA_ARG_SPEC_DRAFT_N_MIN',
  'LLAMA_ARG_SPEC_TYPE',
];

const flagName = (word: string): string => word.split('=')[0];

/** Refuses extra args that repeat a managed flag, and (when --help was read) flags this build does not take. */
export function checkExtraArgs(extraArgs: readonly string[], f: LlamaFlags, server: string): void {
  const known = new Set(f.knownFlags.split(' ').filter(Boolean));
  const removed = new Set(f.removedFlags.split(' ').filter(Boolean));
  for (const word of extraArgs) {
    if (!word.startsWith('-') || /^-\d/.test(word)) continue; // values, negative numbers
    const flag = flagName(word);
    const field = LLAMA_MANAGED_FLAGS[flag];
    if (field) {
      throw new SpecTuneError('INVALID_INPUT', `extra argument ${flag} is set by SpecTune (${field}); a second copy would override it`, {
        hint: `remove ${flag} from the extra arguments and use the ${field.split(' ')[0]} setting instead`,
      });
    }
    if (removed.has(flag)) {
      throw new SpecTuneError('INVALID_INPUT', `${server} has removed ${flag} (its --help says so): start-up would fail`, {
        hint: `remove ${flag} from the extra arguments; see "${server} --help" for its replacement`,
      });
    }
    // A short --help (a wrapper) lists too little to judge by.
    if (known.size >= 20 && !known.has(flag)) {
      throw new SpecTuneError('INVALID_INPUT', `${server} does not take ${flag} (it is not in its --help): start-up would fail`, {
        hint: `remove ${flag} from the extra arguments, or check its spelling against "${server} --help"`,
      });
    }
  }
}

/** The speculative part of the argv: [] is never the answer on builds with --spec-type, whose baseline says "none". */
export function speculativeArgs(settings: ServerSettings, config: SpecConfig, f: LlamaFlags, server: string): string[] {
  if (isBaselineConfig(config)) return f.specType === 'absent' ? [] : ['--spec-type', 'none'];
  const k = config.numSpeculativeTokens;
  if (settings.method !== undefined && settings.method !== 'draft_model') {
    throw new SpecTuneError('INVALID_INPUT', `SpecTune tunes llama-server's draft-model speculation only, not "${settings.method}"`, {
      hint: 'give a draft model (a small GGUF with the same vocabulary) and leave the method unset',
    });
  }
  const draft = config.draftModel ?? settings.draftModel ?? null;
  if (!draft) {
    throw new SpecTuneError('INVALID_INPUT', `k = ${k ?? 'default'} needs a draft model for llama-server`, {
      hint: 'give a draft model: a small GGUF file with the same vocabulary as the target (e.g. a 0.5B of the same family)',
    });
  }
  if (f.draftLength === '') {
    throw new SpecTuneError('UNSUPPORTED_DRAFT_MODEL', `${server} cannot draft with a model: its --help has neither --draft-max nor --spec-draft-n-max`, {
      hint: 'upgrade llama.cpp (llama-server gained draft-model speculation in late 2024)',
    });
  }
  const args = [f.draftModel, draft];
  if (f.specType === 'draft-simple') args.push('--spec-type', 'draft-simple');
  if (k !== null) {
    args.push(f.draftLength, String(k));
    if (f.draftMin) args.push(f.draftMin, '0');
  }
  return args;
}

export interface LlamaArgvOptions {
  /** How errors name the server ("llama-server b7800 (f07d3b6)"). */
  serverLabel?: string;
}

export function buildLlamaArgv(settings: ServerSettings, config: SpecConfig, build: EngineBuild, opts: LlamaArgvOptions = {}): string[] {
  const f = llamaFlagsOf(build);
  const server = opts.serverLabel ?? `llama-server ${build.raw || llamaBuildLabel(f)}`;
  checkExtraArgs(settings.extraArgs, f, server);
  refuseSchedule(settings, server);
  const args = [...settings.command, '--model', settings.model, ...speculativeArgs(settings, config, f, server)];
  args.push('--port', String(settings.port), '--host', settings.host);
  if (f.metrics) args.push('--metrics');
  args.push(...settings.extraArgs);
  return args;
}
