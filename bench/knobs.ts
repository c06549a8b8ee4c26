/**
 * The whole setting (method, draft model, cut-off and k) against the simulator's own truth: each scenario is a real
 * sweep of the llama-server persona over several arms — draft models, confidence cut-offs,
 * methods — each with k 1..8 and one baseline. The pick is judged by the timing model's
 * expected speed of the setting it names (personas/expected.ts, the geometric mean over the
 * plan's prompt cells), against the best setting of the grid; its cost is the launches the
 * search made against the launches an exhaustive sweep needs (one per setting).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulatorCommand } from '../src/core/simulator-command';
import { runSweep } from '../src/core/sweep';
import { ServerProcess } from '../src/core/server-process';
import { BUILTIN_PROMPT_TYPES, BUILTIN_SYSTEM_PROMPTS } from '../src/shared/prompts';
import type { ConfigurationResult, Report, SweepPlanInput } from '../src/shared/schemas';
import { bestSetting, planTruth, type PersonaSetup, type PromptCell, type SimSetting } from '../src/simulator/personas/expected';
import { freePort } from './processes';

const TARGET = 'qwen2.5-7b-instruct-q4_k_m.gguf';
const SMALL_DRAFT = 'qwen2.5-0.5b-instruct-q4_k_m.gguf';
const LARGE_DRAFT = 'qwen2.5-1.5b-instruct-q4_k_m.gguf';
const BUILD = '2026-08';
const KS = [0, 1, 2, 3, 4, 5, 6, 7, 8];

export interface KnobsScenario {
  name: string;
  draftModels: string[];
  draftPMins: number[];
  methods: string[];
  promptTypes: string[];
  systemPrompts: string[];
  repeats: number;
  /** The launch budget for this space (the pick within 3% of the best setting). */
  launchBudget: number;
  /** Extra persona knobs (--sim-*). */
  sim: string[];
}

const CELLS = { promptTypes: ['code', 'creative'], systemPrompts: ['empty'], repeats: 3 };

export const KNOBS_SCENARIOS: KnobsScenario[] = [
  { name: '2 draft models (0.5B, 1.5B) × k 1–8', draftModels: [SMALL_DRAFT, LARGE_DRAFT], draftPMins: [0], methods: ['draft-simple'], ...CELLS, launchBudget: 9, sim: [] },
  { name: '3 cut-offs (p_min 0, 0.3, 0.6) × k 1–8', draftModels: [SMALL_DRAFT], draftPMins: [0, 0.3, 0.6], methods: ['draft-simple'], ...CELLS, launchBudget: 10, sim: [] },
  { name: '2 methods (draft-simple, ngram-simple) × k 1–8', draftModels: [SMALL_DRAFT], draftPMins: [0], methods: ['draft-simple', 'ngram-simple'], ...CELLS, launchBudget: 10, sim: [] },
];

export interface KnobsRow {
  scenario: string;
  trueBest: string;
  pick: string | null;
  /** True speed of the pick over the true best's. */
  vsTrueBest: number | null;
  launches: number;
  launchBudget: number;
  /** One launch per setting: what measuring the whole grid once takes. */
  exhaustiveLaunches: number;
  requests: number;
  /** Arms left before the end, with the reason. */
  dropped: string[];
}

interface Opts {
  stepMs: number;
  maxTokens: number;
}

/** A report configuration as the persona's setting (what the truth is asked about). */
export function settingOf(c: Pick<ConfigurationResult, 'numSpeculativeTokens' | 'draftModel' | 'method' | 'draftPMin'>): SimSetting {
  return { method: c.method ?? undefined, draftModel: c.draftModel ?? null, pMin: c.draftPMin ?? undefined, k: c.numSpeculativeTokens ?? 0 };
}

/** In words, for the table: "draft-simple · 0.5b · p 0.3 · k 4". */
export function describeSetting(s: SimSetting): string {
  if (s.k === 0) return 'k 0 (no speculation)';
  const draft = s.draftModel ? s.draftModel.replace(/^qwen2\.5-|-instruct.*$/g, '') : null;
  return [s.method, draft, s.pMin ? `p ${s.pMin}` : null, `k ${s.k}`].filter(Boolean).join(' · ');
}

/** Every setting the plan names: the baseline, then each arm at every k > 0 (the grid the truth is over). */
function gridOf(s: KnobsScenario): SimSetting[] {
  const arms = s.methods.flatMap((method): Omit<SimSetting, 'k'>[] =>
    method.startsWith('ngram') ? [{ method, draftModel: null }] : s.draftModels.flatMap((draftModel) => s.draftPMins.map((pMin) => ({ method, draftModel, pMin }))),
  );
  return [{ k: 0 }, ...arms.flatMap((arm) => KS.filter((k) => k > 0).map((k) => ({ ...arm, k })))];
}

/** The plan's prompt cells as sent: each prompt type with each system prompt, at the prompt length the server counted. */
function cellsOf(report: Report, maxTokens: number): PromptCell[] {
  const cells = new Map<string, PromptCell>();
  for (const m of report.measurements) {
    const key = `${m.promptType}\u0000${m.systemPrompt}`;
    if (cells.has(key) || !m.metrics?.promptTokens) continue;
    const prompt = BUILTIN_PROMPT_TYPES.find((p) => p.id === m.promptType)!.prompt;
    const system = BUILTIN_SYSTEM_PROMPTS.find((p) => p.id === m.systemPrompt)!.prompt;
    cells.set(key, { prompt, system: system || undefined, promptTokens: m.metrics.promptTokens, completionTokens: maxTokens });
  }
  return [...cells.values()];
}

function plan(s: KnobsScenario, o: Opts, port: number): SweepPlanInput {
  return {
    mode: 'managed',
    server: {
      engine: 'llama.cpp',
      command: [...simulatorCommand(), 'llama-server', '--sim-build', BUILD],
      model: TARGET,
      draftModel: s.draftModels[0],
      port,
      startupTimeoutMs: 30_000,
      stopGraceMs: 3_000,
      extraArgs: ['--sim-startup-ms', '50', '--sim-step-ms', String(o.stepMs), ...s.sim],
    },
    tokens: KS,
    draftModels: s.draftModels,
    draftPMins: s.draftPMins,
    methods: s.methods,
    promptTypes: s.promptTypes,
    systemPrompts: s.systemPrompts,
    repeats: s.repeats,
    maxTokens: o.maxTokens,
    ignoreEos: true,
  } as SweepPlanInput;
}

export async function runKnobsScenario(s: KnobsScenario, o: Opts): Promise<KnobsRow> {
  const dir = mkdtempSync(join(tmpdir(), 'spectune-bench-knobs-'));
  const server = new ServerProcess();
  try {
    const report = await runSweep({ plan: plan(s, o, await freePort()), outPath: join(dir, 'test_results.json'), server });
    const setup: PersonaSetup = { persona: 'llama-server', targetModel: TARGET, build: BUILD, knobs: { stepMs: o.stepMs } };
    const cells = cellsOf(report, o.maxTokens);
    const grid = gridOf(s);
    const best = bestSetting(setup, grid, cells);
    const pick = report.recommendation ? settingOf(report.recommendation) : null;
    const pickSpeed = pick ? planTruth(setup, [pick], cells)[0].tokensPerSecond : null;
    return {
      scenario: s.name,
      trueBest: describeSetting(best.setting),
      pick: pick ? describeSetting(pick) : null,
      vsTrueBest: pickSpeed === null ? null : pickSpeed / best.tokensPerSecond,
      launches: report.adaptive?.launches ?? 0,
      launchBudget: s.launchBudget,
      exhaustiveLaunches: grid.length,
      requests: report.measurements.length,
      dropped: report.configurations.flatMap((c) => (c.prediction?.why?.startsWith('arm dropped') ? [`${describeSetting(settingOf(c))}: ${c.prediction.why}`] : [])),
    };
  } finally {
    await server.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
