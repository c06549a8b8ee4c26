/**
 * The guided first screen as pure functions: which engines to offer first, what
 * the user still has to give (in words), and the plan one click runs. Every
 * difference between engines comes from their descriptors (lifecycle, fields,
 * methods, draftPerRequest, kChange, demo), never from their names.
 */
import { methodTakesDraft, type EngineDescriptor } from '../../../shared/engine-descriptor';
import type { EndpointStatus, ServerSettingsInput, SweepPlan } from '../../../shared/schemas';
import { splitArgs } from '../../../shared/shell-words';
import { buildSweepPlan, oneClickKnobs, parseDraftModelList, parseMeasureText, parsePMinList, type KnobChoice, type Parsed, type PlanTarget } from '../../../shared/plan-builder';
import { fieldSentence, measureChoice, SERVER_WORDS, type SweepFormValues } from './forms';

export interface GuideValues {
  engine: string | null;
  /** Attached engines: where the running server answers. */
  url: string;
  model: string;
  /** Launched engines: the command words as text. */
  command: string;
  port: string;
  /** Launched engines: the draft models to compare as typed (comma or line separated); the first loads with the server. */
  draftModel: string;
  /** Launched engines with methods that need no draft model (vLLM's ngram, …); '' = draft model. */
  method: string;
  /** Engines that swap drafts per request: the candidates to compare. */
  draftModels: string[];
  /** Confidence cut-offs to compare as typed ("0, 0.3"); '' = One click's default. Engines with a cut-off only. */
  draftPMins: string;
  /** Methods to compare, in the engine's words; [] = the one above (a draft model, or the method picked). */
  methods: string[];
  /** The demo stands in for the engine (simulator command, or the attached engine's simulated server). */
  demo: boolean;
}

/** load / loadTarget: the Concurrent requests and Recommend for fields (their text lives in the Sweep form). */
export type GuideField = 'engine' | 'url' | 'model' | 'command' | 'port' | 'draft' | 'pMin' | 'methods' | 'measure' | 'load' | 'loadTarget' | 'sloTtft' | 'sloItl';
export type GuideErrors = Partial<Record<GuideField, string>>;

export const EMPTY_GUIDE: GuideValues = { engine: null, url: '', model: '', command: '', port: '', draftModel: '', method: '', draftModels: [], draftPMins: '', methods: [], demo: false };

export interface RankedEngine {
  descriptor: EngineDescriptor;
  /** A running server of this engine the status probe found (the first one). */
  running: EndpointStatus | null;
}

/** Engines with a running server first (in the registry's order), then the rest. */
export function rankEngines(engines: readonly EngineDescriptor[], statuses: readonly EndpointStatus[]): RankedEngine[] {
  const ranked = engines.map((descriptor) => ({ descriptor, running: statuses.find((s) => s.running && s.kind === descriptor.id) ?? null }));
  return [...ranked.filter((r) => r.running), ...ranked.filter((r) => !r.running)];
}

/** The values a freshly picked engine starts with: its usual address, its default command, a detected server's first model. */
export function guideFor(d: EngineDescriptor, running: EndpointStatus | null): GuideValues {
  return {
    ...EMPTY_GUIDE,
    engine: d.id,
    url: running?.url ?? d.defaultUrl,
    command: d.defaultCommand.join(' '),
    port: String(d.defaultPort),
    model: running?.models[0] ?? '',
  };
}

/** Methods that guess ahead without a draft model (the descriptor lists draft_model among them for vLLM). */
export function draftFreeMethods(d: EngineDescriptor): string[] {
  return d.methods.filter((m) => !/draft/.test(m));
}

/** What is missing or wrong, in words a newcomer reads; {} = ready for one click. */
export function guideErrors(v: GuideValues, d: EngineDescriptor | null): GuideErrors {
  const e: GuideErrors = {};
  if (!d) return { engine: 'Pick what you run first.' };
  if (!v.model.trim()) e.model = `Which model should ${d.label} serve? For example ${d.placeholders.model}.`;
  if (d.lifecycle === 'attached') {
    const url = addressError(v.url, d);
    if (url) e.url = url;
    if (d.draftPerRequest && v.draftModels.length === 0) {
      e.draft = `Pick at least one draft model to try: a small model of the same family as the main one${d.placeholders.draftModel ? `, for example ${d.placeholders.draftModel}` : ''}.`;
    }
  } else {
    if (splitArgs(v.command).length === 0) e.command = `How is ${d.label} started? For example: ${d.defaultCommand.join(' ') || 'its command'}.`;
    const port = Number(v.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) e.port = 'Give the port the server should listen on: a whole number from 1 to 65535, e.g. 8000.';
    const drafts = v.draftModel.trim() === '' ? null : parseDraftModelList(v.draftModel);
    if (drafts && !drafts.ok) e.draft = `Draft models to compare: ${drafts.error}`;
    // Draft tokens are guessed by something: a draft model, or a method that needs none.
    if (!v.draftModel.trim() && !v.method && !guideMethods(v, d).some((m) => !methodTakesDraft(d.knobs, m))) {
      const methods = draftFreeMethods(d);
      e.draft = `Speculation needs a small draft model that guesses ahead${d.placeholders.draftModel ? ` (for example ${d.placeholders.draftModel})` : ''}${
        methods.length ? `, or a method that needs none (${methods.join(', ')})` : ''
      }. Give one to compare against the server without it.`;
    }
  }
  const pMins = guidePMins(v, d);
  if (pMins && !pMins.ok) e.pMin = `${CUT_OFFS}: ${pMins.error}`;
  return e;
}

const CUT_OFFS = 'Confidence cut-offs (p_min)';

/** The cut-offs typed, where the engine has one; null when none were typed (One click's default then). */
function guidePMins(v: GuideValues, d: EngineDescriptor): Parsed<number[]> | null {
  return d.knobs.pMin === 'none' || v.draftPMins.trim() === '' ? null : parsePMinList(v.draftPMins);
}

/** The methods ticked that this engine has (a tick left from another engine does not count). */
function guideMethods(v: GuideValues, d: EngineDescriptor): string[] {
  return v.methods.filter((m) => d.knobs.methods.includes(m));
}

/** What the user named to compare besides k; One click fills the rest (oneClickKnobs). */
function guideKnobs(v: GuideValues, d: EngineDescriptor, draftModels: string[]): KnobChoice {
  const pMins = guidePMins(v, d);
  return oneClickKnobs(d, { draftModels, methods: guideMethods(v, d), ...(pMins?.ok ? { draftPMins: pMins.value } : {}) });
}

/** What is wrong with an attached engine's address, in words naming the engine's own usual address; undefined when it reads. */
export function addressError(url: string, d: EngineDescriptor): string | undefined {
  const t = url.trim();
  if (t === '') return `Give the address where ${d.label} answers first, for example ${d.defaultUrl}: SpecTune asks it there.`;
  if (!/^https?:\/\/[^\s/]+/.test(t)) return `Where does ${d.label} answer? Give its address, for example ${d.defaultUrl}.`;
  return undefined;
}

/** The plan's fields this screen has a box for: their issues are shown there, naming the box. */
const GUIDE_FIELDS: Readonly<Record<string, { field: GuideField; name: string }>> = {
  'server.model': { field: 'model', name: SERVER_WORDS.model.name },
  model: { field: 'model', name: SERVER_WORDS.model.name },
  'server.draftModel': { field: 'draft', name: SERVER_WORDS.draftModel.name },
  draftModels: { field: 'draft', name: 'A draft model' },
  draftPMins: { field: 'pMin', name: CUT_OFFS },
  methods: { field: 'methods', name: 'Methods to compare' },
  'server.command': { field: 'command', name: SERVER_WORDS.command.name },
  'server.port': { field: 'port', name: SERVER_WORDS.port.name },
  'server.method': { field: 'draft', name: SERVER_WORDS.method.name },
  url: { field: 'url', name: 'The address' },
};

/** Where the plan builder's issues show on this screen: a box it has, the load fields, or (the rest live on the Sweep screen) above the button. */
function guideIssue(path: readonly PropertyKey[], message: string): { field: GuideField; message: string } {
  if (path[0] === 'concurrency') return { field: 'load', message };
  if (path[0] === 'targetConcurrency') return { field: 'loadTarget', message };
  if (path[0] === 'sloTtftP99' || (path[0] === 'slo' && path[1] !== 'itlP99Ms')) return { field: 'sloTtft', message };
  if (path[0] === 'sloItlP99' || path[0] === 'slo') return { field: 'sloItl', message };
  const own = GUIDE_FIELDS[path.slice(0, 2).map(String).join('.')] ?? GUIDE_FIELDS[String(path[0])];
  if (own) return { field: own.field, message: fieldSentence(own.name, message) };
  return { field: 'measure', message: `${path.join('.') || 'plan'}: ${message}` };
}


/** The draft models the box names (comma or line separated): the first loads with the server, all are compared. */
function guideDrafts(v: GuideValues): string[] {
  const r = v.draftModel.trim() === '' ? null : parseDraftModelList(v.draftModel);
  return r?.ok ? r.value : [];
}

/** One click's target: what the user named, and the knobs the engine has at their defaults (oneClickKnobs). */
function guideTarget(v: GuideValues, d: EngineDescriptor): PlanTarget {
  if (d.lifecycle === 'attached') {
    return { mode: 'attached', url: v.url.trim(), model: v.model.trim(), ...guideKnobs(v, d, d.draftPerRequest ? v.draftModels : []) };
  }
  const drafts = guideDrafts(v);
  return {
    mode: 'managed',
    ...guideKnobs(v, d, drafts),
    server: {
      engine: d.id,
      command: splitArgs(v.command),
      model: v.model.trim(),
      // A method from the descriptor's list; the plan schema checks it like every other field.
      ...(drafts[0] ? { draftModel: drafts[0] } : { method: v.method as ServerSettingsInput['method'] }),
      port: Number(v.port),
      numSpeculativeTokens: 0,
    },
  };
}

/** The one-click plan: the engine's default k list; measurement settings (prompts, repeats, answer length) from the Sweep screen. */
export function guidePlan(v: GuideValues, d: EngineDescriptor, measure: SweepFormValues): { ok: true; plan: SweepPlan } | { ok: false; errors: GuideErrors } {
  const text = parseMeasureText({ ...measure, tokens: undefined });
  const errors: GuideErrors = guideErrors(v, d);
  for (const [field, message] of Object.entries(text.errors)) errors[guideIssue([field], message).field] ??= message;
  if (Object.keys(errors).length) return { ok: false, errors };
  const built = buildSweepPlan({ engine: d, target: guideTarget(v, d), measure: measureChoice(measure, text.values) });
  if (built.ok) return { ok: true, plan: built.plan };
  for (const issue of built.issues) {
    const { field, message } = guideIssue(issue.path, issue.message);
    errors[field] ??= message;
  }
  return { ok: false, errors };
}

/** Model choices: a detected server's own list, else the demo's model when the demo stands in. */
export function modelChoices(v: GuideValues, d: EngineDescriptor, running: EndpointStatus | null, listed: readonly string[]): string[] {
  if (listed.length) return [...listed];
  if (running && running.models.length) return running.models;
  if (v.demo) return [d.demo.model];
  return [];
}
