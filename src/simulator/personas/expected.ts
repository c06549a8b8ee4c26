/**
 * The true expected tokens/s of a persona's settings, from the same timing
 * model and the same drafting rules every persona plays back (../model.ts,
 * ../drafting.ts). Two ways in:
 *
 * - with α given (personaExpectedTokensPerSecond, personaBestK, the load
 *   variants): `--sim-alpha 0.8 --sim-draft-cost 0.15` on any engine has one
 *   computable best k;
 * - from what the persona was told (settingTokensPerSecond, planTruth,
 *   bestSetting): the target, the method, the draft model, p_min, k and the
 *   prompt cell, α derived as the persona derives it — the truth a tuner of
 *   the whole setting (method × draft model × p_min × k) is checked against.
 */
import { SPEC_METHODS } from '../../shared/schemas';
import { isLookupMethod, requestDrafting, type DraftingKnobs } from '../drafting';
import {
  bestExpectedK,
  bestExpectedKAtLoad,
  DEFAULT_STEP_MS,
  draftCost as defaultDraftCost,
  expectedLoadTokensPerSecond,
  expectedTokensPerSecond,
  type SimSpecMethod,
  type ThroughputInput,
} from '../model';
import type { PersonaId } from './index';
import { LLAMA_BUILDS, NEWEST_LLAMA_BUILD, SPEC_TYPES, type LlamaBuildId } from './llama-args';

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
  /** The prompt, for lookup methods (n-gram, suffix): how often they find text to copy depends on it. Default: a prompt of no known kind. */
  prompt?: string;
}

/** The timing profile (METHOD_PROFILES key) a persona's speculation runs with. */
function personaSpecMethod(persona: PersonaId | 'vllm', variant?: string): SimSpecMethod {
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
      return (variant as SimSpecMethod | undefined) ?? 'draft_model';
  }
}

/** The timing model's input for a persona: its method's draft cost unless given, the default step time. */
function modelInput(o: PersonaTimingInput): ThroughputInput {
  const method = personaSpecMethod(o.persona, o.variant);
  // A lookup method drafts only where it finds a match: the prompt decides how often.
  const drafter = isLookupMethod(method) ? requestDrafting({ prompt: o.prompt ?? '', method, knobs: { alpha: o.alpha } }).drafter : undefined;
  return { alpha: o.alpha, drafter, c: defaultDraftCost(method, o.draftCost ?? undefined), stepMs: o.stepMs ?? DEFAULT_STEP_MS, completionTokens: o.completionTokens, promptTokens: o.promptTokens };
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

/** A persona as launched: which one, the model it serves, its build (llama-server) and its --sim-* knobs. */
export interface PersonaSetup {
  persona: PersonaId | 'vllm';
  /** The served model's name (-m, --model, `serve MODEL`): a parameter size in it scales a sized draft. */
  targetModel?: string | null;
  /** llama-server --sim-build (default the newest): old builds cut drafts at p_min 0.75 unless told otherwise. */
  build?: LlamaBuildId;
  /** --sim-alpha, --sim-draft-cost, --sim-draft, --sim-confidence-spread, --sim-step-ms as given. */
  knobs?: DraftingKnobs & { stepMs?: number };
}

/** One setting: the whole of what a persona lets a user choose. */
export interface SimSetting {
  /**
   * The persona's own word for the method: llama-server's --spec-type (draft-simple, `draft`,
   * ngram-simple, ngram-mod, …, none), vLLM's method (draft_model, ngram, suffix, eagle3, …),
   * mlx_lm's draft_model or mtp. Default: the persona's draft-model method (Ollama: its MTP head).
   */
  method?: string;
  /** The draft model's name, for methods that take one. */
  draftModel?: string | null;
  /** llama-server's cut-off; absent = the build's default (0.75 on old builds, else 0). */
  pMin?: number | null;
  /** Draft length; 0 = no speculation. */
  k: number;
}

/** One request of a plan: its prompt and system text, and the tokens it gets and sends. */
export interface PromptCell {
  prompt: string;
  system?: string;
  completionTokens: number;
  promptTokens: number;
  /** Default 0, as a sweep sends. */
  temperature?: number;
}

const METHOD_WORDS: Record<PersonaId | 'vllm', (word: string) => SimSpecMethod | null | undefined> = {
  'llama-server': (w) => SPEC_TYPES[w === 'draft' ? 'draft-simple' : w]?.method,
  vllm: (w) => ((SPEC_METHODS as readonly string[]).includes(w) || w === 'suffix' ? (w as SimSpecMethod) : undefined),
  'mlx_lm.server': (w) => (w === 'draft_model' || w === 'mtp' ? w : undefined),
  lmstudio: (w) => (w === 'draft_model' ? w : undefined),
  ollama: (w) => (w === 'mtp' ? w : undefined),
};

/** The timing profile of a setting's method word on a persona; null = no speculation (llama-server's none). */
function settingMethod(persona: PersonaId | 'vllm', word?: string): SimSpecMethod | null {
  if (word === undefined) return personaSpecMethod(persona);
  const method = METHOD_WORDS[persona](word);
  if (method === undefined) throw new Error(`${persona} has no speculation method "${word}"`);
  return method;
}

/** The cut-off a persona applies to a setting: what it was given, or its build's default; 0 where there is none. */
export function settingPMin(setup: PersonaSetup, setting: SimSetting): number {
  if (setup.persona !== 'llama-server') {
    if ((setting.pMin ?? 0) > 0) throw new Error(`${setup.persona} has no draft confidence cut-off (p_min ${setting.pMin}): only llama-server has one`);
    return 0;
  }
  return setting.pMin ?? LLAMA_BUILDS[setup.build ?? NEWEST_LLAMA_BUILD].defaultPMin;
}

/** Expected end-to-end tokens/s of one request of `cell` under `setting`: what the persona plays back, on average. */
export function settingTokensPerSecond(setup: PersonaSetup, setting: SimSetting, cell: PromptCell): number {
  const method = settingMethod(setup.persona, setting.method);
  const base = { stepMs: setup.knobs?.stepMs ?? DEFAULT_STEP_MS, completionTokens: cell.completionTokens, promptTokens: cell.promptTokens };
  if (method === null || setting.k <= 0) return expectedTokensPerSecond({ ...base, alpha: 0, c: 0, k: 0 });
  const lookup = isLookupMethod(method);
  const { alpha, c, drafter } = requestDrafting({
    prompt: cell.prompt,
    system: cell.system,
    temperature: cell.temperature ?? 0,
    method,
    draftModel: lookup ? null : (setting.draftModel ?? null),
    targetModel: setup.targetModel ?? null,
    pMin: lookup ? 0 : settingPMin(setup, setting),
    knobs: setup.knobs ?? {},
  });
  return expectedTokensPerSecond({ ...base, alpha, c, drafter, k: setting.k });
}

export interface SettingTruth {
  setting: SimSetting;
  /** Geometric mean over the cells of the expected tokens/s. */
  tokensPerSecond: number;
  /** Expected tokens/s per cell, in the cells' order. */
  perCell: number[];
}

/** The truth over a plan's prompt cells: per setting, the geometric mean over cells of expected tokens/s. */
export function planTruth(setup: PersonaSetup, settings: readonly SimSetting[], cells: readonly PromptCell[]): SettingTruth[] {
  if (cells.length === 0) throw new Error('planTruth needs at least one prompt cell');
  return settings.map((setting) => {
    const perCell = cells.map((cell) => settingTokensPerSecond(setup, setting, cell));
    return { setting, perCell, tokensPerSecond: Math.exp(perCell.reduce((s, v) => s + Math.log(v), 0) / perCell.length) };
  });
}

/** The fastest of `settings` over the cells (the first of equals wins), and its geometric-mean tokens/s. */
export function bestSetting(setup: PersonaSetup, settings: readonly SimSetting[], cells: readonly PromptCell[]): SettingTruth {
  const truths = planTruth(setup, settings, cells);
  if (truths.length === 0) throw new Error('bestSetting needs at least one setting');
  return truths.reduce((best, t) => (t.tokensPerSecond > best.tokensPerSecond * (1 + 1e-12) ? t : best));
}
