/**
 * An adaptive sweep end to end: the simulator launched as real processes, a 0..8
 * grid, and the pick checked against the simulator's own timing model.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { afterEach, describe, expect, it } from 'vitest';
import { simulatedVllmSettings } from './helpers/sim-settings';
import { runSweep } from '../src/core/sweep';
import { ServerProcess } from '../src/core/server-process';
import { personaExpectedTokensPerSecond } from '../src/simulator/personas/expected';
import { freePort } from './helpers/processes';

const schema = JSON.parse(readFileSync(new URL('../resources/test_results.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
const dir = mkdtempSync(join(tmpdir(), 'spectune-adaptive-'));
const servers: ServerProcess[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

const GRID = [0, 1, 2, 3, 4, 5, 6, 7, 8];
// The truth below is the timing model's expected speed. One prompt at temperature 0 replays the same draft run
// in every request, so what the simulator really plays at each k is one sample of it: at 128 tokens k=7 and k=8
// ran 5-9% above it and k=4 3% below, and any sweep picked by that jagged curve. 512 tokens bring every k within
// about 2% of the model (2 ms steps keep the requests as short as before).
const SIM = { alpha: 0.8, draftCost: 0.15, stepMs: 2 };
const MAX_TOKENS = 512;

describe('adaptive sweep against the simulator', () => {
  it('measures a few k, predicts the rest honestly, and picks within 3% of the true best', async () => {
    const server = new ServerProcess();
    servers.push(server);
    const report = await runSweep({
      plan: {
        mode: 'managed',
        server: simulatedVllmSettings(await freePort(), ['--sim-startup-ms', '100', '--sim-step-ms', String(SIM.stepMs), '--sim-alpha', String(SIM.alpha), '--sim-draft-cost', String(SIM.draftCost)]),
        tokens: GRID,
        strategy: 'adaptive',
        promptTypes: ['code'],
        systemPrompts: ['empty'],
        repeats: 6,
        maxTokens: MAX_TOKENS,
        ignoreEos: true,
      },
      outPath: join(dir, 'test_results.json'),
      server,
    });

    expect(validate(report)).toBe(true);
    expect(report.status).toBe('complete');
    const a = report.adaptive!;
    expect(a.strategy).toBe('adaptive');
    expect(a.exhaustiveLaunches).toBe(9);
    expect(a.exhaustiveRequests).toBe(9 * 6);
    // Issue 17's caps for an adaptive search on a restart engine: 6 launches, 7 × the plan's requests per k.
    expect(a.launches).toBeLessThanOrEqual(6);
    expect(a.requests).toBe(report.measurements.length);
    expect(a.requests).toBeLessThanOrEqual(7 * 6);
    expect(a.decidedBecause).toBeTruthy();
    const d = report.decision![0];
    expect(d.strategy).toBe('adaptive');
    expect(d.measured.map((m) => m.numSpeculativeTokens).sort()).toEqual([...new Set(report.measurements.map((m) => m.numSpeculativeTokens))].sort());
    expect(d.predicted.length + d.measured.length).toBe(GRID.length);

    // Every k is in the report; the unmeasured ones only as predictions.
    expect(report.configurations.map((c) => c.numSpeculativeTokens)).toEqual(GRID);
    const measuredKs = new Set(report.measurements.map((m) => m.numSpeculativeTokens));
    for (const c of report.configurations) {
      if (measuredKs.has(c.numSpeculativeTokens)) {
        expect(c.predicted).toBe(false);
        expect(c.tokensPerSecond).not.toBeNull();
      } else {
        expect(c.predicted).toBe(true);
        expect(c.requests).toBe(0);
        expect(c.tokensPerSecond).toBeNull();
        expect(c.speedupPercent).toBeNull();
        expect(c.prediction?.method).toBe('per-position-acceptance');
        expect(c.prediction!.interval[0]).toBeLessThanOrEqual(c.prediction!.tokensPerSecond);
      }
    }
    expect(measuredKs.has(0) && measuredKs.has(8)).toBe(true);

    // The recommendation is a measured k within 3% of the best k's expected speed in the simulator's model (issue 9).
    // On this flat-topped curve k=3 and k=7 are 3.3% and 3.6% below the best: a pick that rests on a short sample,
    // or the report re-deciding with its own tie rule, picked them on a loaded machine before.
    const rec = report.recommendation!;
    expect(measuredKs.has(rec.numSpeculativeTokens)).toBe(true);
    const promptTokens = report.measurements[0].metrics!.promptTokens!;
    const truth = (k: number) => personaExpectedTokensPerSecond({ persona: 'vllm', alpha: SIM.alpha, draftCost: SIM.draftCost, stepMs: SIM.stepMs, completionTokens: MAX_TOKENS, promptTokens, k });
    const best = Math.max(...GRID.map(truth));
    expect(truth(rec.numSpeculativeTokens!)).toBeGreaterThanOrEqual(best * 0.97);
  }, 120_000);
});
