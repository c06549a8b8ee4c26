/**
 * What a request's drafting looks like, from what a server was told: the
 * method, the draft model's name, the target's name, the cut-off p_min and the
 * --sim-* knobs. Every persona's generation (generation.ts) and every truth
 * function (personas/expected.ts) go through requestDrafting, so a test's
 * expectation is the arithmetic the persona plays back.
 *
 * - Draft quality per draft model: a parameter size read from each name
 *   ("0.5b", "1.5B", "135M") sets the draft/target ratio r. A bigger draft
 *   misses less — the rejection share 1 − α scales by (r / r₀)^−0.3 — and costs
 *   more: c grows linearly from 0.18 at r₀ (0.5B on 7B) to 1 at r = 1. At r₀
 *   both are exactly the unsized numbers, so a name without a size (or the
 *   demo's 0.5B on 7B) keeps them. A target without a size counts as 7B.
 * - Prompt lookup (n-gram, suffix) finds text to copy on some steps only: how
 *   often, and how far the match runs, depends on the prompt kind; a prompt
 *   that hands over text to rewrite matches most.
 * - Precedence: --sim-draft NAME:ALPHA:COST for that draft, then --sim-alpha /
 *   --sim-draft-cost, then the size rule, then the method's defaults.
 */
import { modelDrafter, type Drafter } from './drafter';
import { acceptanceAlpha, clampAlpha, classifyPrompt, METHOD_PROFILES, type PromptCategory, type SimSpecMethod } from './model';

/** Per-draft α and cost (--sim-draft NAME:ALPHA:COST); either may be left out. */
export interface DraftProfile {
  alpha?: number;
  draftCost?: number;
}
export type DraftProfiles = Readonly<Record<string, DraftProfile>>;

/** --sim-confidence-spread default: Beta variance = spread × α(1 − α); 0.5 makes a draft mostly sure or mostly unsure. */
export const DEFAULT_CONFIDENCE_SPREAD = 0.5;

/** The draft/target pair whose numbers the unsized defaults are: a 0.5B draft for a 7B target. */
const REFERENCE_DRAFT_B = 0.5;
const REFERENCE_TARGET_B = 7;
const REFERENCE_RATIO = REFERENCE_DRAFT_B / REFERENCE_TARGET_B;
/** How fast the rejection share falls with the draft's size: 1 − α ∝ ratio^−0.3. */
const SIZE_EXPONENT = 0.3;

/** Methods that draft by looking text up rather than with a model. */
const LOOKUP_METHODS: ReadonlySet<SimSpecMethod> = new Set(['ngram', 'suffix']);

export const isLookupMethod = (m: SimSpecMethod): boolean => LOOKUP_METHODS.has(m);

/** Billions of parameters named in a model name or path ("Qwen2.5-0.5B-Instruct", "qwen3.5:9b", "SmolLM2-135M"), or null. */
export function parameterSizeB(name: string | null | undefined): number | null {
  if (!name) return null;
  const base = name.slice(name.lastIndexOf('/') + 1).toLowerCase();
  // A size is a number and b/m between separators; "e2b" (Gemma's effective size) counts, "4bit" and "q4_k_m" do not.
  const m = /(?:^|[-_:\s.])e?(\d+(?:\.\d+)?)([bm])(?![a-z0-9])/.exec(base);
  if (!m) return null;
  const n = Number(m[1]) / (m[2] === 'm' ? 1000 : 1);
  return n > 0 ? n : null;
}

/** The α and cost a draft of this size gives, against the unsized α; null when the draft's name has no size. */
export function sizedDraft(draftModel: string | null | undefined, targetModel: string | null | undefined): { ratio: number; cost: number; alpha(base: number): number } | null {
  const draft = parameterSizeB(draftModel);
  if (draft === null) return null;
  const ratio = draft / (parameterSizeB(targetModel) ?? REFERENCE_TARGET_B);
  const base = METHOD_PROFILES.draft_model.draftCost;
  const missFactor = (ratio / REFERENCE_RATIO) ** -SIZE_EXPONENT;
  return {
    ratio,
    cost: Math.min(10, Math.max(0.01, base + ((1 - base) * (ratio - REFERENCE_RATIO)) / (1 - REFERENCE_RATIO))),
    alpha: (a) => clampAlpha(1 - (1 - a) * missFactor),
  };
}

/** How often a lookup finds text to copy (per step) and how far it runs (per further token). */
export interface LookupOdds {
  match: number;
  carry: number;
}

const LOOKUP_ODDS: Record<PromptCategory, LookupOdds> = {
  // Code repeats its identifiers, signatures and the prompt's names.
  code: { match: 0.65, carry: 0.8 },
  technical: { match: 0.4, carry: 0.7 },
  security: { match: 0.4, carry: 0.7 },
  // Open-ended prose rarely repeats a span.
  creative: { match: 0.15, carry: 0.5 },
  other: { match: 0.3, carry: 0.65 },
};
/** A prompt that hands over text to edit: the answer mostly copies it. */
const REWRITE_ODDS: LookupOdds = { match: 0.85, carry: 0.9 };
const REWRITE_ALPHA = 0.9;
/** Suffix decoding also matches the server's earlier answers: a few more matches, a little longer. */
const SUFFIX_BONUS = { match: 0.1, carry: 0.05 };

/** A prompt that asks for its own text back, edited: long enough to hold that text, and asking to change it. */
export function asksToRewrite(prompt: string): boolean {
  return prompt.length >= 300 && /\b(rewrite|rephrase|edit|refactor|fix|proofread|reformat|translate|convert|update)\b/i.test(prompt);
}

/** `alphaFixed`: α came from a knob, so a rewrite prompt does not raise it. */
function lookupDrafter(prompt: string, method: SimSpecMethod, alpha: number, alphaFixed: boolean): Drafter {
  const rewrite = asksToRewrite(prompt);
  const odds = rewrite ? REWRITE_ODDS : LOOKUP_ODDS[classifyPrompt(prompt)];
  const bonus = method === 'suffix' ? SUFFIX_BONUS : { match: 0, carry: 0 };
  return {
    kind: 'lookup',
    match: Math.min(0.95, odds.match + bonus.match),
    carry: Math.min(0.95, odds.carry + bonus.carry),
    accept: rewrite && !alphaFixed ? Math.max(alpha, REWRITE_ALPHA) : alpha,
  };
}

/** The knob values drafting reads (PersonaKnobs and the vLLM persona's SimKnobs have them). */
export interface DraftingKnobs {
  alpha?: number | null;
  draftCost?: number | null;
  draftProfiles?: DraftProfiles;
  confidenceSpread?: number;
}

export interface DraftingInput {
  prompt: string;
  system?: string;
  temperature?: number;
  method: SimSpecMethod;
  draftModel?: string | null;
  targetModel?: string | null;
  /** The cut-off in effect (llama-server); 0 or absent = none. Lookup methods have none. */
  pMin?: number | null;
  knobs: DraftingKnobs;
}

export interface RequestDrafting {
  /** Per-token acceptance: the draft's mean confidence, or a looked-up token's chance. */
  alpha: number;
  /** Draft/target cost ratio per draft pass. */
  c: number;
  drafter: Drafter;
}

/** A --sim-draft profile by the draft's exact name, or by the last part of its path. */
function draftProfileFor(profiles: DraftProfiles | undefined, draftModel: string | null | undefined): DraftProfile | null {
  if (!profiles || !draftModel) return null;
  return profiles[draftModel] ?? profiles[draftModel.slice(draftModel.lastIndexOf('/') + 1)] ?? null;
}

export function requestDrafting(i: DraftingInput): RequestDrafting {
  const profile = draftProfileFor(i.knobs.draftProfiles, i.draftModel);
  const fixedAlpha = profile?.alpha ?? i.knobs.alpha ?? undefined;
  const sized = i.method === 'draft_model' ? sizedDraft(i.draftModel, i.targetModel) : null;
  const base = acceptanceAlpha({ prompt: i.prompt, system: i.system, method: i.method, temperature: i.temperature, override: fixedAlpha });
  const alpha = fixedAlpha === undefined && sized ? sized.alpha(base) : base;
  const c = profile?.draftCost ?? i.knobs.draftCost ?? sized?.cost ?? METHOD_PROFILES[i.method].draftCost;
  const drafter = isLookupMethod(i.method)
    ? lookupDrafter(i.prompt, i.method, alpha, fixedAlpha !== undefined)
    : modelDrafter(alpha, i.pMin ?? 0, i.knobs.confidenceSpread ?? DEFAULT_CONFIDENCE_SPREAD);
  return { alpha, c, drafter };
}
