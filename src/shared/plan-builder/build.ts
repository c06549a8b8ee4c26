/**
 * The one way a sweep plan is put together, for the CLI, the Sweep form and the guided one
 * click: the engine's defaults filled in, then the plan schema's checks. Each surface turns the
 * issues into its own words (a flag, a form field) but none builds a plan by hand.
 */
import type { z } from 'zod';
import type { EngineDescriptor } from '../engine-descriptor';
import type { PromptDef, ServerSettingsInput, SweepPlan, SweepPlanInput, SystemPromptDef } from '../schemas';
import { SweepPlanSchema } from '../schemas';
import { changesKWhenAttached, defaultTokens, PLAN_DEFAULTS } from './defaults';
import { knobIssues } from './knobs';
import {
  MAX_REPEATS,
  MAX_TOKENS,
  parseKList,
  parseMilliseconds,
  SLO_ITL,
  SLO_TTFT,
  parseLevelList,
  parseWholeNumber,
  REPEATS,
  TARGET_LEVEL,
  type Parsed,
} from './text';

/** What is measured for every configuration; absent numbers take the defaults. */
export interface MeasureChoice {
  promptTypes: readonly string[];
  systemPrompts: readonly string[];
  customPrompts?: readonly PromptDef[];
  customSystemPrompts?: readonly SystemPromptDef[];
  repeats?: number;
  /** Most rounds one setting may get at one level when the decision samples more; default 3 × repeats. */
  maxRepeats?: number;
  maxTokens?: number;
  concurrency?: readonly number[];
  targetConcurrency?: number;
  /** Latency bounds (ms): at each level a setting whose p99 exceeds one is not eligible. */
  slo?: { ttftP99Ms?: number; itlP99Ms?: number };
}

export type PlanTarget =
  /** SpecTune launches the server with these settings (k set per configuration). */
  | { mode: 'managed'; server: ServerSettingsInput; draftModels?: readonly string[]; methods?: readonly string[]; draftPMins?: readonly number[] }
  /**
   * A running server at `url`. changesK: compare several k on it; default: what the engine says,
   * false when the engine is not known yet (the CLI passes true: it learns the engine from the server).
   */
  | { mode: 'attached'; url: string; model?: string; draftModels?: readonly string[]; methods?: readonly string[]; draftPMins?: readonly number[]; changesK?: boolean };

/** Request settings only the CLI offers as flags; the plan schema's defaults otherwise. */
export type RequestExtras = Partial<Pick<SweepPlanInput, 'temperature' | 'seed' | 'ignoreEos' | 'api' | 'warmup' | 'stallTimeoutMs' | 'strategy' | 'apiKeyEnv'>>;

export interface PlanRequest {
  /** The engine measured; null when it is learnt from the server (attached, not named). */
  engine: EngineDescriptor | null;
  target: PlanTarget;
  /** The k list; absent: the engine's default for this mode. */
  tokens?: readonly number[];
  measure: MeasureChoice;
  /** A demo: shorter answers unless max tokens is given. */
  demo?: boolean;
  extras?: RequestExtras;
  /** Every engine's descriptor, so a refused knob names the engines that have it. */
  peers?: readonly EngineDescriptor[];
}

export type PlanResult = { ok: true; plan: SweepPlan } | { ok: false; issues: z.ZodError['issues']; input: SweepPlanInput };

/** Only the custom definitions the selection uses travel with the plan. */
function selected<T extends { id: string }>(custom: readonly T[] | undefined, ids: readonly string[]): T[] {
  return (custom ?? []).filter((p) => ids.includes(p.id));
}

function measureInput(m: MeasureChoice, demo: boolean) {
  return {
    promptTypes: [...m.promptTypes],
    systemPrompts: [...m.systemPrompts],
    customPrompts: selected(m.customPrompts, m.promptTypes),
    customSystemPrompts: selected(m.customSystemPrompts, m.systemPrompts),
    repeats: m.repeats ?? PLAN_DEFAULTS.repeats,
    ...(m.maxRepeats !== undefined ? { maxRepeats: m.maxRepeats } : {}),
    maxTokens: m.maxTokens ?? (demo ? PLAN_DEFAULTS.demoMaxTokens : PLAN_DEFAULTS.maxTokens),
    ...(m.concurrency ? { concurrency: [...m.concurrency] } : {}),
    ...(m.targetConcurrency !== undefined ? { targetConcurrency: m.targetConcurrency } : {}),
    ...(m.slo && (m.slo.ttftP99Ms !== undefined || m.slo.itlP99Ms !== undefined) ? { slo: { ...m.slo } } : {}),
  };
}

function targetInput(req: PlanRequest): SweepPlanInput {
  const { engine, target } = req;
  const common = { ...req.extras, ...measureInput(req.measure, req.demo ?? false), ...(engine ? { engine: engine.id } : {}) };
  if (target.mode === 'managed') {
    return {
      ...common,
      mode: 'managed',
      server: target.server,
      tokens: [...(req.tokens ?? defaultTokens(engine, 'managed'))],
      draftModels: [...(target.draftModels ?? [])],
      methods: [...(target.methods ?? [])],
      draftPMins: [...(target.draftPMins ?? [])],
    };
  }
  const changesK = target.changesK ?? (engine !== null && changesKWhenAttached(engine));
  const tokens = [...(req.tokens ?? defaultTokens(engine, 'attached'))];
  return {
    ...common,
    mode: 'attached',
    url: target.url,
    ...(target.model !== undefined ? { model: target.model } : {}),
    draftModels: [...(target.draftModels ?? [])],
    methods: [...(target.methods ?? [])],
    draftPMins: [...(target.draftPMins ?? [])],
    tokens,
    // The schema lets an attached plan hold several k only where the engine changes k itself.
    ...(changesK && tokens.length !== 1 ? { attachedChangesK: true } : {}),
  };
}

export function buildSweepPlan(req: PlanRequest): PlanResult {
  const input = targetInput(req);
  const r = SweepPlanSchema.safeParse(input);
  if (!r.success) return { ok: false, issues: r.error.issues, input };
  const knobs = req.engine ? knobIssues(req.engine, r.data, req.peers) : [];
  if (knobs.length > 0) return { ok: false, issues: knobs.map((i) => ({ code: 'custom' as const, path: i.path, message: i.message, input: undefined })), input };
  return { ok: true, plan: r.data };
}

/** The measurement settings as a form holds them (text). */
export interface MeasureText {
  repeats: string;
  maxTokens: string;
  /** Load levels as typed ("1, 8, 32"). */
  concurrency: string;
  /** '' = the lowest level measured. */
  targetConcurrency: string;
  /** Most rounds one setting may get when the decision samples more; '' = 3 × repeats. */
  maxRepeats?: string;
  /** Latency bounds in ms; '' = none. */
  sloTtftP99?: string;
  sloItlP99?: string;
}

export type MeasureTextField = keyof MeasureText | 'tokens';

export interface ParsedMeasure {
  tokens?: number[];
  repeats?: number;
  maxTokens?: number;
  concurrency?: number[];
  targetConcurrency?: number;
  maxRepeats?: number;
  slo?: { ttftP99Ms?: number; itlP99Ms?: number };
}

/**
 * A form's text as numbers, each refusal under its field. A field that does not read is left
 * out of `values`, so the plan's own checks do not add a second message about it.
 */
export function parseMeasureText(t: MeasureText & { tokens?: string }): { values: ParsedMeasure; errors: Partial<Record<MeasureTextField, string>> } {
  const values: ParsedMeasure = {};
  const errors: Partial<Record<MeasureTextField, string>> = {};
  const take = <K extends Exclude<keyof ParsedMeasure, 'slo'>>(field: K, r: Parsed<NonNullable<ParsedMeasure[K]>>) => {
    if (r.ok) values[field] = r.value;
    else errors[field] = r.error;
  };
  if (t.tokens !== undefined) take('tokens', parseKList(t.tokens));
  take('repeats', parseWholeNumber(t.repeats, REPEATS));
  take('maxTokens', parseWholeNumber(t.maxTokens, MAX_TOKENS));
  take('concurrency', parseLevelList(t.concurrency));
  // The level to recommend for is checked against a list that reads; against one that does not, it means nothing yet.
  if (t.targetConcurrency.trim() !== '' && values.concurrency) take('targetConcurrency', parseWholeNumber(t.targetConcurrency, TARGET_LEVEL));
  if (t.maxRepeats && t.maxRepeats.trim() !== '') take('maxRepeats', parseWholeNumber(t.maxRepeats, MAX_REPEATS));
  const slo: NonNullable<ParsedMeasure['slo']> = {};
  for (const [field, key, spec] of [['sloTtftP99', 'ttftP99Ms', SLO_TTFT], ['sloItlP99', 'itlP99Ms', SLO_ITL]] as const) {
    const text = t[field];
    if (!text || text.trim() === '') continue;
    const r = parseMilliseconds(text, spec);
    if (r.ok) slo[key] = r.value;
    else errors[field] = r.error;
  }
  if (Object.keys(slo).length) values.slo = slo;
  return { values, errors };
}
