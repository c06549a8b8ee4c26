/**
 * Turns one validated request into what the server will send: the visible text
 * per token, the finish reason, exact usage and the step plan (which tokens go
 * out together and when). Everything here is deterministic given the request
 * and the server options.
 */
import { acceptanceAlpha, classifyPrompt, draftCost, hash32, mixSeed, naturalLength, planRequest, type RequestPlan } from './model';
import type { SpecMethod } from '../shared/schemas';
import { applyStop, generateTokens, textSeed } from './text';

export interface GenerationInput {
  /** The text that decides the answer: last user message, or the completion prompt. */
  prompt: string;
  system: string;
  promptTokens: number;
  maxTokens: number | null;
  temperature: number;
  seed: number | null;
  ignoreEos: boolean;
  stop: string[];
}

export interface Generation {
  /** Visible text of each generated token (stop strings cut away). */
  pieces: string[];
  completionTokens: number;
  promptTokens: number;
  finishReason: 'stop' | 'length';
  stopReason: string | null;
  plan: RequestPlan;
  alpha: number;
  k: number;
}

/**
 * What a generation needs from the server's settings. vLLM's SimOptions has this
 * shape; the other engine personas (src/simulator/personas) build one per request,
 * so every persona shares one timing model and one text generator.
 */
export interface GenerationSettings {
  maxModelLen: number;
  seed: number;
  speculative: { method: SpecMethod; numSpeculativeTokens: number } | null;
  sim: { alpha: number | null; draftCost: number | null; stepMs: number; jitter: number };
}

export function prepareGeneration(input: GenerationInput, opts: GenerationSettings, requestIndex: number): Generation {
  const budget = input.maxTokens ?? Math.max(1, opts.maxModelLen - input.promptTokens);
  const natural = input.ignoreEos ? Number.POSITIVE_INFINITY : naturalLength(input.prompt, input.system);
  const wanted = Math.max(1, Math.min(budget, natural));
  const category = classifyPrompt(input.prompt);
  const tokens = generateTokens(category, textSeed(input.prompt, input.system, input.temperature, input.seed ?? undefined), wanted);
  const stopped = applyStop(tokens, input.stop);
  const count = stopped.count;

  // Slice the visible text back into per-token pieces so a stream never shows text past a stop string.
  const pieces: string[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const end = at + tokens[i].length;
    pieces.push(stopped.text.slice(Math.min(at, stopped.text.length), Math.min(end, stopped.text.length)));
    at = end;
  }

  const spec = opts.speculative;
  const k = spec?.numSpeculativeTokens ?? 0;
  const method = spec?.method ?? 'draft_model';
  const alpha = acceptanceAlpha({
    prompt: input.prompt,
    system: input.system,
    method,
    temperature: input.temperature,
    override: opts.sim.alpha ?? undefined,
  });
  const c = draftCost(method, opts.sim.draftCost ?? undefined);
  const plan = planRequest({
    completionTokens: count,
    k,
    alpha,
    c,
    stepMs: opts.sim.stepMs,
    jitter: opts.sim.jitter,
    acceptanceSeed: mixSeed(input.seed ?? 0, hash32(input.prompt + '\u0000' + input.system)),
    jitterSeed: mixSeed(opts.seed, requestIndex, 0x6a17),
    promptTokens: input.promptTokens,
  });

  const finishReason = stopped.stopped !== null || (!input.ignoreEos && natural <= budget) ? 'stop' : 'length';
  return {
    pieces,
    completionTokens: count,
    promptTokens: input.promptTokens,
    finishReason,
    stopReason: stopped.stopped,
    plan,
    alpha,
    k,
  };
}
