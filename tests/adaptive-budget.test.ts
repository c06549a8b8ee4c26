/**
 * The adaptive sweep's request budget and who gets a full sample: the baseline
 * stops at its minimum on a noisy server (so the sweep stays within 40% of an
 * exhaustive run's requests), while the predicted best, its rivals and a leading
 * largest k measure their full sample even when their figure is already precise.
 */
import { describe, expect, it } from 'vitest';
import { budgetSaysStop, requestBudget } from '../src/shared/adaptive/budget';
import { chooseStrategy } from '../src/core/sweep/adaptive';
import type { SweepStep, SweepStrategy } from '../src/core/sweep/strategy';
import type { SpecConfig } from '../src/engines/engine';
import type { Measurement } from '../src/shared/schemas';
import { okMeasurement } from './helpers/measurement';

const GRID = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const REPEATS = 6;

const measurement = (k: number, tps: number, repeat: number): Measurement => okMeasurement(k, tps, repeat, 96);

/** A 0..8 grid, one prompt, 6 repeats: the bench's noisy-server setting. */
function strategy(): SweepStrategy {
  const configs: SpecConfig[] = GRID.map((k) => ({ numSpeculativeTokens: k, draftModel: k ? 'd' : null }));
  return chooseStrategy({ requested: 'adaptive', configs, cellsPerRound: 1, rounds: REPEATS, levels: [1], launchFor: (c) => ({ numSpeculativeTokens: c.numSpeculativeTokens }) as never });
}

/** Feeds tokens/s one request at a time until the strategy stops the configuration; returns what was sent. */
function measure(s: SweepStrategy, index: number, tps: readonly number[], alpha = 0.8): Measurement[] {
  const k = GRID[index];
  const step: SweepStep = { config: index, level: 1, fromRound: 0, rounds: REPEATS };
  const ms: Measurement[] = [];
  for (const [i, x] of tps.entries()) {
    ms.push(measurement(k, x, i));
    if (s.shouldStop!(step, ms)) break;
  }
  const acceptance = k
    ? { source: 'v1-counters' as const, drafts: 400, draftTokens: null, acceptedTokens: null, acceptanceRate: null, meanAcceptanceLength: null, perPositionAcceptance: Array.from({ length: k }, (_, i) => alpha ** (i + 1)) }
    : undefined;
  s.observe(step, { measurements: ms, failed: false, acceptance });
  return ms;
}

/** The configuration of the strategy's next step (null: done). */
const nextConfig = (s: SweepStrategy) => s.next()?.config ?? null;

const noisy = (centre: number) => [0.95, 1.05, 0.97, 1.04, 0.96, 1.03].map((f) => centre * f);
const precise = (centre: number) => [1, 1.001, 0.999, 1, 1.001, 0.999].map((f) => centre * f);

describe('request budget', () => {
  it('is one minimum sample plus a full sample for every further configuration', () => {
    expect(requestBudget({ fullSample: 6, minSamples: 3, maxConfigs: 4 })).toBe(21);
    expect(21 / (9 * 6)).toBeLessThanOrEqual(0.4);
  });

  it('keeps full samples for the configurations to come, and only their minimum once this one could be the pick', () => {
    const look = { budget: 21, spent: 0, configsLeft: 3, minSamples: 3, fullSample: 6 };
    expect(budgetSaysStop({ ...look, taken: 3, candidate: false })).toBe(true);
    expect(budgetSaysStop({ ...look, taken: 3, candidate: true })).toBe(false);
    expect(budgetSaysStop({ ...look, taken: 5, candidate: true })).toBe(false);
    expect(budgetSaysStop({ ...look, spent: 15, configsLeft: 0, taken: 5, candidate: true })).toBe(false);
    expect(budgetSaysStop({ ...look, spent: 15, configsLeft: 0, taken: 6, candidate: true })).toBe(true);
  });
});

describe('who gets a full sample', () => {
  it('on a noisy server: the baseline stops at its minimum, a leading largest k and the predicted best measure in full, within 40% of the requests', () => {
    const s = strategy();
    expect(nextConfig(s)).toBe(0);
    expect(measure(s, 0, noisy(100))).toHaveLength(3);
    expect(nextConfig(s)).toBe(8);
    expect(measure(s, 8, noisy(180))).toHaveLength(REPEATS);
    let sent = 3 + REPEATS;
    for (let i = nextConfig(s); i !== null; i = nextConfig(s)) sent += measure(s, i, noisy(190)).length;
    expect(sent).toBeLessThanOrEqual(Math.floor(0.4 * GRID.length * REPEATS));
  });

  it('a precise figure does not end the predicted best early; one clearly slower than the leader still stops at the minimum', () => {
    const s = strategy();
    nextConfig(s);
    measure(s, 0, precise(100));
    nextConfig(s);
    // The largest k leads the baseline: it could be the pick (an optimum at the grid's edge), so it is not cut at 3.
    expect(measure(s, 8, precise(180))).toHaveLength(REPEATS);
    const third = nextConfig(s)!;
    expect(third).not.toBeNull();
    expect(measure(s, third, precise(185))).toHaveLength(REPEATS);
  });

  it('a largest k slower than the baseline is only there for the curve: it stops at its minimum', () => {
    const s = strategy();
    nextConfig(s);
    measure(s, 0, precise(100));
    nextConfig(s);
    expect(measure(s, 8, precise(60))).toHaveLength(3);
  });

  it("pick() is the driver's rule: the fastest measured, or the smallest k within 1% of it", () => {
    // Acceptance barely decays (α = 0.95) and drafts are cheap: the curve rises to the grid's edge, so k=7 is
    // the rival measured after the anchors (on noisy figures its interval reaches k=8's); what it measures decides.
    const truth = (k: number) => (100 * (1 + Array.from({ length: k }, (_, i) => 0.95 ** (i + 1)).reduce((a, x) => a + x, 0))) / (1 + 0.03 * k);
    const edge = (k7: number) => {
      const s = strategy();
      expect(s.pick()).toBeNull();
      const measured: number[] = [];
      for (let i = nextConfig(s); i !== null; i = nextConfig(s)) {
        const k = GRID[i];
        measure(s, i, noisy(k === 7 ? truth(8) * k7 : truth(k)), 0.95);
        measured.push(k);
        if (k === 8) expect(s.pick()?.numSpeculativeTokens).toBe(8);
      }
      expect(measured).toContain(7);
      return s.pick()?.numSpeculativeTokens;
    };
    expect(edge(0.95)).toBe(8);
    expect(edge(0.995)).toBe(7);
  });
});
