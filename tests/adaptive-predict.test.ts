/**
 * The adaptive sweep's pure parts: predicting the k-curve from per-position
 * acceptance, choosing what to measure next, and the sequential stop rule.
 */
import { describe, expect, it } from 'vitest';
import { pooledAcceptance, predictCurve, type MeasuredPoint } from '../src/shared/adaptive/predict';
import { measuredPick, nextStep } from '../src/shared/adaptive/decide';
import { sequentialInterval, sequentialRule, shouldStopEarly, tQuantile } from '../src/shared/adaptive/sequential';
import { alphaFromMeanAcceptanceLength, expectedTokensPerStep } from '../src/shared/leviathan';

const GRID = [0, 1, 2, 3, 4, 5, 6, 7, 8];
/** Acceptance that collapses after the first position: one α cannot describe it. */
const DECAYING = [0.9, 0.5, 0.25, 0.12, 0.06, 0.03, 0.015, 0.007];
const COST = 0.1; // a draft token costs 10% of a target step
const E = (p: number[], k: number) => 1 + p.slice(0, k).reduce((s, x) => s + x, 0);
const trueTps = (p: number[], k: number) => (100 * E(p, k)) / (1 + COST * k); // s(0) = 10 ms
const argmax = (xs: { k: number; v: number }[]) => xs.reduce((a, b) => (b.v > a.v ? b : a)).k;

function measured(k: number, p: number[] = DECAYING, drafts = 2000): MeasuredPoint {
  const t = trueTps(p, k);
  return { k, tokensPerSecond: t, interval: [t * 0.99, t * 1.01], perPositionAcceptance: k > 0 ? p.slice(0, k) : [], drafts: k > 0 ? drafts : null };
}

describe('k-curve prediction', () => {
  it('predicts every k from the baseline and k=8 with per-position acceptance, where a single-α fit mis-picks', () => {
    const curve = predictCurve(GRID, [measured(0), measured(8)]);
    expect(curve.usesAcceptance).toBe(true);
    const truthBest = argmax(GRID.map((k) => ({ k, v: trueTps(DECAYING, k) })));
    expect(truthBest).toBe(3);
    for (const p of curve.points) {
      expect(p.tokensPerSecond / trueTps(DECAYING, p.k)).toBeCloseTo(1, 6);
      expect(p.interval[0]).toBeLessThanOrEqual(p.tokensPerSecond);
      expect(p.interval[1]).toBeGreaterThanOrEqual(p.tokensPerSecond);
      if (!p.measured) {
        expect(p.basedOn).toEqual([0, 8]);
        expect(p.acceptanceFromK).toBe(8);
      }
    }
    expect(argmax(curve.points.map((p) => ({ k: p.k, v: p.tokensPerSecond })))).toBe(3);

    // The same measurements read through one α (from the mean acceptance length) put the optimum elsewhere.
    const alpha = alphaFromMeanAcceptanceLength(E(DECAYING, 8), 8)!;
    const sOf = (k: number) => (E(DECAYING, 8) / trueTps(DECAYING, 8) - 1 / 100) * (k / 8) + 1 / 100;
    const singleAlphaBest = argmax(GRID.map((k) => ({ k, v: expectedTokensPerStep(alpha, k) / sOf(k) })));
    expect(singleAlphaBest).not.toBe(3);
  });

  it('widens the interval with distance from the measured points and with fewer drafts', () => {
    const many = predictCurve(GRID, [measured(0), measured(8)]).points;
    const width = (p: { interval: [number, number]; tokensPerSecond: number }) => (p.interval[1] - p.interval[0]) / p.tokensPerSecond;
    expect(width(many[4])).toBeGreaterThan(width(many[1]));
    expect(width(many[4])).toBeGreaterThan(width(many[7]));
    const few = predictCurve(GRID, [measured(0), measured(8, DECAYING, 30)]).points;
    expect(width(few[4])).toBeGreaterThan(width(many[4]));
  });

  it('interpolates step time between measured neighbours once more k are measured', () => {
    // Step time convex in k, not linear: measuring k=4 must pull the prediction at 3 to the truth.
    const bent = (k: number) => (100 * E(DECAYING, k)) / (1 + COST * k + 0.02 * k * k);
    const m = (k: number): MeasuredPoint => ({ ...measured(k), tokensPerSecond: bent(k), interval: [bent(k) * 0.99, bent(k) * 1.01] });
    const two = predictCurve(GRID, [m(0), m(8)]).points[3];
    const three = predictCurve(GRID, [m(0), m(4), m(8)]).points[3];
    expect(three.basedOn).toEqual([0, 4]);
    expect(Math.abs(three.tokensPerSecond - bent(3))).toBeLessThan(Math.abs(two.tokensPerSecond - bent(3)));
  });

  it("takes a measured k's step time from its own acceptance, so an unlucky run there does not bend its neighbours", () => {
    // One prompt at temperature 0 replays the same draft run in every repeat: k=4 happened to accept less than
    // the pooled rate. Its tokens/s is low for that reason, not because its steps are slow.
    const unlucky = DECAYING.slice(0, 4).map((p) => p * 0.8);
    const tps4 = (100 * E(unlucky, 4)) / (1 + COST * 4);
    const k4: MeasuredPoint = { k: 4, tokensPerSecond: tps4, interval: [tps4 * 0.99, tps4 * 1.01], perPositionAcceptance: unlucky, drafts: 2000 };
    const points = [measured(0), k4, measured(8)];
    const curve = predictCurve(GRID, points);
    // Acceptance elsewhere is the pooled estimate (both runs are samples of it); the step time is the true one.
    const pooled = pooledAcceptance(points).p;
    for (const k of [3, 5, 6]) expect(curve.points[k].tokensPerSecond / ((100 * E(pooled, k)) / (1 + COST * k))).toBeCloseTo(1, 3);
  });

  it('without per-position acceptance says so and bisects the grid', () => {
    const none = (k: number): MeasuredPoint => ({ ...measured(k), perPositionAcceptance: [], drafts: null });
    const curve = predictCurve(GRID, [none(0), none(8)]);
    expect(curve.usesAcceptance).toBe(false);
    expect(curve.note).toMatch(/no per-position acceptance/);
    const step = nextStep(curve, new Set());
    expect(step).toMatchObject({ kind: 'measure', k: 4 });
    const after = nextStep(predictCurve(GRID, [none(0), none(4), none(8)]), new Set());
    expect(after.kind).toBe('measure');
    expect([2, 3, 5, 6]).toContain(after.k);
  });
});

describe('what to measure next', () => {
  it('measures the predicted best first, then stops when nothing can overturn the measured pick', () => {
    const first = nextStep(predictCurve(GRID, [measured(0), measured(8)]), new Set());
    expect(first).toMatchObject({ kind: 'measure', k: 3 });
    let pts = [measured(0), measured(8), measured(3)];
    let step = nextStep(predictCurve(GRID, pts), new Set());
    // 2 and 4 lie within a few % of 3: their intervals keep them open until measured.
    const seen = new Set([0, 3, 8]);
    while (step.kind === 'measure') {
      expect(seen.has(step.k)).toBe(false);
      seen.add(step.k);
      pts = [...pts, measured(step.k)];
      step = nextStep(predictCurve(GRID, pts), new Set());
    }
    expect(step.k).toBe(3);
    expect(seen.size).toBeLessThanOrEqual(6);
  });

  it('takes the smaller k when two measured k are within 1%', () => {
    const pts = [
      { k: 0, tokensPerSecond: 100, interval: [99, 101] as [number, number], measured: true, basedOn: [0], acceptanceFromK: null },
      { k: 4, tokensPerSecond: 150, interval: [149, 151] as [number, number], measured: true, basedOn: [4], acceptanceFromK: null },
      { k: 5, tokensPerSecond: 151, interval: [150, 152] as [number, number], measured: true, basedOn: [5], acceptanceFromK: null },
    ];
    expect(measuredPick(pts)?.k).toBe(4);
  });

  it('never proposes a k that failed', () => {
    const step = nextStep(predictCurve(GRID, [measured(0), measured(8)]), new Set([3]));
    expect(step.kind).toBe('measure');
    expect(step.k).not.toBe(3);
  });
});

describe('sequential stop rule', () => {
  const rule = sequentialRule(12, 4);

  it('never stops before the minimum sample, even on identical numbers', () => {
    expect(rule.minSamples).toBe(4);
    expect(shouldStopEarly([100, 100, 100], rule, { bestOther: null }).stop).toBe(false);
    expect(shouldStopEarly([100, 100, 100, 100], rule, { bestOther: null }).stop).toBe(true);
  });

  it('widens the interval for the number of looks (Bonferroni), beyond a plain 95% interval', () => {
    const xs = [100, 103, 98, 101, 99];
    const one = sequentialInterval(xs, { minSamples: 4, maxLooks: 1, alpha: 0.05 })!;
    const nine = sequentialInterval(xs, { minSamples: 4, maxLooks: 9, alpha: 0.05 })!;
    expect(nine.relHalfWidth).toBeGreaterThan(one.relHalfWidth * 1.4);
    // The plain interval uses the 97.5% t quantile (2.776 for ν = 4).
    expect(tQuantile(0.975, 4)).toBeCloseTo(2.776, 1);
  });

  it('keeps measuring a noisy configuration, and stops one that is clearly slower than the best', () => {
    const noisy = [100, 130, 80, 120, 90];
    expect(shouldStopEarly(noisy, rule, { bestOther: null }).stop).toBe(false);
    expect(shouldStopEarly(noisy, rule, { bestOther: [300, 310] })).toMatchObject({ stop: true, why: expect.stringMatching(/slower/) });
    expect(shouldStopEarly(noisy, rule, { bestOther: [110, 120] }).stop).toBe(false);
  });

  it('does not stop a possible pick for being precise, only for being clearly slower', () => {
    const precise = [100, 100.5, 99.5, 100, 100.2];
    expect(shouldStopEarly(precise, rule, { bestOther: null }).stop).toBe(true);
    expect(shouldStopEarly(precise, rule, { bestOther: null, fullSample: true }).stop).toBe(false);
    expect(shouldStopEarly(precise, rule, { bestOther: [120, 125], fullSample: true })).toMatchObject({ stop: true, why: expect.stringMatching(/slower/) });
    // Still never before the minimum sample.
    expect(shouldStopEarly([100, 100, 100], rule, { bestOther: [500, 510], fullSample: true }).stop).toBe(false);
  });
});
