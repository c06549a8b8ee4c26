/**
 * Plan → what the sweep will do: which engine, which configurations in which
 * order, which prompts, and (managed mode) the argv of every launch, built and
 * checked before anything runs — what a later configuration would be refused for
 * (engine missing, a flag this build lacks, draft models on vLLM 0.10–0.14) is
 * refused now, not after the baseline ran for minutes.
 */
import { SpecTuneError } from '../../shared/errors';
import { resolvePromptTypes, resolveSystemPrompts } from '../../shared/prompts';
import { parseOrThrow, SweepPlanSchema, type PromptDef, type ServerSettings, type SweepPlan, type SweepPlanInput, type SystemPromptDef } from '../../shared/schemas';
import { isBaselineConfig, type Engine, type EngineBuild, type SpecConfig } from '../../engines/engine';
import { engineById } from '../../engines';
import { launchSupport, type ServerProcess } from '../server-process';
import { identifyWith, listModels, probeEndpoint } from '../probes';

/** One prompt type with one system prompt: a round is every cell of the matrix once. */
export interface MatrixCell {
  pt: PromptDef;
  sp: SystemPromptDef;
}

/** A cell as measured: in round `repeat`. */
export interface Cell extends MatrixCell {
  repeat: number;
}

/** Rounds fromRound.. of the matrix, each in the matrix's order (prompt type by prompt type, system prompts within). */
export function roundCells(matrix: readonly MatrixCell[], fromRound: number, rounds: number): Cell[] {
  return Array.from({ length: rounds }, (_, r) => matrix.map((cell) => ({ ...cell, repeat: fromRound + r }))).flat();
}

export interface SweepSetup {
  plan: SweepPlan;
  engine: Engine;
  configs: SpecConfig[];
  /** The prompt matrix (prompt types × system prompts), in measuring order. */
  matrix: MatrixCell[];
  promptTypes: PromptDef[];
  systemPrompts: SystemPromptDef[];
  /** Managed mode: the installed build; attached: null. */
  build: EngineBuild | null;
  /** Managed mode: the launch settings for a configuration (equal settings = no restart between them). */
  launchFor: (c: SpecConfig) => ServerSettings | null;
  apiKey: string | undefined;
}

/** Where k lives in a launch: the configuration's own (restart engines), or one launch for all (per-request engines). */
function launchSettingsFor(engine: Engine, settings: ServerSettings, configs: readonly SpecConfig[]): (c: SpecConfig) => ServerSettings {
  if (engine.descriptor.kChange === 'restart') {
    return (c) => {
      if (isBaselineConfig(c)) return { ...settings, numSpeculativeTokens: 0 };
      // The configuration's setting is the whole of it: no draft for a method that takes none.
      const own: ServerSettings = { ...settings, numSpeculativeTokens: c.numSpeculativeTokens ?? settings.numSpeculativeTokens };
      delete own.draftModel;
      delete own.method;
      delete own.draftPMin;
      return { ...own, ...launchKnobs(c) };
    };
  }
  // One launch per draft model that serves every k of it: the largest k, with that draft loaded.
  const maxK = Math.max(0, ...configs.map((c) => c.numSpeculativeTokens ?? 0));
  const byDraft = new Map<string, ServerSettings>();
  return (c) => {
    const draft = c.draftModel ?? settings.draftModel;
    const key = draft ?? '';
    if (!byDraft.has(key)) byDraft.set(key, { ...settings, numSpeculativeTokens: maxK, ...(draft ? { draftModel: draft } : {}) });
    return byDraft.get(key)!;
  };
}

/** A configuration's draft model, method and cut-off as launch settings (left out where it has none). */
function launchKnobs(c: SpecConfig): Partial<ServerSettings> {
  return { ...(c.draftModel !== null ? { draftModel: c.draftModel } : {}), ...(c.method !== null ? { method: c.method } : {}), ...(c.draftPMin !== null ? { draftPMin: c.draftPMin } : {}) };
}

/** What the engine lists configurations from. */
function configurationInput(plan: SweepPlan, settings: ServerSettings | null) {
  return { tokens: plan.tokens, draftModels: plan.draftModels, methods: plan.methods, draftPMins: plan.draftPMins, settings };
}

export async function setUpSweep(input: SweepPlanInput, server: ServerProcess | null, signal?: AbortSignal): Promise<SweepSetup> {
  let plan: SweepPlan = parseOrThrow(SweepPlanSchema, input, 'plan');
  const promptTypes = resolvePromptTypes(plan.promptTypes, plan.customPrompts);
  const systemPrompts = resolveSystemPrompts(plan.systemPrompts, plan.customSystemPrompts);
  const matrix = promptTypes.flatMap((pt) => systemPrompts.map((sp) => ({ pt, sp })));

  if (plan.mode === 'managed') {
    const settings = plan.server!;
    const engine = engineById(settings.engine);
    launchSupport(engine); // refuses, before anything runs, an engine the user runs themselves
    const apiKey = apiKeyFor(engine, plan);
    const configs = sortBaselineFirst(engine.configurations(configurationInput(plan, settings)));
    const build = await server!.detectVersion(settings.command, { signal, engine: settings.engine });
    const launchFor = launchSettingsFor(engine, settings, configs);
    for (const c of configs) await server!.argvFor(launchFor(c), { signal });
    return { plan: { ...plan, engine: engine.descriptor.id }, engine, configs, matrix, promptTypes, systemPrompts, build, launchFor, apiKey };
  }

  const url = plan.url!.replace(/\/+$/, '');
  const engine = await attachedEngine(plan, url);
  const kPerRequest = engine.descriptor.kChange === 'per-request' || engine.descriptor.kChange === 'reload';
  if (!kPerRequest && plan.tokens.length !== 1) {
    throw new SpecTuneError('INVALID_INPUT', `plan.tokens: ${engine.descriptor.label} sets k when it is launched, so an attached sweep measures it as it runs`, {
      hint: `give the single k it was launched with (0 = no speculation), or let SpecTune launch it to compare several`,
    });
  }
  plan = { ...plan, engine: engine.descriptor.id, attachedChangesK: kPerRequest || undefined };
  const apiKey = apiKeyFor(engine, plan);
  const configs = sortBaselineFirst(engine.configurations(configurationInput(plan, null)));
  return { plan, engine, configs, matrix, promptTypes, systemPrompts, build: null, launchFor: () => null, apiKey };
}

/**
 * The bearer key this server gets: from the variable the user named for it (plan.apiKeyEnv), else from
 * its engine's own variable, else none. Never another engine's: a vLLM key does not go to LM Studio.
 */
export function apiKeyFor(engine: Engine, plan: Pick<SweepPlan, 'apiKeyEnv'>, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (plan.apiKeyEnv !== undefined) {
    const named = env[plan.apiKeyEnv];
    if (!named) {
      throw new SpecTuneError('INVALID_INPUT', `apiKeyEnv: the environment variable ${plan.apiKeyEnv} is not set (or empty), so there is no key to send`, {
        hint: `set ${plan.apiKeyEnv} to the server's API key before running SpecTune, or leave out --api-key-env`,
      });
    }
    return named;
  }
  return (engine.apiKeyEnv && env[engine.apiKeyEnv]) || undefined;
}

/** Baseline first: every later configuration is compared with it. */
function sortBaselineFirst(configs: SpecConfig[]): SpecConfig[] {
  return [...configs].sort((a, b) => Number(isBaselineConfig(b)) - Number(isBaselineConfig(a)) || (a.numSpeculativeTokens ?? 1e9) - (b.numSpeculativeTokens ?? 1e9));
}

/**
 * The engine at an attached URL: whatever answers, identified by its API (the generic
 * OpenAI-compatible engine when no named one does), or the one the plan names, if it recognises the
 * server (the generic engine recognises any server that lists models).
 */
async function attachedEngine(plan: SweepPlan, url: string): Promise<Engine> {
  const status = await probeEndpoint({ name: 'target', url });
  if (!status.running || status.kind === 'unknown') {
    throw new SpecTuneError('CONNECT_FAILED', `no server answers at ${url}: ${status.reason ?? 'not running'}`, {
      hint: 'start the server first, or check the URL and port',
    });
  }
  const detected = engineById(status.kind);
  if (!plan.engine) return detected;
  const wanted = engineById(plan.engine);
  if (detected === wanted || (await identifyWith(wanted, url))) return wanted;
  throw new SpecTuneError('INVALID_INPUT', `--engine says ${wanted.descriptor.label}, but ${detected.descriptor.label} answers at ${url}`, {
    hint: `use --engine ${detected.descriptor.id}, or check the URL`,
  });
}

/** The model to request: the plan's (checked against what the server has), else the first it lists. */
export async function modelToRequest(plan: SweepPlan, baseUrl: string, listed: readonly string[], apiKey?: string): Promise<string> {
  const models = listed.length ? listed : await listModels(baseUrl, undefined, apiKey).catch(() => [] as string[]);
  if (plan.model) {
    if (models.length && !models.includes(plan.model)) {
      throw new SpecTuneError('INVALID_INPUT', `the server at ${baseUrl} has no model "${plan.model}"; it has: ${models.join(', ')}`, {
        hint: 'pass one of those with --model',
      });
    }
    return plan.model;
  }
  if (!models[0]) throw new SpecTuneError('INVALID_INPUT', `${baseUrl} lists no model`, { hint: 'pass --model' });
  return models[0];
}
