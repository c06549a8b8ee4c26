/**
 * Turns one validated request into what the server will send: the visible text
 * per token, the finish reason, exact usage and the step plan (which tokens go
 * out together and when). Everything here is deterministic given the request
 * and the server options.
 */
import { requestDrafting, type DraftProfiles } from './drafting';
import { classifyPrompt, defaultTokenComputeMs, hash32, mixSeed, naturalLength, prefillMs, type PlannerInput, type SimSpecMethod, type SpecSchedule } from './model';
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
  /** Arrival to the first token (the prefill pass emits it). */
  prefillMs: number;
  /** How the decode steps are planned, one at a time as they start (playback.ts). */
  decode: PlannerInput;
  alpha: number;
  /** Draft length, or the schedule's bound; 0 = no speculation. */
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
  /** The target model's name: a parameter size in it sets a sized draft's quality (drafting.ts). */
  model?: string;
  speculative: {
    method: SimSpecMethod;
    numSpeculativeTokens: number;
    /** The draft model's name (or speculator head); null for lookup methods. */
    model?: string | null;
    /** llama-server's confidence cut-off in effect; 0 or absent = none. */
    pMin?: number;
    /** vLLM ≥ 0.24 num_speculative_tokens_per_batch_size. */
    schedule?: SpecSchedule | null;
    /** vLLM V0 speculative_disable_by_batch_size (honoured before 0.10 only). */
    disableByBatchSize?: number | null;
  } | null;
  sim: {
    alpha: number | null;
    draftCost: number | null;
    /** --sim-draft: α and cost per draft model name. */
    draftProfiles?: DraftProfiles;
    /** --sim-confidence-spread: the spread of the draft's confidence around α. */
    confidenceSpread?: number;
    stepMs: number;
    jitter: number;
    /** --sim-token-compute-ms; null = defaultTokenComputeMs(stepMs). */
    tokenComputeMs?: number | null;
    /** --sim-schedule-overhead, applied while a schedule is configured. */
    scheduleOverhead?: number;
  };
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
  const { alpha, c, drafter } = requestDrafting({
    prompt: input.prompt,
    system: input.system,
    temperature: input.temperature,
    method: spec?.method ?? 'draft_model',
    draftModel: spec?.model ?? null,
    targetModel: opts.model ?? null,
    pMin: spec?.pMin ?? 0,
    knobs: opts.sim,
  });
  const schedule = spec?.schedule ?? null;
  const decode: PlannerInput = {
    completionTokens: count,
    alpha,
    drafter,
    acceptanceSeed: mixSeed(input.seed ?? 0, hash32(input.prompt + '\u0000' + input.system)),
    jitterSeed: mixSeed(opts.seed, requestIndex, 0x6a17),
    timing: {
      k,
      schedule,
      disableAbove: spec?.disableByBatchSize ?? null,
      cost: {
        floorMs: opts.sim.stepMs,
        tokenComputeMs: opts.sim.tokenComputeMs ?? defaultTokenComputeMs(opts.sim.stepMs),
        draftCost: c,
        overhead: schedule ? (opts.sim.scheduleOverhead ?? 0) : 0,
      },
      jitter: opts.sim.jitter,
    },
  };

  const finishReason = stopped.stopped !== null || (!input.ignoreEos && natural <= budget) ? 'stop' : 'length';
  return {
    pieces,
    completionTokens: count,
    promptTokens: input.promptTokens,
    finishReason,
    stopReason: stopped.stopped,
    prefillMs: prefillMs(opts.sim.stepMs, input.promptTokens, k, c),
    decode,
    alpha,
    k,
  };
}
