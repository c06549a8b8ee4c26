/**
 * Decisions a broken sweep would get wrong, on real processes: the recommended k where the
 * optimum is known from the simulator's own timing model, and a configuration that cannot start
 * (out of memory at a high k) marked failed while the sweep goes on.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runSweep } from '../src/core/sweep';
import { ServerProcess } from '../src/core/server-process';
import { simulatorCommand } from '../src/core/simulator-command';
import { personaBestK, personaExpectedTokensPerSecond } from '../src/simulator/personas/expected';
import type { SweepPlanInput } from '../src/shared/schemas';
import { freePort } from './helpers/processes';

const dir = mkdtempSync(join(tmpdir(), 'spectune-decisions-'));
const servers: ServerProcess[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function plan(command: string[], tokens: number[], knobs: string[]): Promise<SweepPlanInput> {
  return {
    mode: 'managed',
    server: {
      command,
      model: 'sim/target-7b',
      draftModel: 'sim/draft-0.5b',
      port: await freePort(),
      startupTimeoutMs: 30_000,
      stopGraceMs: 3_000,
      extraArgs: ['--sim-startup-ms', '100', '--sim-step-ms', '4', '--sim-jitter', '0', ...knobs],
    },
    tokens,
    promptTypes: ['code', 'technical'],
    systemPrompts: ['direct'],
    repeats: 2,
    maxTokens: 64,
    ignoreEos: true,
  };
}

describe('sweep decisions', () => {
  it('recommends the k the timing model says is fastest (α 0.7, draft cost 0.1: k = 4 of 0, 1, 4, 8)', async () => {
    const ks = [0, 1, 4, 8];
    const truth = personaBestK({ persona: 'vllm', alpha: 0.7, draftCost: 0.1, stepMs: 4, completionTokens: 64, promptTokens: 40 }, ks);
    expect(truth.k).toBe(4); // the scenario itself: a clear interior optimum, neither end of the grid
    const server = new ServerProcess();
    servers.push(server);
    const report = await runSweep({ plan: await plan(simulatorCommand(), ks, ['--sim-alpha', '0.7', '--sim-draft-cost', '0.1']), outPath: join(dir, 'optimum.json'), server });
    expect(report.status).toBe('complete');
    expect(report.recommendation?.numSpeculativeTokens).toBe(truth.k);
    // And the measured speed agrees with the model's within the client's tolerance.
    const k4 = report.configurations.find((c) => c.numSpeculativeTokens === 4)!;
    const expected = personaExpectedTokensPerSecond({ persona: 'vllm', alpha: 0.7, draftCost: 0.1, stepMs: 4, completionTokens: 64, promptTokens: 40, k: 4 });
    expect(Math.abs(k4.tokensPerSecond! / expected - 1)).toBeLessThan(0.25);
  }, 120_000);

  it('a configuration that runs out of memory at start-up is marked failed with the reason; the sweep goes on and decides among the rest', async () => {
    const server = new ServerProcess();
    servers.push(server);
    const wrapper = [process.execPath, resolve(import.meta.dirname, 'fixtures', 'oom-at-high-k.mjs')];
    const report = await runSweep({ plan: await plan(wrapper, [0, 3, 7], []), outPath: join(dir, 'oom.json'), server });
    const byK = new Map(report.configurations.map((c) => [c.numSpeculativeTokens, c]));
    expect(byK.get(7)!.failed).toBe(true);
    expect(byK.get(7)!.error).toMatch(/out of memory/i);
    expect(byK.get(0)!.failed).toBe(false);
    expect(byK.get(3)!.failed).toBe(false);
    // A setting that cannot start is a result, not a run cut short: the run is complete, the failure a warning.
    expect(report.status).toBe('complete');
    expect(report.recommendation?.numSpeculativeTokens).toBe(3);
    expect(report.warnings.map((w) => w.kind)).toContain('config-failed');
  }, 120_000);
});
