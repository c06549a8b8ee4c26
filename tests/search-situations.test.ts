/**
 * The three situations the search was built for, as real sweeps against the simulator's personas (real
 * processes, HTTP): each recommendation is checked against the simulator's own timing model — the k whose
 * expected speed is the best of the grid, within 3% — and the report's decision must say why it stopped.
 * The full scenario set (every engine, edge optimum, flat top, never pays, noise) is `npm run bench -- --only search`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { simulatorCommand } from '../src/core/simulator-command';
import { runSweep } from '../src/core/sweep';
import { ServerProcess } from '../src/core/server-process';
import type { Report } from '../src/shared/schemas';
import { personaExpectedTokensPerSecond } from '../src/simulator/personas/expected';
import { freePort } from './helpers/processes';

const dir = mkdtempSync(join(tmpdir(), 'spectune-situations-'));
const servers: ServerProcess[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

interface Situation {
  engine: 'vllm' | 'llama.cpp';
  tokens?: number[];
  alpha: number;
  draftCost: number;
  promptTypes: string[];
  systemPrompts: string[];
  repeats: number;
}

const STEP_MS = 4;
const MAX_TOKENS = 128;

async function sweep(s: Situation, name: string): Promise<Report> {
  const server = new ServerProcess();
  servers.push(server);
  const knobs = ['--sim-startup-ms', '50', '--sim-step-ms', String(STEP_MS), '--sim-alpha', String(s.alpha), '--sim-draft-cost', String(s.draftCost)];
  const command = s.engine === 'vllm' ? simulatorCommand() : [...simulatorCommand(), 'llama-server', '--sim-build', '2026-06'];
  return runSweep({
    plan: {
      mode: 'managed',
      server: { engine: s.engine, command, model: s.engine === 'vllm' ? 'sim/target-7b' : '/models/target.gguf', draftModel: s.engine === 'vllm' ? 'sim/draft-0.5b' : '/models/draft.gguf', port: await freePort(), startupTimeoutMs: 30_000, stopGraceMs: 3_000, extraArgs: knobs },
      ...(s.tokens ? { tokens: s.tokens } : { tokens: [0, 1, 2, 3, 4, 5, 6, 7, 8] }),
      promptTypes: s.promptTypes,
      systemPrompts: s.systemPrompts,
      repeats: s.repeats,
      maxTokens: MAX_TOKENS,
      ignoreEos: true,
    },
    outPath: join(dir, `${name}.json`),
    server,
  });
}

/** The timing model's speed of k for this situation (every cell has the same α under --sim-alpha). */
function truth(s: Situation, report: Report) {
  const promptTokens = report.measurements.find((m) => m.metrics)!.metrics!.promptTokens!;
  const persona = s.engine === 'vllm' ? 'vllm' : 'llama-server';
  return (k: number) => personaExpectedTokensPerSecond({ persona, alpha: s.alpha, draftCost: s.draftCost, stepMs: STEP_MS, completionTokens: MAX_TOKENS, promptTokens, k });
}

function expectNearBest(s: Situation, report: Report, grid: number[]) {
  const t = truth(s, report);
  const best = Math.max(...grid.map(t));
  const rec = report.recommendation!;
  expect(report.measurements.some((m) => m.numSpeculativeTokens === rec.numSpeculativeTokens), 'the pick is a measured setting').toBe(true);
  expect(t(rec.numSpeculativeTokens!), `picked k=${rec.numSpeculativeTokens}; ${rec.reason}`).toBeGreaterThanOrEqual(best * 0.97);
  const d = report.decision![0];
  expect(['separated', 'tie', 'cap', 'single']).toContain(d.stoppedBecause);
  expect(d.summary.length).toBeGreaterThan(20);
  return { d, t, best };
}

describe('the search on the situations it was built for', { timeout: 240_000 }, () => {
  it('llama.cpp with totals only (0,2,4,6,8, truth k=2): the adaptive search predicts from totals and measures k=2', async () => {
    const s: Situation = { engine: 'llama.cpp', tokens: [0, 2, 4, 6, 8], alpha: 0.6, draftCost: 0.3, promptTypes: ['code', 'creative'], systemPrompts: ['empty', 'concise'], repeats: 2 };
    const report = await sweep({ ...s }, 'llama-totals');
    expect(report.adaptive!.strategy).toBe('adaptive');
    expect(report.adaptive!.launches).toBeLessThanOrEqual(6);
    const { t } = expectNearBest(s, report, [0, 2, 4, 6, 8]);
    expect(t(2)).toBeGreaterThan(t(4));
    expect(report.measurements.some((m) => m.numSpeculativeTokens === 2)).toBe(true);
    const k8 = report.configurations.find((c) => c.numSpeculativeTokens === 8)!;
    expect(k8.acceptance?.steps).toBeGreaterThan(0);
  });

  it('few prompts (2 cells × 3 repeats, truth k=6 ahead of k=4): more rounds decide what six requests could not', async () => {
    const s: Situation = { engine: 'vllm', tokens: [0, 2, 4, 6], alpha: 0.85, draftCost: 0.08, promptTypes: ['code', 'technical'], systemPrompts: ['empty'], repeats: 3 };
    const report = await sweep(s, 'few-prompts');
    const { d, t } = expectNearBest(s, report, [0, 2, 4, 6]);
    expect(t(6) / t(4)).toBeGreaterThan(1.05);
    expect(report.recommendation!.numSpeculativeTokens).toBe(6);
    expect(d.stoppedBecause === 'separated' ? report.recommendation!.confidence : 'high').not.toBe('low');
  });

  it('the default plan (0..8) on a costly draft (llama.cpp, truth k=1): the fine grid finds k=1', async () => {
    const s: Situation = { engine: 'llama.cpp', alpha: 0.5, draftCost: 0.3, promptTypes: ['code', 'creative'], systemPrompts: ['empty', 'concise'], repeats: 3 };
    const report = await sweep(s, 'default-plan');
    const grid = [0, 1, 2, 3, 4, 5, 6, 7, 8];
    const { t } = expectNearBest(s, report, grid);
    expect(grid.reduce((b, k) => (t(k) > t(b) ? k : b), 0)).toBe(1);
    expect(report.recommendation!.numSpeculativeTokens).toBe(1);
    expect(report.adaptive!.launches).toBeLessThanOrEqual(6);
  });
});
