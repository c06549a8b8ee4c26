/**
 * vLLM's speculative-decoding flags changed three times (vLLM's docs and release
 * notes for each version):
 *
 * | vLLM        | speculative flags                                                          | draft model |
 * | ----------- | -------------------------------------------------------------------------- | ----------- |
 * | ≤ 0.7.x     | `--speculative-model M --num-speculative-tokens K`                         | yes         |
 * | 0.8 – 0.9   | `--speculative-config '{"model": M, "num_speculative_tokens": K}'`         | yes (V0)    |
 * | 0.10 – 0.14 | `--speculative-config '{"method": "ngram"/"eagle"/"eagle3"/"mtp", …}'`     | no          |
 * | ≥ 0.15      | `--speculative-config '{"method": "draft_model", "model": M, …}'`          | yes         |
 *
 * This builds the argv for the installed version and refuses settings that version
 * cannot run, before anything is launched.
 */
import { SpecTuneError } from '../../shared/errors';
import { effectiveMethod, SPEC_METHODS, type ServerSettings } from '../../shared/schemas';
import { parseDottedVersion, versionAtLeast, type DottedVersion } from '../../shared/version';
import { takesSchedule } from './schedule';

export type VllmVersion = DottedVersion;

/** Parses `vllm --version` output or a /version value: "0.6.3.post1", "v0.10.1rc1", "vllm 0.11.0+cu128". */
export const parseVllmVersion = parseDottedVersion;

/** Which flag style a version takes. */
export type FlagStyle = 'legacy' | 'config-model' | 'config-method-only' | 'config-draft-model';

export function flagStyle(v: VllmVersion): FlagStyle {
  if (!versionAtLeast(v, 0, 8)) return 'legacy';
  if (!versionAtLeast(v, 0, 10)) return 'config-model';
  if (!versionAtLeast(v, 0, 15)) return 'config-method-only';
  return 'config-draft-model';
}

/** Suffix decoding arrived in vLLM 0.11.1. */
const SUFFIX_SINCE = [0, 11, 1] as const;

/** The speculative-config methods SpecTune can launch on vLLM. */
export const VLLM_METHODS = [...SPEC_METHODS, 'suffix'] as const;

/** Methods whose --draft-model is the draft or the head; the others (ngram, suffix, mtp) take none. */
const MODEL_METHODS: ReadonlySet<string> = new Set(['draft_model', 'eagle', 'eagle3', 'medusa']);

/** The methods this vLLM version takes. */
export function vllmMethodsOf(v: VllmVersion): string[] {
  return VLLM_METHODS.filter((m) => m !== 'suffix' || versionAtLeast(v, ...SUFFIX_SINCE));
}

function checkMethod(method: string, v: VllmVersion): void {
  const known = vllmMethodsOf(v);
  if (known.includes(method)) return;
  const why = method === 'suffix' ? ` (suffix decoding arrived in vLLM ${SUFFIX_SINCE.join('.')})` : '';
  throw new SpecTuneError('INVALID_INPUT', `--method: vLLM ${v.raw} has no speculation method "${method}"${why}`, {
    hint: `give one of ${known.join(', ')}`,
  });
}

/** True when the command is the OpenAI api_server module rather than the `vllm` CLI. */
export function usesApiServerModule(command: readonly string[]): boolean {
  return command.some((w) => w.endsWith('vllm.entrypoints.openai.api_server'));
}

/**
 * Flags vLLM no longer takes: --speculative-disable-by-batch-size has been a no-op since 0.10 and was
 * then removed (a per-batch-size K, num_speculative_tokens_per_batch_size, replaces it).
 */
const NEVER_EMIT = new Set(['--use-v2-block-manager', '--speculative-disable-by-batch-size']);

/** vLLM >= 0.24 takes a draft length per batch-size range; refused, naming the version, before anything launches. */
function checkSchedule(s: ServerSettings, v: VllmVersion): void {
  const schedule = s.speculativeSchedule;
  if (!schedule) return;
  if (!takesSchedule(v)) {
    throw new SpecTuneError('INVALID_INPUT', `vLLM ${v.raw} has no per-batch-size draft length (num_speculative_tokens_per_batch_size arrived in vLLM 0.24)`, {
      hint: 'launch one k (the pick at your usual load), or upgrade vLLM to 0.24 or newer for a schedule',
    });
  }
  const over = schedule.find((e) => e[2] > s.numSpeculativeTokens);
  if (over) {
    throw new SpecTuneError('INVALID_INPUT', `speculative schedule range [${over.join(', ')}] has K ${over[2]} above num_speculative_tokens ${s.numSpeculativeTokens}`, {
      hint: 'launch with k at least the largest K of the schedule',
    });
  }
}

/** The speculative part of the argv, or [] for the baseline. */
export function speculativeArgs(s: ServerSettings, v: VllmVersion): string[] {
  const k = s.numSpeculativeTokens;
  if (k === 0) return [];
  checkSchedule(s, v);
  const method = effectiveMethod(s) as string; // schema guarantees one when k > 0
  checkMethod(method, v);
  const style = flagStyle(v);
  const needsModel = MODEL_METHODS.has(method);
  if (needsModel && !s.draftModel) {
    throw new SpecTuneError('INVALID_INPUT', `method ${method} needs a draft/speculator model`, {
      hint: 'give --draft-model (the EAGLE/Medusa head or the small draft model)',
    });
  }

  if (style === 'legacy') {
    if (method === 'ngram') {
      const args = ['--speculative-model', '[ngram]', '--num-speculative-tokens', String(k), '--ngram-prompt-lookup-max', String(s.ngramPromptLookupMax ?? 4)];
      if (s.ngramPromptLookupMin !== undefined) args.push('--ngram-prompt-lookup-min', String(s.ngramPromptLookupMin));
      return args;
    }
    if (method === 'mtp' || method === 'eagle3' || method === 'suffix') {
      throw new SpecTuneError('UNSUPPORTED_DRAFT_MODEL', `vLLM ${v.raw} has no "${method}" speculation`, {
        hint: 'use a draft model, ngram or eagle, or upgrade vLLM to 0.10 or newer',
      });
    }
    return ['--speculative-model', s.draftModel as string, '--num-speculative-tokens', String(k)];
  }

  if (method === 'draft_model' && style === 'config-method-only') {
    throw new SpecTuneError(
      'UNSUPPORTED_DRAFT_MODEL',
      `vLLM ${v.raw} cannot run draft-model speculation (removed in 0.10, back in 0.15)`,
      { hint: 'use --method ngram (no extra model) or eagle/eagle3 with an EAGLE head, or upgrade vLLM to 0.15 or newer' },
    );
  }

  const config: Record<string, unknown> = {};
  if (method === 'draft_model') {
    if (style === 'config-draft-model') config.method = 'draft_model';
    config.model = s.draftModel;
  } else {
    config.method = method;
    // A lookup or MTP method gets no model, even if the launch names a draft for other arms.
    if (needsModel) config.model = s.draftModel;
  }
  config.num_speculative_tokens = k;
  if (s.speculativeSchedule) config.num_speculative_tokens_per_batch_size = s.speculativeSchedule;
  if (method === 'ngram') {
    config.prompt_lookup_max = s.ngramPromptLookupMax ?? 4;
    if (s.ngramPromptLookupMin !== undefined) config.prompt_lookup_min = s.ngramPromptLookupMin;
  }
  return ['--speculative-config', JSON.stringify(config)];
}

/** Arguments after the command words. */
export function buildVllmArgs(s: ServerSettings, v: VllmVersion): string[] {
  const args = usesApiServerModule(s.command) ? ['--model', s.model] : ['serve', s.model];
  args.push('--host', s.host, '--port', String(s.port));
  if (s.gpuMemoryUtilization !== undefined) args.push('--gpu-memory-utilization', String(s.gpuMemoryUtilization));
  if (s.tensorParallelSize !== undefined) args.push('--tensor-parallel-size', String(s.tensorParallelSize));
  if (s.maxModelLen !== undefined) args.push('--max-model-len', String(s.maxModelLen));
  args.push(...speculativeArgs(s, v));
  args.push(...s.extraArgs.filter((a) => !NEVER_EMIT.has(a.split('=')[0])));
  return args;
}

/** The whole argv: command words then arguments. */
export function buildVllmArgv(s: ServerSettings, v: VllmVersion): string[] {
  return [...s.command, ...buildVllmArgs(s, v)];
}
