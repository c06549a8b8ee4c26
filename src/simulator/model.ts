/**
 * The simulator's performance model, pure so tests can compare measured numbers
 * against it. Timing follows Leviathan et al. (src/shared/leviathan.ts): a target
 * step costs step_ms·(1 + k·c); each step accepts a run of drafted tokens, each
 * with probability α, stopping at the first rejection, and emits run + 1 tokens.
 *
 * Calibration (defaults): step 8 ms and draft cost c = 0.18 for a draft model give
 * code (α ≈ 0.80) its optimum at k = 5 (≈ +90 %), technical/security theirs at
 * k = 3–5, and creative (α ≈ 0.55) a small gain at k = 3 that turns negative by
 * k = 7 — the shape real draft-model sweeps show.
 */
import { BUILTIN_PROMPT_TYPES } from '../shared/prompts';
import { expectedSpeedup, expectedTokensPerStep } from '../shared/leviathan';
import { mulberry32 } from '../shared/stats';
import type { SpecMethod } from '../shared/schemas';

export { expectedSpeedup, expectedTokensPerStep };

export const DEFAULT_STEP_MS = 6;
/** Fixed server-side cost per request (tokenising, scheduling, detokenising). */
export const REQUEST_OVERHEAD_MS = 2;
/** Prompt tokens one prefill pass handles in the time of one decode step. */
export const PREFILL_TOKENS_PER_STEP = 512;
/** Extra step time per additional request running in the same batch. */
export const BATCH_SLOWDOWN = 0.03;

export type PromptCategory = 'code' | 'technical' | 'security' | 'creative' | 'other';

export const CATEGORY_ALPHA: Record<Exclude<PromptCategory, 'other'>, number> = {
  code: 0.8,
  technical: 0.75,
  security: 0.7,
  creative: 0.55,
};

/** How a speculation method changes acceptance and what its drafts cost. */
export interface MethodProfile {
  /** Draft/target cost ratio c. */
  draftCost: number;
  /** α for this method given the draft-model α of the prompt. */
  alpha(base: number, category: PromptCategory): number;
}

const clampAlpha = (a: number): number => Math.min(0.97, Math.max(0.05, a));

export const METHOD_PROFILES: Record<SpecMethod, MethodProfile> = {
  draft_model: { draftCost: 0.18, alpha: (a) => a },
  // n-gram lookup copies spans from the prompt: nearly free, good on code that
  // repeats identifiers, poor on open-ended prose.
  ngram: {
    draftCost: 0.02,
    alpha: (a, cat) => clampAlpha(a - (cat === 'creative' ? 0.3 : cat === 'code' ? 0.12 : 0.2)),
  },
  // Heads trained on the target's hidden states: cheap and well aligned.
  eagle: { draftCost: 0.05, alpha: (a) => clampAlpha(a + 0.05) },
  eagle3: { draftCost: 0.05, alpha: (a) => clampAlpha(a + 0.08) },
  mtp: { draftCost: 0.06, alpha: (a) => clampAlpha(a + 0.07) },
  medusa: { draftCost: 0.03, alpha: (a) => clampAlpha(a - 0.05) },
};

/** FNV-1a, 32 bit: a stable hash for seeding, never for security. */
export function hash32(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Mixes several integers into one seed. */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h ^= Math.imul((p | 0) ^ (h >>> 15), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** mulberry32 (shared with the report's bootstrap): small, fast, good enough for synthetic timings and text. */
export const prng = mulberry32;

const KEYWORDS: Record<Exclude<PromptCategory, 'other'>, RegExp> = {
  code: /\b(function|typescript|javascript|python|rust|golang|java|sql|regex|implement|refactor|class|method|compile|unit tests?|code|snippet|api)\b|```|=>|\(\)/gi,
  security: /\b(vulnerab\w*|exploit\w*|overflow|cve|attack\w*|malware|xss|injection|mitigation\w*|aslr|canar\w*|security|threat\w*|pentest\w*)\b/gi,
  technical: /\b(explain|how does|how do|works?|mechanism|algorithm|architecture|transformer|attention|protocol|latency|throughput|database|kernel|network|cache|detail)\b/gi,
  creative: /\b(story|poem|invent\w*|imagine|creative|fiction|unusual|brainstorm|ideas?|characters?|plot|song|dream|island|weigh)\b/gi,
};

/** Which kind of text a prompt asks for. Built-in prompts map to their own ids. */
export function classifyPrompt(prompt: string): PromptCategory {
  const text = prompt.trim();
  const builtin = BUILTIN_PROMPT_TYPES.find((p) => p.prompt.trim() === text);
  if (builtin && builtin.id in CATEGORY_ALPHA) return builtin.id as PromptCategory;
  let best: PromptCategory = 'other';
  let bestScore = 0;
  for (const cat of ['security', 'code', 'technical', 'creative'] as const) {
    const score = text.match(KEYWORDS[cat])?.length ?? 0;
    if (score > bestScore) {
      best = cat;
      bestScore = score;
    }
  }
  return best;
}

/** A system prompt nudges acceptance a little: terse answers are more predictable. */
export function systemPromptShift(system: string): number {
  const s = system.trim();
  if (s === '') return 0;
  if (/\b(concise|brief|short|terse)\b/i.test(s)) return 0.03;
  if (/\b(expert|senior|detailed)\b/i.test(s)) return -0.01;
  return ((hash32(s) % 41) - 20) / 1000; // ±0.02
}

export interface AlphaInput {
  prompt: string;
  system?: string;
  method: SpecMethod;
  temperature?: number;
  /** --sim-alpha: the exact α for every request. */
  override?: number;
}

/** Per-token acceptance α for one request. */
export function acceptanceAlpha(input: AlphaInput): number {
  if (input.override !== undefined) return input.override;
  const category = classifyPrompt(input.prompt);
  const base =
    category === 'other' ? 0.55 + (hash32(input.prompt.trim()) % 201) / 1000 : CATEGORY_ALPHA[category];
  const shifted = base + systemPromptShift(input.system ?? '');
  // Sampling at temperature > 0 makes the target's choice harder to guess.
  const temp = Math.min(1, Math.max(0, input.temperature ?? 0));
  return clampAlpha(METHOD_PROFILES[input.method].alpha(shifted, category) * (1 - 0.15 * temp));
}

export function draftCost(method: SpecMethod, override?: number): number {
  return override ?? METHOD_PROFILES[method].draftCost;
}

/** Expected vLLM acceptance-rate metric (accepted / drafted tokens) for a run-until-rejection draft of k. */
export function expectedAcceptanceRate(alpha: number, k: number): number {
  if (k <= 0) return 0;
  return (expectedTokensPerStep(alpha, k) - 1) / k;
}

/** Expected per-position acceptance: position i (0-based) is accepted with α^(i+1). */
export function expectedPerPositionAcceptance(alpha: number, k: number): number[] {
  return Array.from({ length: k }, (_, i) => alpha ** (i + 1));
}

/** Tokens accepted in one verification step: the run before the first rejection. */
export function acceptedRun(alpha: number, k: number, rand: () => number): number {
  let n = 0;
  while (n < k && rand() < alpha) n++;
  return n;
}

/** Duration of one target forward step with k drafts (before batch slowdown). */
export function stepMs(stepMsBase: number, k: number, c: number, jitter: number, rand: () => number): number {
  const noise = jitter > 0 ? 1 + jitter * (rand() * 2 - 1) : 1;
  return Math.max(0.1, stepMsBase * (1 + k * c) * noise);
}

/** Time from request arrival to the first token: overhead plus a prefill pass (target and, with k > 0, draft). */
export function prefillMs(stepMsBase: number, promptTokens: number, k: number, c: number): number {
  const pass = stepMsBase * (1 + promptTokens / PREFILL_TOKENS_PER_STEP);
  return REQUEST_OVERHEAD_MS + pass * (k > 0 ? 1 + c : 1);
}

export interface PlanInput {
  completionTokens: number;
  k: number;
  alpha: number;
  c: number;
  stepMs: number;
  jitter: number;
  /** Seeds acceptance: request seed and prompt hash, so a repeat replays the same runs. */
  acceptanceSeed: number;
  /** Seeds jitter separately, so repeats still differ a little like a real GPU. */
  jitterSeed: number;
  promptTokens: number;
}

export interface PlannedStep {
  /** Tokens this step emits (1 + accepted, capped by what is left). */
  tokens: number;
  drafted: number;
  accepted: number;
  /** Duration of this step in ms, before batch slowdown. */
  ms: number;
}

export interface RequestPlan {
  prefillMs: number;
  /** The prefill pass emits the first token; then one entry per decode step. */
  steps: PlannedStep[];
}

/**
 * Plans a request's decode steps. Drafts run on each decode step after the
 * prefill token; a run accepted beyond the remaining budget still counts as
 * accepted (vLLM verifies all k) but only the budget is emitted.
 */
export function planRequest(p: PlanInput): RequestPlan {
  const acc = prng(p.acceptanceSeed);
  const jit = prng(p.jitterSeed);
  const steps: PlannedStep[] = [];
  let left = p.completionTokens - 1;
  while (left > 0) {
    const accepted = p.k > 0 ? acceptedRun(p.alpha, p.k, acc) : 0;
    const tokens = Math.min(left, accepted + 1);
    steps.push({ tokens, drafted: p.k, accepted, ms: stepMs(p.stepMs, p.k, p.c, p.jitter, jit) });
    left -= tokens;
  }
  return { prefillMs: prefillMs(p.stepMs, p.promptTokens, p.k, p.c), steps };
}

/** Total planned server time of a request in ms (no batch slowdown). */
export function plannedMs(plan: RequestPlan): number {
  return plan.prefillMs + plan.steps.reduce((s, x) => s + x.ms, 0);
}

/**
 * Expected end-to-end tokens/s speedup of k over the baseline for n completion
 * tokens, counting prefill and the final partial step: what a client measures.
 */
export function expectedRequestSpeedup(opts: {
  alpha: number;
  k: number;
  c: number;
  stepMs: number;
  completionTokens: number;
  promptTokens: number;
}): number {
  const { alpha, k, c, stepMs: s, completionTokens: n, promptTokens } = opts;
  const base = prefillMs(s, promptTokens, 0, c) + (n - 1) * s;
  const spec = prefillMs(s, promptTokens, k, c) + ((n - 1) / expectedTokensPerStep(alpha, k)) * s * (1 + k * c);
  return base / spec;
}

/** Answer length without ignore_eos: a stable function of the prompt, like a model's. */
export function naturalLength(prompt: string, system: string): number {
  const base = 140 + (hash32(prompt + '\u0000' + system) % 260);
  return /\b(concise|brief|short)\b/i.test(system) ? Math.round(base * 0.5) : base;
}

export interface ThroughputInput {
  alpha: number;
  /** Draft/target cost ratio c. */
  c: number;
  stepMs: number;
  completionTokens: number;
  promptTokens: number;
}

/**
 * Expected end-to-end tokens/s of one request with k drafts (k = 0: no
 * speculation): completion tokens over prefill plus decode time, the same
 * arithmetic planRequest plays back. Every persona (vLLM, llama-server,
 * mlx_lm.server, LM Studio, Ollama) decodes through this model, so a test can
 * compute which k a tuner should find.
 */
export function expectedTokensPerSecond(o: ThroughputInput & { k: number }): number {
  const n = Math.max(1, o.completionTokens);
  const k = Math.max(0, o.k);
  const decode = k > 0 ? ((n - 1) / expectedTokensPerStep(o.alpha, k)) * o.stepMs * (1 + k * o.c) : (n - 1) * o.stepMs;
  return n / ((prefillMs(o.stepMs, o.promptTokens, k, o.c) + decode) / 1000);
}

/** The k in `ks` with the highest expected tokens/s (ties go to the smaller k), and that rate. */
export function bestExpectedK(o: ThroughputInput, ks: readonly number[]): { k: number; tokensPerSecond: number } {
  let best = { k: ks[0] ?? 0, tokensPerSecond: -1 };
  for (const k of ks) {
    const tps = expectedTokensPerSecond({ ...o, k });
    if (tps > best.tokensPerSecond * (1 + 1e-12)) best = { k, tokensPerSecond: tps };
  }
  return best;
}
