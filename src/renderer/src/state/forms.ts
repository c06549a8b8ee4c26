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
import {
  buildSweepPlan,
  oneClickKnobs,
  parseDraftModelList,
  parseMeasureText,
  parsePMinList,
  PLAN_DEFAULTS,
  type KnobChoice,
  type MeasureChoice,
  type ParsedMeasure,
  type PlanTarget,
} from '../../../shared/plan-builder';

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

/** A schema message ("is longer than …", "must be …") as a sentence that names its field. */
export function fieldSentence(name: string, message: string): string {
  if (/^(is|must|has|needs)\b/.test(message)) return `${name} ${message}`;
  return message.charAt(0).toUpperCase() + message.slice(1);
}

/** How a form names a field to the user, and a value it takes. */
export interface FieldWords {
  name: string;
  example: string;
}

/** A message for a field: a sentence naming it, with a valid example when the message has none. */
function sentenceFor(words: FieldWords | undefined, message: string): string {
  if (!words) return message;
  const said = fieldSentence(words.name, message);
  return /e\.g\.|for example|like /.test(said) ? said : `${said.replace(/\.$/, '')}, e.g. ${words.example}`;
}

function collect<F extends string>(issues: z.ZodError['issues'], fieldOf: (path: PropertyKey[]) => F, words: Partial<Record<F, FieldWords>>): FieldErrors<F> {
  const out: FieldErrors<F> = {};
  for (const issue of issues) {
    const field = fieldOf(issue.path);
    if (!out[field]) out[field] = sentenceFor(words[field], issue.message);
  }
  return out;
}

/** The Servers form's fields as its labels name them. */
export const SERVER_WORDS: Record<ServerFormField, FieldWords> = {
  engine: { name: 'The engine', example: 'one from the list' },
  command: { name: 'The command', example: 'the full path to the server program' },
  model: { name: 'The model', example: 'Qwen/Qwen2.5-7B-Instruct' },
  method: { name: 'The speculation method', example: 'Automatic' },
  draftModel: { name: 'The draft model', example: 'Qwen/Qwen2.5-0.5B-Instruct' },
  k: { name: 'Draft tokens (k)', example: '3' },
  port: { name: 'The port', example: '8000' },
  gpuMemoryUtilization: { name: 'GPU memory utilisation', example: '0.9' },
  tensorParallelSize: { name: 'Tensor parallel size', example: '1' },
  extraArgs: { name: 'Extra arguments', example: '--enforce-eager' },
};

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
  return { ok: false, errors: collect(r.error.issues, (p) => SERVER_FIELD[String(p[0])] ?? 'command', SERVER_WORDS) };
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
  /** Draft models to compare, as typed (comma or line separated); '' = the Servers form's one. */
  draftModels: string;
  /** Confidence cut-offs to compare, as typed ("0, 0.5"); '' = the engine's default. Engines with a cut-off only. */
  draftPMins: string;
  /** Methods to compare, in the engine's words (its descriptor's knobs.methods); [] = the Servers form's one. */
  methods: string[];
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
  | 'draftModels'
  | 'draftPMins'
  | 'methods'
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
  draftModels: '',
  draftPMins: '',
  methods: [],
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
  draftModels: 'draftModels',
  draftPMins: 'draftPMins',
  methods: 'methods',
  server: 'server',
};

/** The Sweep form's fields as its labels name them. */
const SWEEP_WORDS: Partial<Record<SweepFormField, FieldWords>> = {
  url: { name: 'The server URL', example: 'http://127.0.0.1:8000' },
  tokens: { name: 'The k list', example: '0,3,5,7 or 1-8' },
  repeats: { name: 'Repeats', example: '3' },
  maxTokens: { name: 'Max tokens', example: '256' },
  concurrency: { name: 'Concurrent requests', example: '1,8,32' },
  targetConcurrency: { name: 'Recommend for', example: '8' },
  draftModels: { name: 'Draft models to compare', example: 'qwen2.5-0.5b.gguf, qwen2.5-1.5b.gguf' },
  draftPMins: { name: 'Confidence cut-offs (p_min)', example: '0, 0.5' },
  methods: { name: 'Methods', example: 'tick one or more' },
};

/** Which knob boxes the form shows for an engine: only the knobs its descriptor says it has. */
export function knobBoxes(engine: EngineDescriptor | null | undefined): { draftModels: boolean; draftPMins: boolean; methods: readonly string[] } {
  const k = engine?.knobs;
  return { draftModels: !!k && k.draftModels !== 'none', draftPMins: !!k && k.pMin !== 'none', methods: k?.methods ?? [] };
}

/** The knob boxes as the plan holds them, each refusal under its box; a hidden or empty box gives nothing. */
export function parseKnobText(v: Pick<SweepFormValues, 'draftModels' | 'draftPMins' | 'methods'>, engine: EngineDescriptor | null | undefined): { values: KnobChoice; errors: FieldErrors<SweepFormField> } {
  const boxes = knobBoxes(engine);
  const values: KnobChoice = {};
  const errors: FieldErrors<SweepFormField> = {};
  if (boxes.draftModels && v.draftModels.trim() !== '') {
    const r = parseDraftModelList(v.draftModels);
    if (r.ok) values.draftModels = r.value;
    else errors.draftModels = `${SWEEP_WORDS.draftModels!.name}: ${r.error}`;
  }
  if (boxes.draftPMins && v.draftPMins.trim() !== '') {
    const r = parsePMinList(v.draftPMins);
    if (r.ok) values.draftPMins = r.value;
    else errors.draftPMins = `${SWEEP_WORDS.draftPMins!.name}: ${r.error}`;
  }
  const methods = v.methods.filter((m) => boxes.methods.includes(m));
  if (methods.length) values.methods = methods;
  return { values, errors };
}

/** The plan builder's words for a box that does not read, as a sentence naming the box ("The k list: item 2 …"). */
function textSentence(words: FieldWords | undefined, message: string): string {
  if (words && /^Item \d/.test(message)) return `${words.name}: i${message.slice(1)}`;
  return sentenceFor(words, message);
}

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
 * their descriptor, when known) and compares the knobs the form names. Attached, it measures one
 * running server with the one k given. oneClick: the knobs the user left empty take One click's defaults.
 */
export function buildPlan(v: SweepFormValues, server: ServerFormValues, engine?: EngineDescriptor | null, oneClick = false): FormResult<SweepPlan, SweepFormField> {
  let target: PlanTarget = { mode: 'attached', url: v.url.trim() };
  const knobText = parseKnobText(v, v.mode === 'managed' ? engine : null);
  if (v.mode === 'managed') {
    const s = formToSettings(server, engine?.fields);
    if (!s.ok) {
      const first = Object.entries(s.errors)[0];
      return { ok: false, errors: { server: `Fix the server settings on the Servers screen first: ${first?.[1] ?? 'they do not read'}` } };
    }
    target = { mode: 'managed', server: s.value, ...managedKnobs(knobText.values, s.value.draftModel, engine, oneClick) };
  }
  const text = parseMeasureText(v);
  const built = buildSweepPlan({
    engine: v.mode === 'managed' ? (engine ?? null) : null,
    target,
    tokens: text.values.tokens ?? [],
    measure: measureChoice(v, text.values),
    ...(v.strategy ? { extras: { strategy: v.strategy } } : {}),
  });
  const errors: FieldErrors<SweepFormField> = built.ok
    ? {}
    : collect(built.issues, (p) => (p[0] === 'slo' && p[1] === 'itlP99Ms' ? 'sloItlP99' : SWEEP_FIELD[String(p[0])]) ?? 'tokens', SWEEP_WORDS);
  // A box that does not read says so itself, before anything the plan's checks add.
  for (const [field, message] of Object.entries({ ...text.errors, ...knobText.errors }) as [SweepFormField, string][]) errors[field] = textSentence(SWEEP_WORDS[field], message);
  if (built.ok && Object.keys(errors).length === 0) return { ok: true, value: built.plan };
  return { ok: false, errors };
}

/** The knobs a launch compares: the form's; for One click, its defaults where the form left them out. */
function managedKnobs(named: KnobChoice, serverDraft: string | undefined, engine: EngineDescriptor | null | undefined, oneClick: boolean): KnobChoice {
  if (!oneClick || !engine) return named;
  // The Servers form's draft model drafts when the form names none: it decides whether cut-offs apply, and is launched as it is.
  const knobs = oneClickKnobs(engine, { ...named, draftModels: named.draftModels ?? (serverDraft ? [serverDraft] : []) });
  return { ...knobs, draftModels: named.draftModels ?? [] };
}
