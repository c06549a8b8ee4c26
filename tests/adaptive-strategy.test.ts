/**
 * The strategy object the sweep loop asks for its next configuration, and how
 * predicted configurations enter the report: never as measurements, never recommended.
 */
import { describe, expect, it } from 'vitest';
import { chooseStrategy } from '../src/core/sweep/adaptive';
import { buildReport, type ConfigRun } from '../src/shared/report-builder';
import { SweepPlanSchema, type Measurement } from '../src/shared/schemas';
import type { SpecConfig } from '../src/engines/engine';
import { okMeasurement } from './helpers/measurement';

const grid = (ks: number[]): SpecConfig[] => ks.map((k) => ({ numSpeculativeTokens: k, draftModel: k ? 'd' : null }));
const input = (ks: number[], requested?: 'adaptive' | 'exhaustive') => ({
  requested,
  configs: grid(ks),
  cellsPerConfig: 6,
  cellsPerRound: 2,
  launchFor: (c: SpecConfig) => ({ numSpeculativeTokens: c.numSpeculativeTokens }) as never,
});

const measurement = (k: number, tps: number, repeat: number): Measurement => okMeasurement(k, tps, repeat);

describe('sweep strategy', () => {
  it('defaults to adaptive only when the grid has more than three k > 0', () => {
    expect(chooseStrategy(input([0, 3, 5, 7])).kind).toBe('exhaustive');
    expect(chooseStrategy(input([0, 1, 2, 3, 4])).kind).toBe('adaptive');
    expect(chooseStrategy(input([0, 1, 2, 3, 4], 'exhaustive')).kind).toBe('exhaustive');
    // Without a baseline there is nothing to predict from: measured exhaustively.
    expect(chooseStrategy(input([1, 2, 3, 4, 5], 'adaptive')).kind).toBe('exhaustive');
  });

  it('exhaustive goes through every configuration in order; adaptive starts with the baseline and the largest k', () => {
    const ex = chooseStrategy(input([0, 1, 2, 3, 4]));
    expect(ex.kind).toBe('adaptive');
    expect([ex.next(), ex.next()]).toEqual([0, 4]);
    const all = chooseStrategy(input([0, 1, 2], 'exhaustive'));
    expect([all.next(), all.next(), all.next(), all.next()]).toEqual([0, 1, 2, null]);
    expect(all.summary(3, 18)).toMatchObject({ strategy: 'exhaustive', exhaustiveLaunches: 3, exhaustiveRequests: 18, decidedBecause: null });
  });

  it('the plan takes strategy adaptive|exhaustive and names the field when it is wrong', () => {
    const base = { mode: 'attached', url: 'http://127.0.0.1:1', tokens: [0], promptTypes: ['code'], systemPrompts: ['empty'] };
    expect(SweepPlanSchema.parse({ ...base, strategy: 'adaptive' }).strategy).toBe('adaptive');
    const bad = SweepPlanSchema.safeParse({ ...base, strategy: 'greedy' });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0].path).toEqual(['strategy']);
    expect(bad.error!.issues[0].message).toMatch(/adaptive.*exhaustive/);
  });

  it('a predicted configuration has no measured figure and is never recommended, however fast its prediction', () => {
    const plan = SweepPlanSchema.parse({ mode: 'attached', url: 'http://127.0.0.1:1', tokens: [0, 4, 8], attachedChangesK: true, promptTypes: ['code'], systemPrompts: ['empty'] });
    const runs: ConfigRun[] = [
      { numSpeculativeTokens: 0, failed: false, predicted: false },
      { numSpeculativeTokens: 4, draftModel: 'd', failed: false, predicted: true, prediction: { tokensPerSecond: 900, interval: [850, 950], basedOnK: [0, 8], acceptanceFromK: 8, method: 'per-position-acceptance' } },
      { numSpeculativeTokens: 8, draftModel: 'd', failed: false, predicted: false },
    ];
    const ms = [0, 1, 2].flatMap((r) => [measurement(0, 100, r), measurement(8, 150 + r, r)]);
    const report = buildReport({
      plan,
      promptTypes: [{ id: 'code', label: 'Code', description: 'code', prompt: 'x' }],
      systemPrompts: [{ id: 'empty', label: 'Empty', description: 'none', prompt: '' }],
      server: { kind: 'vllm', url: 'http://127.0.0.1:1', model: 'm', draftModel: null, method: null, engineVersion: null, simulated: true, command: null },
      measurements: ms,
      configs: runs,
      createdAt: 'now',
      finishedAt: 'now',
      status: 'complete',
      toolVersion: 't',
      commandFor: () => null,
    });
    const k4 = report.configurations.find((c) => c.numSpeculativeTokens === 4)!;
    expect(k4).toMatchObject({ predicted: true, requests: 0, tokensPerSecond: null, speedupPercent: null });
    expect(k4.prediction?.tokensPerSecond).toBe(900);
    expect(report.configurations.find((c) => c.numSpeculativeTokens === 8)!.predicted).toBe(false);
    expect(report.recommendation?.numSpeculativeTokens).toBe(8);
    expect(report.byPromptType[0].byTokens.map((b) => b.numSpeculativeTokens)).toEqual([8]);
  });

  it("recommends the adaptive driver's pick, not the report's own tie search over the driver's unequal samples", () => {
    const plan = SweepPlanSchema.parse({ mode: 'attached', url: 'http://127.0.0.1:1', tokens: [0, 7, 8], attachedChangesK: true, promptTypes: ['code'], systemPrompts: ['empty'] });
    const runs: ConfigRun[] = [0, 7, 8].map((k) => ({ numSpeculativeTokens: k, draftModel: k ? 'd' : null, failed: false, predicted: false }));
    // k=8 is 6% faster, but its three requests are noisy: the paired 95% interval of 8/7 includes 1.
    const ms = [
      ...[100, 101, 99, 100, 102, 98].map((t, r) => measurement(0, t, r)),
      ...[170, 171, 169, 170, 172, 168].map((t, r) => measurement(7, t, r)),
      ...[165, 180, 200].map((t, r) => measurement(8, t, r)),
    ];
    const build = (decidedPick?: { numSpeculativeTokens: number; draftModel: string }, measurements = ms) =>
      buildReport({
        plan,
        promptTypes: [{ id: 'code', label: 'Code', description: 'code', prompt: 'x' }],
        systemPrompts: [{ id: 'empty', label: 'Empty', description: 'none', prompt: '' }],
        server: { kind: 'vllm', url: 'http://127.0.0.1:1', model: 'm', draftModel: null, method: null, engineVersion: null, simulated: true, command: null },
        measurements,
        configs: runs,
        createdAt: 'now',
        finishedAt: 'now',
        status: 'complete',
        toolVersion: 't',
        commandFor: () => null,
        decidedPick,
      }).recommendation!;
    // Exhaustive sweeps keep the report's rule: the cheaper k=7, since k=8 is not clearly faster.
    expect(build().numSpeculativeTokens).toBe(7);
    expect(build({ numSpeculativeTokens: 8, draftModel: 'd' }).numSpeculativeTokens).toBe(8);
    // A driver pick that is the smaller k within 1% says why the faster one was passed over.
    const close = [...ms.filter((m) => m.numSpeculativeTokens !== 8), ...[171, 172, 171.5].map((t, r) => measurement(8, t, r))];
    const within = build({ numSpeculativeTokens: 7, draftModel: 'd' }, close);
    expect(within.numSpeculativeTokens).toBe(7);
    expect(within.reason).toMatch(/k=8 measured 0\.\d% faster, within the adaptive sweep's 1% tie rule/);
  });
});
