/**
 * The simulator's performance model, pure so tests can compare measured numbers
 * against it. Timing follows Leviathan et al. (src/shared/leviathan.ts): a target
 * step costs step_ms·(1 + k·c); each step accepts a run of drafted tokens, each
 * with probability α, stopping at the first rejection, and emits run + 1 tokens.
 * How a step drafts when that is not k tokens every time — a cut-off p_min, an
 * n-gram lookup without a match — is drafter.ts; which drafter and α a request
 * gets (the draft model's size, the method) is drafting.ts.
 *
 * Calibration (defaults): step 8 ms and draft cost c = 0.18 for a draft model give
 * code (α ≈ 0.80) its optimum at k = 5 (≈ +90 %), technical/security theirs at
 * k = 3–5, and creative (α ≈ 0.55) a small gain at k = 3 that turns negative by
 * k = 7 — the shape real draft-model sweeps show.
 *
 * Under load a decode step is GPU-like (batchStepMs): verification work grows
 * with running sequences × (k + 1) and only shows once it exceeds the
 * memory-bound floor (--sim-step-ms), while draft work stays per step. So
 * speculation pays with one request in flight and costs at 32 (the reversal
 * vLLM issue 17984 reports). With one sequence and k ≤ 32 the floor dominates
 * and every single-stream number is what it was before batching was modelled.
 */
import { BUILTIN_PROMPT_TYPES } from '../shared/prompts';
import { expectedSpeedup, expectedTokensPerStep } from '../shared/leviathan';
import { mulberry32 } from '../shared/stats';
import type { SpecMethod } from '../shared/schemas';
import { acceptedRun, expectedDraftStep, sampleDraftStep, type Drafter } from './drafter';

export { acceptedRun, expectedSpeedup, expectedTokensPerStep };

/** The speculation methods the personas simulate: SpecTune's own list plus vLLM's suffix decoding. */
export type SimSpecMethod = SpecMethod | 'suffix';

export const DEFAULT_STEP_MS = 6;
/** Fixed server-side cost per request (tokenising, scheduling, detokenising). */
const REQUEST_OVERHEAD_MS = 2;
/** Prompt tokens one prefill pass handles in the time of one decode step. */
const PREFILL_TOKENS_PER_STEP = 512;
/**
 * Default --sim-token-compute-ms as a share of --sim-step-ms: 3 % puts the
 * compute-bound knee at running × (k + 1) ≈ 33 tokens per step, so one sequence
 * stays memory-bound up to k = 32 and the demo's best k turns to 0 near 32 in
 * flight whatever the floor (the curve's shape does not depend on --sim-step-ms).
 */
export const TOKEN_COMPUTE_SHARE = 0.03;

export function defaultTokenComputeMs(stepMsBase: number): number {
  return stepMsBase * TOKEN_COMPUTE_SHARE;
}

export type PromptCategory = 'code' | 'technical' | 'security' | 'creative' | 'other';

const CATEGORY_ALPHA: Record<Exclude<PromptCategory, 'other'>, number> = {
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

export const clampAlpha = (a: number): number => Math.min(0.97, Math.max(0.05, a));

/** How much likelier a looked-up token is to be right than the draft model's guess, per prompt kind. */
const LOOKUP_ALPHA_SHIFT: Record<PromptCategory, number> = { code: 0.02, technical: -0.05, security: -0.05, creative: -0.1, other: -0.1 };

export const METHOD_PROFILES: Record<SimSpecMethod, MethodProfile> = {
  draft_model: { draftCost: 0.18, alpha: (a) => a },
  // Prompt lookup copies spans the text already has: nearly free, right on code
  // that repeats identifiers, often wrong on open-ended prose. How often a step
  // finds a span at all is the lookup drafter's business (drafting.ts).
  ngram: { draftCost: 0.02, alpha: (a, cat) => clampAlpha(a + LOOKUP_ALPHA_SHIFT[cat]) },
  suffix: { draftCost: 0.03, alpha: (a, cat) => clampAlpha(a + LOOKUP_ALPHA_SHIFT[cat]) },
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
function systemPromptShift(system: string): number {
  const s = system.trim();
  if (s === '') return 0;
  if (/\b(concise|brief|short|terse)\b/i.test(s)) return 0.03;
  if (/\b(expert|senior|detailed)\b/i.test(s)) return -0.01;
  return ((hash32(s) % 41) - 20) / 1000; // ±0.02
}

export interface AlphaInput {
  prompt: string;
  system?: string;
  method: SimSpecMethod;
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

export function draftCost(method: SimSpecMethod, override?: number): number {
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

/** What one decode step costs; see batchStepMs. */
export interface StepCost {
  /** --sim-step-ms: the memory-bound floor of a target forward pass. */
  floorMs: number;
  /** --sim-token-compute-ms: verification compute per token per running sequence. */
  tokenComputeMs: number;
  /** Draft/target cost ratio c. */
  draftCost: number;
  /** --sim-schedule-overhead: relative slowdown of every step while a K schedule is configured. */
  overhead?: number;
}

/**
 * One decode step with `running` sequences in the batch and k drafts each:
 * max(floor, tokenComputeMs × running × (k + 1)) + floor × k × draftCost, times
 * (1 + overhead). The draft term is per step (the draft model is memory-bound
 * too), the verification term per verified token.
 */
export function batchStepMs(cost: StepCost, running: number, k: number): number {
  return draftStepMs(cost, running, k, k);
}

/**
 * The same for a step that verifies `drafted` tokens after `work` draft passes
 * (fewer than k when a cut-off or a missing match ends the draft early).
 */
function draftStepMs(cost: StepCost, running: number, drafted: number, work: number): number {
  const verify = Math.max(cost.floorMs, cost.tokenComputeMs * Math.max(1, running) * (drafted + 1));
  return (verify + cost.floorMs * work * cost.draftCost) * (1 + (cost.overhead ?? 0));
}

/** A step duration with relative noise (jitter) drawn from `rand`. */
function jittered(ms: number, jitter: number, rand: () => number): number {
  const noise = jitter > 0 ? 1 + jitter * (rand() * 2 - 1) : 1;
  return Math.max(0.1, ms * noise);
}

/**
 * vLLM's num_speculative_tokens_per_batch_size: [[start_bs, end_bs, K], …]. The
 * K of the range holding `running`; below the first range the first K, above
 * the last (or in a gap) the K of the nearest range below.
 */
export type SpecSchedule = ReadonlyArray<readonly [number, number, number]>;

export function scheduledK(schedule: SpecSchedule, running: number): number {
  const sorted = [...schedule].sort((a, b) => a[0] - b[0]);
  let k = sorted[0]?.[2] ?? 0;
  for (const [start, , K] of sorted) if (running >= start) k = K;
  return k;
}

/** Time from request arrival to the first token: overhead plus a prefill pass (target and, with k > 0, draft). */
export function prefillMs(stepMsBase: number, promptTokens: number, k: number, c: number): number {
  const pass = stepMsBase * (1 + promptTokens / PREFILL_TOKENS_PER_STEP);
  return REQUEST_OVERHEAD_MS + pass * (k > 0 ? 1 + c : 1);
}

/** How a request decodes: fixed k or a per-batch-size schedule, and what steps cost. */
export interface DecodeTiming {
  /** Draft length, or the schedule's bound (num_speculative_tokens); 0 = no speculation. */
  k: number;
  /** When set, each step's K comes from the running count (scheduledK). */
  schedule?: SpecSchedule | null;
  /** vLLM V0's speculative_disable_by_batch_size: no drafts while more than this many run. */
  disableAbove?: number | null;
  cost: StepCost;
  jitter: number;
}

export interface PlannerInput {
  completionTokens: number;
  alpha: number;
  /** How each step drafts (drafter.ts); default: k tokens accepted with α each. */
  drafter?: Drafter;
  /** Seeds acceptance: request seed and prompt hash, so a repeat replays the same runs. */
  acceptanceSeed: number;
  /** Seeds jitter separately, so repeats still differ a little like a real GPU. */
  jitterSeed: number;
  timing: DecodeTiming;
}

export interface PlannedStep {
  /** Tokens this step emits (1 + accepted, capped by what is left). */
  tokens: number;
  drafted: number;
  accepted: number;
  /** Duration of this step in ms. */
  ms: number;
}

/**
 * Plans a request's decode steps one at a time, when each step starts: the K
 * (fixed or scheduled) and the step's cost depend on how many sequences run at
 * that moment. Acceptance draws come from the request's own seeded stream in
 * step order, so a request replays the same runs whenever it sees the same K
 * sequence (always, with a fixed k). A run accepted beyond the remaining budget
 * still counts as accepted (vLLM verifies all K) but only the budget is emitted.
 */
export class StepPlanner {
  private readonly acc: () => number;
  private readonly jit: () => number;
  private readonly drafter: Drafter;
  private left: number;

  constructor(private readonly p: PlannerInput) {
    this.drafter = p.drafter ?? { kind: 'run', alpha: p.alpha };
    this.acc = prng(p.acceptanceSeed);
    this.jit = prng(p.jitterSeed);
    // The prefill pass emits the first token.
    this.left = p.completionTokens - 1;
  }

  /** Tokens still to emit after the steps planned so far. */
  get remaining(): number {
    return this.left;
  }

  /** The K a step drafts with `running` sequences in the batch. */
  kAt(running: number): number {
    const t = this.p.timing;
    if (t.disableAbove !== undefined && t.disableAbove !== null && running > t.disableAbove) return 0;
    return t.schedule ? Math.min(t.k, scheduledK(t.schedule, running)) : t.k;
  }

  next(running: number): PlannedStep {
    const { drafted, accepted, work } = sampleDraftStep(this.drafter, this.kAt(running), this.acc);
    const tokens = Math.min(this.left, accepted + 1);
    this.left -= tokens;
    const ms = jittered(draftStepMs(this.p.timing.cost, running, drafted, work), this.p.timing.jitter, this.jit);
    return { tokens, drafted, accepted, ms };
  }
}

export interface PlanInput {
  completionTokens: number;
  k: number;
  alpha: number;
  c: number;
  stepMs: number;
  jitter: number;
  acceptanceSeed: number;
  jitterSeed: number;
  promptTokens: number;
  /** Default: defaultTokenComputeMs(stepMs). */
  tokenComputeMs?: number;
  /** How each step drafts; default: k tokens accepted with α each. */
  drafter?: Drafter;
}

export interface RequestPlan {
  prefillMs: number;
  /** The prefill pass emits the first token; then one entry per decode step. */
  steps: PlannedStep[];
}

/** A whole request planned up front with a fixed k and one sequence running (tests, offline analysis). */
export function planRequest(p: PlanInput): RequestPlan {
  const planner = new StepPlanner({
    completionTokens: p.completionTokens,
    alpha: p.alpha,
    drafter: p.drafter,
    acceptanceSeed: p.acceptanceSeed,
    jitterSeed: p.jitterSeed,
    timing: { k: p.k, cost: { floorMs: p.stepMs, tokenComputeMs: p.tokenComputeMs ?? defaultTokenComputeMs(p.stepMs), draftCost: p.c }, jitter: p.jitter },
  });
  const steps: PlannedStep[] = [];
  while (planner.remaining > 0) steps.push(planner.next(1));
  return { prefillMs: prefillMs(p.stepMs, p.promptTokens, p.k, p.c), steps };
}

/** Total planned server time of a request in ms. */
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
  /** How each step drafts (drafter.ts); default: k tokens accepted with α each. */
  drafter?: Drafter;
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
  const step = expectedDraftStep(o.drafter ?? { kind: 'run', alpha: o.alpha }, k);
  const decode = k > 0 ? ((n - 1) / step.tokens) * o.stepMs * (1 + step.work * o.c) : (n - 1) * o.stepMs;
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

export interface LoadInput extends ThroughputInput {
  k: number;
  /** Sequences always decoding together (a closed loop that replaces a finished request at once). */
  concurrency: number;
  /** --sim-token-compute-ms; default defaultTokenComputeMs(stepMs). */
  tokenComputeMs?: number;
  /** --sim-schedule-overhead when a K schedule is configured (0 otherwise). */
  overhead?: number;
  /** The server's draft length bound when it exceeds k (a schedule): prefill then runs the draft too. */
  draftLoadedK?: number;
}

/**
 * Expected tokens/s with `concurrency` sequences always running at draft length
 * k: per request (completion tokens over prefill plus decode at the batched
 * step cost) and aggregate (concurrency × per request, Little's law). At
 * concurrency 1 the per-request rate is expectedTokensPerSecond's.
 */
export function expectedLoadTokensPerSecond(o: LoadInput): { perRequest: number; aggregate: number } {
  const n = Math.max(1, o.completionTokens);
  const k = Math.max(0, o.k);
  const c = Math.max(1, o.concurrency);
  const draft = expectedDraftStep(o.drafter ?? { kind: 'run', alpha: o.alpha }, k);
  // With a drafter that stops early the batch verifies its expected draft length (an approximation under load).
  const step = draftStepMs({ floorMs: o.stepMs, tokenComputeMs: o.tokenComputeMs ?? defaultTokenComputeMs(o.stepMs), draftCost: o.c, overhead: o.overhead }, c, draft.drafted, draft.work);
  const decode = ((n - 1) / draft.tokens) * step;
  // A loaded draft prefills with the prompt even when this level's K is 0 (a schedule's bound > 0).
  const perRequest = n / ((prefillMs(o.stepMs, o.promptTokens, Math.max(k, o.draftLoadedK ?? 0), o.c) + decode) / 1000);
  return { perRequest, aggregate: c * perRequest };
}

/**
 * The same under vLLM's per-batch-size schedule with `concurrency` always
 * running: the level's K from the schedule, every step slowed by `overhead`
 * (--sim-schedule-overhead), the draft prefilled as the server does.
 */
export function expectedScheduleLoadTokensPerSecond(
  o: Omit<LoadInput, 'k' | 'draftLoadedK'> & { schedule: SpecSchedule; numSpeculativeTokens: number },
): { k: number; perRequest: number; aggregate: number } {
  const k = Math.min(o.numSpeculativeTokens, scheduledK(o.schedule, o.concurrency));
  return { k, ...expectedLoadTokensPerSecond({ ...o, k, draftLoadedK: o.numSpeculativeTokens }) };
}

/** The k in `ks` with the highest expected aggregate tokens/s at this load (ties go to the smaller k). */
export function bestExpectedKAtLoad(o: Omit<LoadInput, 'k'>, ks: readonly number[]): { k: number; aggregate: number } {
  let best = { k: ks[0] ?? 0, aggregate: -1 };
  for (const k of ks) {
    const { aggregate } = expectedLoadTokensPerSecond({ ...o, k });
    if (aggregate > best.aggregate * (1 + 1e-12)) best = { k, aggregate };
  }
  return best;
}
