/**
 * What a sweep compares and measures when the user does not say. The CLI's flags, the Sweep
 * form and the guided one click all start from here, so their defaults cannot drift apart.
 */
import { methodTakesDraft, type EngineDescriptor } from '../engine-descriptor';
import type { KnobChoice } from './knobs';
import { DEFAULT_PROMPT_TYPE_IDS, DEFAULT_SYSTEM_PROMPT_IDS } from '../prompts';

export interface PlanDefaults {
  /** A launched engine: the fine grid 0..8, searched adaptively (only what decides is measured). */
  launchedTokens: readonly number[];
  /** An attached engine that changes k per request or by reload: compared on the running server. */
  attachedTokens: readonly number[];
  /** An attached engine that cannot change k: the one k it runs with (0 = none). */
  fixedTokens: readonly number[];
  repeats: number;
  maxTokens: number;
  /** Short answers keep a demo near a minute; the k-curve's shape does not depend on the length. */
  demoMaxTokens: number;
  /** Where a launched server listens unless told (a demo picks a free port instead). */
  port: number;
  promptTypes: readonly string[];
  systemPrompts: readonly string[];
  /** The app's form starts with one system prompt: a first run a quarter as long, the others a tick away. */
  formSystemPrompts: readonly string[];
  /** Load levels: one request at a time. */
  concurrency: readonly number[];
  /** One click on an engine with a draft confidence cut-off: none (0) against one cut-off. */
  oneClickPMins: readonly number[];
}

export const PLAN_DEFAULTS: PlanDefaults = {
  launchedTokens: [0, 1, 2, 3, 4, 5, 6, 7, 8],
  attachedTokens: [0, 1, 2, 3, 4, 5, 6, 7, 8],
  fixedTokens: [0],
  repeats: 3,
  maxTokens: 256,
  demoMaxTokens: 64,
  port: 8000,
  promptTypes: DEFAULT_PROMPT_TYPE_IDS,
  systemPrompts: DEFAULT_SYSTEM_PROMPT_IDS,
  formSystemPrompts: ['direct'],
  concurrency: [1],
  oneClickPMins: [0, 0.5],
};

/**
 * What one click compares besides k: the draft models and methods the user named (all of them), and
 * where the engine has a cut-off and something drafts with a model, p_min 0 and one cut-off unless
 * the user gave cut-offs. An engine without a cut-off gets none.
 */
export function oneClickKnobs(d: EngineDescriptor, named: KnobChoice): KnobChoice {
  const methods = named.methods ?? [];
  const drafts = (named.draftModels?.length ?? 0) > 0 && (methods.length === 0 || methods.some((m) => methodTakesDraft(d.knobs, m)));
  const pMins = named.draftPMins?.length ? named.draftPMins : d.knobs.pMin !== 'none' && drafts ? PLAN_DEFAULTS.oneClickPMins : [];
  return { draftModels: [...(named.draftModels ?? [])], methods: [...methods], draftPMins: [...pMins] };
}

/** An attached engine whose k can change without SpecTune launching it (per request, or by a reload). */
export function changesKWhenAttached(d: EngineDescriptor): boolean {
  return d.kChange === 'per-request' || d.kChange === 'reload';
}

/**
 * The k list when none is given. Attached: only an engine known to be attached and able to change
 * k compares several; an unknown one (detected when the sweep starts) is measured as it runs.
 */
export function defaultTokens(engine: EngineDescriptor | null, mode: 'managed' | 'attached'): number[] {
  if (mode === 'managed') return [...PLAN_DEFAULTS.launchedTokens];
  const several = engine !== null && engine.lifecycle === 'attached' && changesKWhenAttached(engine);
  return [...(several ? PLAN_DEFAULTS.attachedTokens : PLAN_DEFAULTS.fixedTokens)];
}
