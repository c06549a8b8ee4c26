/**
 * The true expected tokens/s per k for a persona's settings, from the same
 * timing model every persona plays back (../model.ts). Tests use it to assert
 * the k a tuner recommends: e.g. `--sim-alpha 0.8 --sim-draft-cost 0.15` on any
 * engine has one computable best k.
 */
import type { SpecMethod } from '../../shared/schemas';
import { bestExpectedK, DEFAULT_STEP_MS, draftCost as defaultDraftCost, expectedTokensPerSecond } from '../model';
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

/** Expected end-to-end tokens/s of one request at draft length k (0 = no speculation). */
export function personaExpectedTokensPerSecond(o: PersonaTimingInput & { k: number }): number {
  const method = personaSpecMethod(o.persona, o.variant);
  return expectedTokensPerSecond({
    alpha: o.alpha,
    c: defaultDraftCost(method, o.draftCost ?? undefined),
    stepMs: o.stepMs ?? DEFAULT_STEP_MS,
    completionTokens: o.completionTokens,
    promptTokens: o.promptTokens,
    k: o.k,
  });
}

/** The best k among `ks` (ties to the smaller k) and its expected tokens/s. */
export function personaBestK(o: PersonaTimingInput, ks: readonly number[]): { k: number; tokensPerSecond: number } {
  const method = personaSpecMethod(o.persona, o.variant);
  return bestExpectedK(
    { alpha: o.alpha, c: defaultDraftCost(method, o.draftCost ?? undefined), stepMs: o.stepMs ?? DEFAULT_STEP_MS, completionTokens: o.completionTokens, promptTokens: o.promptTokens },
    ks,
  );
}
