/**
 * The Servers and Sweep forms hold what the user typed (strings); these turn
 * them into contract objects with the shared zod schemas, so the UI shows the
 * same field messages the services would answer with — before anything is sent.
 */
import type { z } from 'zod';
import {
  ServerSettingsSchema,
  SPEC_METHODS,
  type PromptDef,
  type ServerSettings,
  type SweepPlan,
  type SystemPromptDef,
} from '../../../shared/schemas';
import { shellQuote, splitArgs } from '../../../shared/shell-words';
import type { EngineDescriptor } from '../../../shared/engine-descriptor';
import { buildSweepPlan, parseMeasureText, PLAN_DEFAULTS, type MeasureChoice, type ParsedMeasure, type PlanTarget } from '../../../shared/plan-builder';

export const METHOD_CHOICES = SPEC_METHODS;

export interface ServerFormValues {
  /** Engine id (a descriptor's); decides the argv and which fields the form shows. */
  engine: string;
  command: string;
  model: string;
  /** '' = automatic: draft_model when a draft model is given. */
  method: string;
  draftModel: string;
  k: string;
  port: string;
  gpuMemoryUtilization: string;
  tensorParallelSize: string;
  extraArgs: string;
}

export type ServerFormField = keyof ServerFormValues;
export type FieldErrors<F extends string> = Partial<Record<F, string>>;
export type FormResult<T, F extends string> = { ok: true; value: T } | { ok: false; errors: FieldErrors<F> };

// k = 0 (no speculation) so the defaults are a valid launch: k > 0 needs a draft model or a method the user picks.
// The engine and its command come with the descriptors (serverFormFor); until then the form names none.
export const DEFAULT_SERVER_FORM: ServerFormValues = {
  engine: '',
  command: '',
  model: '',
  method: '',
  draftModel: '',
  k: '0',
  port: String(PLAN_DEFAULTS.port),
  gpuMemoryUtilization: '0.9',
  tensorParallelSize: '1',
  extraArgs: '',
};

/** The Servers form a user starts with: the first engine SpecTune launches (in the registry's order), on its own command. */
export function serverFormFor(engines: readonly EngineDescriptor[]): ServerFormValues {
  const d = engines.find((e) => e.lifecycle === 'launched');
  return d ? { ...DEFAULT_SERVER_FORM, engine: d.id, command: wordsToText(d.defaultCommand) } : DEFAULT_SERVER_FORM;
}

function num(text: string): number {
  // Empty must stay NaN, not 0, so the schema reports it as missing.
  return text.trim() === '' ? Number.NaN : Number(text.trim());
}

function optionalNum(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text.trim());
}

function collect<F extends string>(issues: z.ZodError['issues'], fieldOf: (path: PropertyKey[]) => F): FieldErrors<F> {
  const out: FieldErrors<F> = {};
  for (const issue of issues) {
    const field = fieldOf(issue.path);
    if (!out[field]) out[field] = issue.message;
  }
  return out;
}

const SERVER_FIELD: Record<string, ServerFormField> = {
  command: 'command',
  model: 'model',
  method: 'method',
  draftModel: 'draftModel',
  numSpeculativeTokens: 'k',
  port: 'port',
  gpuMemoryUtilization: 'gpuMemoryUtilization',
  tensorParallelSize: 'tensorParallelSize',
  extraArgs: 'extraArgs',
};

/**
 * fields: the engine descriptor's form fields, when known. A field the engine does not take is
 * hidden on the form, so its value (a default GPU fraction) must not reach the engine either.
 */
export function formToSettings(v: ServerFormValues, fields?: readonly string[]): FormResult<ServerSettings, ServerFormField> {
  const takes = (f: string) => !fields || fields.includes(f);
  const input = {
    engine: v.engine,
    command: splitArgs(v.command),
    model: v.model,
    method: v.method === '' || !takes('method') ? undefined : v.method,
    draftModel: v.draftModel.trim() === '' || !takes('draftModel') ? undefined : v.draftModel.trim(),
    numSpeculativeTokens: num(v.k),
    port: num(v.port),
    gpuMemoryUtilization: takes('gpuMemoryUtilization') ? optionalNum(v.gpuMemoryUtilization) : undefined,
    tensorParallelSize: takes('tensorParallelSize') ? optionalNum(v.tensorParallelSize) : undefined,
    extraArgs: takes('extraArgs') ? splitArgs(v.extraArgs) : [],
  };
  const r = ServerSettingsSchema.safeParse(input);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, errors: collect(r.error.issues, (p) => SERVER_FIELD[String(p[0])] ?? 'command') };
}

/** Words back into the text a form field holds; splitArgs reads it back word for word (Windows backslashes too). */
export function wordsToText(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}

/** Inverse of formToSettings, for presets and "apply" results. */
export function settingsToForm(s: ServerSettings): ServerFormValues {
  return {
    engine: s.engine,
    command: wordsToText(s.command),
    model: s.model,
    method: s.method ?? '',
    draftModel: s.draftModel ?? '',
    k: String(s.numSpeculativeTokens),
    port: String(s.port),
    gpuMemoryUtilization: s.gpuMemoryUtilization === undefined ? '' : String(s.gpuMemoryUtilization),
    tensorParallelSize: s.tensorParallelSize === undefined ? '' : String(s.tensorParallelSize),
    extraArgs: wordsToText(s.extraArgs),
  };
}

export interface SweepFormValues {
  mode: 'managed' | 'attached';
  url: string;
  tokens: string;
  promptTypes: string[];
  systemPrompts: string[];
  customPrompts: PromptDef[];
  customSystemPrompts: SystemPromptDef[];
  repeats: string;
  maxTokens: string;
  /** Load levels: requests kept in flight at once, as typed ("1, 8, 32"). */
  concurrency: string;
  /** The level the recommendation is for; '' = the lowest level measured. */
  targetConcurrency: string;
  /** '' = as the k list implies (adaptive above three k > 0), else the one asked for. */
  strategy: '' | 'adaptive' | 'exhaustive';
  /** Most repeats one setting may get when two are not yet told apart; '' = 3 × repeats. */
  maxRepeats: string;
  /** Latency bounds at each load level, in ms; '' = none. */
  sloTtftP99: string;
  sloItlP99: string;
}

export type SweepFormField =
  | 'mode'
  | 'url'
  | 'tokens'
  | 'promptTypes'
  | 'systemPrompts'
  | 'repeats'
  | 'maxTokens'
  | 'concurrency'
  | 'targetConcurrency'
  | 'strategy'
  | 'maxRepeats'
  | 'sloTtftP99'
  | 'sloItlP99'
  | 'server';

export const DEFAULT_SWEEP_FORM: SweepFormValues = {
  mode: 'managed',
  url: `http://127.0.0.1:${PLAN_DEFAULTS.port}`,
  tokens: PLAN_DEFAULTS.launchedTokens.join(', '),
  promptTypes: [...PLAN_DEFAULTS.promptTypes],
  systemPrompts: [...PLAN_DEFAULTS.formSystemPrompts],
  customPrompts: [],
  customSystemPrompts: [],
  repeats: String(PLAN_DEFAULTS.repeats),
  maxTokens: String(PLAN_DEFAULTS.maxTokens),
  concurrency: PLAN_DEFAULTS.concurrency.join(', '),
  targetConcurrency: '',
  strategy: '',
  maxRepeats: '',
  sloTtftP99: '',
  sloItlP99: '',
};

const SWEEP_FIELD: Record<string, SweepFormField> = {
  mode: 'mode',
  url: 'url',
  tokens: 'tokens',
  promptTypes: 'promptTypes',
  systemPrompts: 'systemPrompts',
  repeats: 'repeats',
  maxTokens: 'maxTokens',
  concurrency: 'concurrency',
  targetConcurrency: 'targetConcurrency',
  strategy: 'strategy',
  maxRepeats: 'maxRepeats',
  slo: 'sloTtftP99',
  server: 'server',
};

/** The form's prompt choices and measurement numbers, as the plan builder takes them. */
export function measureChoice(v: SweepFormValues, numbers: ParsedMeasure): MeasureChoice {
  return {
    promptTypes: v.promptTypes,
    systemPrompts: v.systemPrompts,
    customPrompts: v.customPrompts,
    customSystemPrompts: v.customSystemPrompts,
    repeats: numbers.repeats,
    maxTokens: numbers.maxTokens,
    concurrency: numbers.concurrency,
    targetConcurrency: numbers.targetConcurrency,
    ...(numbers.maxRepeats !== undefined ? { maxRepeats: numbers.maxRepeats } : {}),
    ...(numbers.slo ? { slo: numbers.slo } : {}),
  };
}

/**
 * A plan from the Sweep form; managed mode launches with the Servers form's settings (engine:
 * their descriptor, when known). Attached, it measures one running server with the one k given.
 */
export function buildPlan(v: SweepFormValues, server: ServerFormValues, engine?: EngineDescriptor | null): FormResult<SweepPlan, SweepFormField> {
  let target: PlanTarget = { mode: 'attached', url: v.url.trim() };
  if (v.mode === 'managed') {
    const s = formToSettings(server, engine?.fields);
    if (!s.ok) {
      const first = Object.entries(s.errors)[0];
      return { ok: false, errors: { server: `fix the server settings on the Servers screen first (${first?.[0]}: ${first?.[1]})` } };
    }
    target = { mode: 'managed', server: s.value };
  }
  const text = parseMeasureText(v);
  const built = buildSweepPlan({
    engine: v.mode === 'managed' ? (engine ?? null) : null,
    target,
    tokens: text.values.tokens ?? [],
    measure: measureChoice(v, text.values),
    ...(v.strategy ? { extras: { strategy: v.strategy } } : {}),
  });
  const errors: FieldErrors<SweepFormField> = built.ok ? {} : collect(built.issues, (p) => (p[0] === 'slo' && p[1] === 'itlP99Ms' ? 'sloItlP99' : SWEEP_FIELD[String(p[0])]) ?? 'tokens');
  // A box that does not read says so itself, before anything the plan's checks add.
  Object.assign(errors, text.errors);
  if (built.ok && Object.keys(errors).length === 0) return { ok: true, value: built.plan };
  return { ok: false, errors };
}
