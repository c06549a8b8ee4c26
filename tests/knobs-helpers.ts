/**
 * One real sweep per knob against the simulator's llama-server persona (a real process over HTTP),
 * and what every knob test asserts: each arm is in configurations[], the recommendation is a whole
 * setting its startup line spells out, and the pick's true speed (the persona's own timing model,
 * src/simulator/personas/expected.ts) is within 3% of the best setting of the whole space.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { simulatorCommand } from '../src/core/simulator-command';
import { runSweep } from '../src/core/sweep';
import { ServerProcess } from '../src/core/server-process';
import { armKey } from '../src/shared/config-key';
import { resolvePromptTypes, resolveSystemPrompts } from '../src/shared/prompts';
import type { Report } from '../src/shared/schemas';
import { bestSetting, settingTokensPerSecond, type PersonaSetup, type PromptCell } from '../src/simulator/personas/expected';
import type { LlamaBuildId } from '../src/simulator/personas/llama-args';
import { freePort } from './helpers/processes';

export const TARGET = '/models/qwen2.5-7b-instruct-q4_k_m.gguf';
export const D05 = '/models/qwen2.5-0.5b-instruct-q4_k_m.gguf';
export const D15 = '/models/qwen2.5-1.5b-instruct-q4_k_m.gguf';
export const KS = [0, 1, 2, 3, 4, 5, 6, 7, 8];

export const STEP_MS = 4;
const MAX_TOKENS = 48;
const SYSTEM_PROMPT = 'empty';

export interface KnobSweep {
  build: LlamaBuildId;
  draftModels: string[];
  methods?: string[];
  draftPMins?: number[];
  strategy?: 'adaptive' | 'exhaustive';
  /** The one prompt type measured (default code). */
  promptType?: string;
  /** Rounds the decision may give two close settings (default 3). */
  maxRepeats?: number;
}

/** The whole sweep: k 0..8 for every arm, one prompt cell, one round, the adaptive search. */
export async function sweepKnobs(name: string, s: KnobSweep): Promise<Report> {
  const server = new ServerProcess();
  const dir = mkdtempSync(join(tmpdir(), `spectune-knobs-${name}-`));
  try {
    return await runSweep({
      plan: {
        mode: 'managed',
        server: {
          engine: 'llama.cpp',
          command: [...simulatorCommand(), 'llama-server', '--sim-build', s.build],
          model: TARGET,
          draftModel: s.draftModels[0],
          port: await freePort(),
          startupTimeoutMs: 30_000,
          stopGraceMs: 3_000,
          extraArgs: ['--sim-startup-ms', '20', '--sim-step-ms', String(STEP_MS), '--sim-jitter', '0'],
        },
        draftModels: s.draftModels,
        methods: s.methods ?? [],
        draftPMins: s.draftPMins ?? [],
        tokens: KS,
        promptTypes: [s.promptType ?? 'code'],
        systemPrompts: [SYSTEM_PROMPT],
        repeats: 1,
        ...(s.maxRepeats ? { maxRepeats: s.maxRepeats } : {}),
        ...(s.strategy ? { strategy: s.strategy } : {}),
        maxTokens: MAX_TOKENS,
        ignoreEos: true,
      },
      outPath: join(dir, 'test_results.json'),
      server,
    });
  } finally {
    await server.stop().catch(() => undefined);
  }
}

/** The plan's one prompt cell as the persona served it (its prompt length from the measurements). */
export function cellOf(report: Report): PromptCell {
  const m = report.measurements.find((x) => x.metrics?.promptTokens);
  const promptTokens = m?.metrics?.promptTokens ?? 0;
  return { prompt: resolvePromptTypes([m?.promptType ?? 'code'])[0].prompt, system: resolveSystemPrompts([SYSTEM_PROMPT])[0].prompt, completionTokens: MAX_TOKENS, promptTokens };
}

/** Every arm of the plan has its k-curve in configurations[] (measured or predicted), the baseline once. */
export function expectEveryArm(report: Report, arms: { method: string | null; draftModel: string | null; draftPMin: number | null }[]): void {
  const listed = report.configurations.filter((c) => (c.concurrency ?? 1) === 1);
  expect(listed.filter((c) => c.numSpeculativeTokens === 0)).toHaveLength(1);
  for (const arm of arms) {
    const ks = listed.filter((c) => armKey(c) === armKey(arm)).map((c) => c.numSpeculativeTokens);
    expect(ks.sort((a, b) => a! - b!), `arm ${armKey(arm)}`).toEqual(KS.slice(1));
  }
  expect(listed).toHaveLength(1 + arms.length * (KS.length - 1));
}

/**
 * The pick against the truth over every setting of the space: within `tolerance` of the best (3%
 * by default). One 48-token answer per setting scatters ±10% around the truth (acceptance is drawn
 * per token), so a scenario whose arms' best settings are only ~5% apart is given more room here;
 * the 3% target over whole scenarios is the bench's.
 */
export function expectNearTrueBest(report: Report, build: LlamaBuildId, arms: { method: string | null; draftModel: string | null; draftPMin: number | null }[], tolerance = 0.03) {
  const setup: PersonaSetup = { persona: 'llama-server', targetModel: TARGET, build, knobs: { stepMs: STEP_MS } };
  const cell = cellOf(report);
  const space = [{ numSpeculativeTokens: 0 }, ...arms.flatMap((a) => KS.slice(1).map((k) => ({ ...a, numSpeculativeTokens: k })))];
  const best = bestSetting(setup, space, [cell]);
  const rec = report.recommendation!;
  const picked = settingTokensPerSecond(setup, rec, cell);
  expect(picked, `picked ${armKey(rec)} k=${rec.numSpeculativeTokens}; true best ${JSON.stringify(best.setting)} at ${best.tokensPerSecond.toFixed(1)} tok/s; ${rec.reason}`).toBeGreaterThanOrEqual(
    best.tokensPerSecond * (1 - tolerance),
  );
  return { best, picked };
}

/** The value after a flag in the recommended argv (undefined: the flag is not there). */
export function flagIn(argv: readonly string[] | null, flag: string): string | undefined {
  const i = (argv ?? []).indexOf(flag);
  return i >= 0 ? argv![i + 1] : undefined;
}

/** Launches the search spent against every setting's own (the report's summary counts them). */
export function launchesOf(report: Report): { launches: number; exhaustive: number } {
  return { launches: report.adaptive?.launches ?? NaN, exhaustive: report.adaptive?.exhaustiveLaunches ?? NaN };
}
