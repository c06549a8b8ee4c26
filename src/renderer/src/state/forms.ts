/**
 * The Servers and Sweep forms hold what the user typed (strings); these turn
 * them into contract objects with the shared zod schemas, so the UI shows the
 * same field messages the services would answer with — before anything is sent.
 */
import type { z } from 'zod';
import {
  SweepPlanSchema,
  ServerSettingsSchema,
  SPEC_METHODS,
  MAX_CONCURRENCY,
  type PromptDef,
  type ServerSettings,
  type SweepPlan,
  type SystemPromptDef,
} from '../../../shared/schemas';
import { shellQuote, splitArgs } from '../../../shared/shell-words';
import { DEFAULT_ENGINE } from '../../../shared/engine-descriptor';

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
export const DEFAULT_SERVER_FORM: ServerFormValues = {
  engine: DEFAULT_ENGINE.id,
  command: wordsToText(DEFAULT_ENGINE.command),
  model: '',
  method: '',
  draftModel: '',
  k: '0',
  port: '8000',
  gpuMemoryUtilization: '0.9',
  tensorParallelSize: '1',
  extraArgs: '',
};

function num(text: string): number {
  // Empty must stay NaN, not 0, so the schema reports it as missing.
  return text.trim() === '' ? Number.NaN : Number(text.trim());
}

function optionalNum(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text.trim());
}

function collect<F extends string>(err: z.ZodError, fieldOf: (path: PropertyKey[]) => F): FieldErrors<F> {
  const out: FieldErrors<F> = {};
  for (const issue of err.issues) {
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
  return { ok: false, errors: collect(r.error, (p) => SERVER_FIELD[String(p[0])] ?? 'command') };
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
  | 'server';

export const DEFAULT_SWEEP_FORM: SweepFormValues = {
  mode: 'managed',
  url: 'http://127.0.0.1:8000',
  tokens: '0, 3, 5, 7',
  promptTypes: ['security', 'code', 'technical', 'creative'],
  systemPrompts: ['direct'],
  customPrompts: [],
  customSystemPrompts: [],
  repeats: '3',
  maxTokens: '256',
  concurrency: '1',
  targetConcurrency: '',
};

/** "0, 3 5,7" → [0, 3, 5, 7]; words that are not numbers become NaN so the schema names them. */
export function parseTokenList(text: string): number[] {
  return text
    .split(/[\s,;]+/)
    .filter((w) => w !== '')
    .map((w) => (/^-?\d+(\.\d+)?$/.test(w) ? Number(w) : Number.NaN));
}

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
  server: 'server',
};

/** The load-level part of a plan, from the form's text (shared by the Sweep form and the guided one click). */
export function loadLevels(v: Pick<SweepFormValues, 'concurrency' | 'targetConcurrency'>): { concurrency: number[]; targetConcurrency?: number } {
  const target = v.targetConcurrency.trim();
  return { concurrency: parseTokenList(v.concurrency), ...(target === '' ? {} : { targetConcurrency: Number(target) }) };
}

/** Levels in the list that are valid, distinct and ascending: what "Recommend for" can offer. */
export function levelChoices(text: string): number[] {
  return [...new Set(parseTokenList(text).filter((n) => Number.isInteger(n) && n >= 1 && n <= MAX_CONCURRENCY))].sort((a, b) => a - b);
}

/** A plan from the Sweep form; managed mode launches with the Servers form's settings. */
export function buildPlan(v: SweepFormValues, server: ServerFormValues, fields?: readonly string[]): FormResult<SweepPlan, SweepFormField> {
  let settings: ServerSettings | undefined;
  if (v.mode === 'managed') {
    const s = formToSettings(server, fields);
    if (!s.ok) {
      const first = Object.entries(s.errors)[0];
      return { ok: false, errors: { server: `fix the server settings on the Servers screen first (${first?.[0]}: ${first?.[1]})` } };
    }
    settings = s.value;
  }
  const input = {
    mode: v.mode,
    server: settings,
    url: v.mode === 'attached' ? v.url.trim() : undefined,
    tokens: parseTokenList(v.tokens),
    promptTypes: v.promptTypes,
    systemPrompts: v.systemPrompts,
    customPrompts: v.customPrompts.filter((p) => v.promptTypes.includes(p.id)),
    customSystemPrompts: v.customSystemPrompts.filter((p) => v.systemPrompts.includes(p.id)),
    repeats: num(v.repeats),
    maxTokens: num(v.maxTokens),
    ...loadLevels(v),
  };
  const r = SweepPlanSchema.safeParse(input);
  const errors: FieldErrors<SweepFormField> = r.success ? {} : collect(r.error, (p) => SWEEP_FIELD[String(p[0])] ?? 'tokens');
  if (r.success && Object.keys(errors).length === 0) return { ok: true, value: r.data };
  return { ok: false, errors };
}
