/**
 * Adaptive versus exhaustive sweeps on simulator scenarios whose true k-curve is
 * known (src/simulator/model.ts): does adaptive pick the same k, or one within 2%
 * of its true speed, for at most 40% of the requests and half the launches?
 * Each scenario runs both strategies as real sweeps (simulator processes, HTTP).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulatedVllmSettings } from '../src/core/simulator-command';
import { runSweep } from '../src/core/sweep';
import { ServerProcess } from '../src/core/server-process';
import { personaExpectedTokensPerSecond } from '../src/simulator/personas/expected';
import type { Report, SweepStrategyKind } from '../src/shared/schemas';
import { freePort } from './processes';

export interface Scenario {
  name: string;
  alpha: number;
  draftCost: number;
  stepMs: number;
  jitter?: number;
}

export const SCENARIOS: Scenario[] = [
  { name: 'flat-topped curve', alpha: 0.8, draftCost: 0.15, stepMs: 3 },
  { name: 'optimum at the grid edge', alpha: 0.95, draftCost: 0.03, stepMs: 3 },
  { name: 'speculation never pays', alpha: 0.3, draftCost: 0.45, stepMs: 3 },
  { name: 'strongly decaying acceptance', alpha: 0.5, draftCost: 0.08, stepMs: 3 },
  { name: 'noisy server (±25% step jitter)', alpha: 0.8, draftCost: 0.15, stepMs: 3, jitter: 0.25 },
];

export const GRID = [0, 1, 2, 3, 4, 5, 6, 7, 8];

export interface AdaptiveRow {
  scenario: string;
  trueBestK: number;
  exhaustiveK: number | null;
  adaptiveK: number | null;
  /** True speed of adaptive's pick / true speed of exhaustive's pick. */
  pickSpeedRatio: number | null;
  /** True speed of adaptive's pick / the true best. */
  vsTrueBest: number | null;
  requests: [number, number];
  launches: [number, number];
  measuredKs: number[];
  decidedBecause: string | null;
}

async function sweep(s: Scenario, strategy: SweepStrategyKind, opts: { repeats: number; maxTokens: number }, dir: string): Promise<Report> {
  const server = new ServerProcess();
  try {
    return await runSweep({
      plan: {
        mode: 'managed',
        server: simulatedVllmSettings(await freePort(), [
            '--sim-startup-ms', '100',
            '--sim-step-ms', String(s.stepMs),
            '--sim-alpha', String(s.alpha),
            '--sim-draft-cost', String(s.draftCost),
            ...(s.jitter !== undefined ? ['--sim-jitter', String(s.jitter)] : []),
          ]),
        tokens: GRID,
        strategy,
        promptTypes: ['code'],
        systemPrompts: ['empty'],
        repeats: opts.repeats,
        maxTokens: opts.maxTokens,
        ignoreEos: true,
      },
      outPath: join(dir, `${strategy}.json`),
      server,
    });
  } finally {
    await server.stop().catch(() => undefined);
  }
}

export async function runAdaptiveScenario(s: Scenario, opts: { repeats: number; maxTokens: number }): Promise<AdaptiveRow> {
  const dir = mkdtempSync(join(tmpdir(), 'spectune-bench-adaptive-'));
  try {
    const exhaustive = await sweep(s, 'exhaustive', opts, dir);
    const adaptive = await sweep(s, 'adaptive', opts, dir);
    const promptTokens = exhaustive.measurements.find((m) => m.metrics)?.metrics?.promptTokens ?? 50;
    const truth = (k: number) =>
      personaExpectedTokensPerSecond({ persona: 'vllm', alpha: s.alpha, draftCost: s.draftCost, stepMs: s.stepMs, completionTokens: opts.maxTokens, promptTokens, k });
    const trueBestK = GRID.reduce((b, k) => (truth(k) > truth(b) ? k : b), 0);
    const ek = exhaustive.recommendation?.numSpeculativeTokens ?? null;
    const ak = adaptive.recommendation?.numSpeculativeTokens ?? null;
    const a = adaptive.adaptive!;
    const e = exhaustive.adaptive!;
    return {
      scenario: s.name,
      trueBestK,
      exhaustiveK: ek,
      adaptiveK: ak,
      pickSpeedRatio: ek !== null && ak !== null ? truth(ak) / truth(ek) : null,
      vsTrueBest: ak !== null ? truth(ak) / truth(trueBestK) : null,
      requests: [a.requests, e.requests],
      launches: [a.launches, e.launches],
      measuredKs: [...new Set(adaptive.measurements.map((m) => m.numSpeculativeTokens!))].sort((x, y) => x - y),
      decidedBecause: a.decidedBecause,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
