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
import { canonicalMethod, methodTakesDraft } from '../../../shared/engine-descriptor';
import { LLAMA_KNOBS, LLAMA_SPEC_TYPES, llamaBuildLabel, llamaFlagsOf, type LlamaFlags } from './build';
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
  '--spec-type': 'method (none for the baseline, draft-simple with a draft)',
  '--draft-p-min': 'draftPMin',
  '--spec-draft-p-min': 'draftPMin',
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
  'LLAMA_ARG_DRAFT_P_MIN',
  'LLAMA_ARG_SPEC_DRAFT_P_MIN',
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

/**
 * The configuration's --spec-type value: null = draft-model speculation as the build does it by
 * default (vLLM's word draft_model, from an older preset, means the same). Refuses a type this build
 * does not list, naming those it does.
 */
export function llamaMethod(settings: ServerSettings, config: SpecConfig, f: LlamaFlags, server: string): string | null {
  const word = config.method ?? settings.method ?? null;
  const method = word === null || word === 'draft_model' ? null : canonicalMethod(LLAMA_KNOBS, word);
  if (method === null) return null;
  const listed = f.specTypes.split(' ').filter(Boolean);
  const known = listed.length > 0 ? listed : f.specType === 'absent' ? [] : [...LLAMA_SPEC_TYPES];
  // Builds before --spec-type draft with a model, and nothing else.
  if (method === 'draft-simple' && (f.specType !== 'draft-simple' || known.includes(method))) return method;
  if (!known.includes(method)) {
    throw new SpecTuneError('INVALID_INPUT', `--method: ${server} has no --spec-type ${method}${f.specType === 'absent' ? ' (it has no --spec-type at all)' : ''}`, {
      hint: known.length > 0 ? `give one of the types its --help lists: ${known.join(', ')}` : 'use draft-model speculation (leave --method out), or upgrade llama.cpp (n-gram types came in 2026)',
    });
  }
  return method;
}

/** A method that drafts without a model (n-gram lookups, MTP heads): its type and k, no -md, no cut-off. */
function selfDraftArgs(method: string, k: number | null, f: LlamaFlags): string[] {
  const args = ['--spec-type', method];
  if (k !== null) {
    args.push(f.draftLength || '--spec-draft-n-max', String(k));
    if (f.draftMin) args.push(f.draftMin, '0');
  }
  return args;
}

/** The speculative part of the argv: [] is never the answer on builds with --spec-type, whose baseline says "none". */
export function speculativeArgs(settings: ServerSettings, config: SpecConfig, f: LlamaFlags, server: string): string[] {
  if (isBaselineConfig(config)) return f.specType === 'absent' ? [] : ['--spec-type', 'none'];
  const k = config.numSpeculativeTokens;
  const method = llamaMethod(settings, config, f, server);
  if (method !== null && !methodTakesDraft(LLAMA_KNOBS, method)) return selfDraftArgs(method, k, f);
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
  if (f.specType === 'draft-simple') args.push('--spec-type', method ?? 'draft-simple');
  if (k !== null) {
    args.push(f.draftLength, String(k));
    if (f.draftMin) args.push(f.draftMin, '0');
  }
  // Always written, 0 included: old builds cut at 0.75 when the flag is absent, and LLAMA_ARG_* could set it.
  if (f.draftPMin) args.push(f.draftPMin, String(config.draftPMin ?? settings.draftPMin ?? 0));
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
