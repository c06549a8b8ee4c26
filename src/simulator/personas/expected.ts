/**
 * The true expected tokens/s per k for a persona's settings, from the same
 * timing model every persona plays back (../model.ts). Tests use it to assert
 * the k a tuner recommends: e.g. `--sim-alpha 0.8 --sim-draft-cost 0.15` on any
 * engine has one computable best k.
 */
import type { SpecMethod } from '../../shared/schemas';
import { bestExpectedK, bestExpectedKAtLoad, DEFAULT_STEP_MS, draftCost as defaultDraftCost, expectedLoadTokensPerSecond, expectedTokensPerSecond, type ThroughputInput } from '../model';
import type { PersonaId } from './index';
import { SPEC_TYPES } from './llama-args';

export interface PersonaTimingInput {
  persona: PersonaId | 'vllm';
  /**
   * Which speculation: llama-server's --spec-type (default draft-simple), 'mtp' for
   * mlx_lm's --draft-mtp, vLLM's method (default draft_model). LM Studio always runs a
   * draft model; Ollama an MTP head.
   */
  variant?: string;
  /** The α in effect: --sim-alpha (or LM Studio's per-draft --sim-draft α). */
  alpha: number;
  /** --sim-draft-cost (or the per-draft cost); default per speculation method. */
  draftCost?: number | null;
  /** --sim-step-ms. */
  stepMs?: number;
  completionTokens: number;
  promptTokens: number;
}

/** The timing profile (METHOD_PROFILES key) a persona's speculation runs with. */
export function personaSpecMethod(persona: PersonaId | 'vllm', variant?: string): SpecMethod {
  switch (persona) {
    case 'llama-server':
      return SPEC_TYPES[variant ?? 'draft-simple']?.method ?? 'draft_model';
    case 'mlx_lm.server':
      return variant === 'mtp' ? 'mtp' : 'draft_model';
    case 'lmstudio':
      return 'draft_model';
    case 'ollama':
      return 'mtp';
    case 'vllm':
      return (variant as SpecMethod | undefined) ?? 'draft_model';
  }
}

/** The timing model's input for a persona: its method's draft cost unless given, the default step time. */
function modelInput(o: PersonaTimingInput): ThroughputInput {
  const method = personaSpecMethod(o.persona, o.variant);
  return { alpha: o.alpha, c: defaultDraftCost(method, o.draftCost ?? undefined), stepMs: o.stepMs ?? DEFAULT_STEP_MS, completionTokens: o.completionTokens, promptTokens: o.promptTokens };
}

/** Expected end-to-end tokens/s of one request at draft length k (0 = no speculation). */
export function personaExpectedTokensPerSecond(o: PersonaTimingInput & { k: number }): number {
  return expectedTokensPerSecond({ ...modelInput(o), k: o.k });
}

/** The best k among `ks` (ties to the smaller k) and its expected tokens/s. */
export function personaBestK(o: PersonaTimingInput, ks: readonly number[]): { k: number; tokensPerSecond: number } {
  return bestExpectedK(modelInput(o), ks);
}

export interface PersonaLoadInput extends PersonaTimingInput {
  /** Requests decoding together (a closed loop at this level; capped by the persona's batch limit). */
  concurrency: number;
  /** --sim-token-compute-ms; default a share of the step time (model.ts TOKEN_COMPUTE_SHARE). */
  tokenComputeMs?: number | null;
}

const loadInput = (o: PersonaLoadInput) => ({ ...modelInput(o), tokenComputeMs: o.tokenComputeMs ?? undefined, concurrency: o.concurrency });

/**
 * Per-request and aggregate tokens/s with `concurrency` requests always decoding
 * at draft length k. The caller caps concurrency at what the persona runs at
 * once: llama-server's --parallel slots, 1 for mlx_lm with a draft, vLLM's --max-num-seqs.
 */
export function personaExpectedLoadTokensPerSecond(o: PersonaLoadInput & { k: number }): { perRequest: number; aggregate: number } {
  return expectedLoadTokensPerSecond({ ...loadInput(o), k: o.k });
}

/** The best k among `ks` at this load by aggregate tokens/s (ties to the smaller k). */
export function personaBestKAtLoad(o: PersonaLoadInput, ks: readonly number[]): { k: number; aggregate: number } {
  return bestExpectedKAtLoad(loadInput(o), ks);
}
