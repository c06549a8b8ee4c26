/**
 * The k-curve predictor: from the baseline and the largest k, per-position counters give the whole
 * curve; totals alone give an interval wide enough to cover an unknown decay.
 */
import { describe, expect, it } from 'vitest';
import { modelFromPerPosition, modelFromTotals, runSum } from '../src/shared/search/acceptance';
import { predictCurve, type MeasuredPoint } from '../src/shared/search/predict';

const GRID = [0, 1, 2, 3, 4, 5, 6, 7, 8];
/** Acceptance that collapses after the first position: one α cannot describe it. */
const DECAYING = [0.9, 0.5, 0.25, 0.12, 0.06, 0.03, 0.015, 0.007];
const COST = 0.1;
const E = (p: number[], k: number) => 1 + p.slice(0, k).reduce((s, x) => s + x, 0);
const trueTps = (p: number[], k: number) => (100 * E(p, k)) / (1 + COST * k);
const argmax = (xs: { k: number; v: number }[]) => xs.reduce((a, b) => (b.v > a.v ? b : a)).k;
const point = (k: number, tps: number): MeasuredPoint => ({ k, tokensPerSecond: tps, interval: [tps * 0.99, tps * 1.01] });

describe('k-curve prediction', () => {
  it('predicts every k from the baseline and k=8 with per-position acceptance, and finds the optimum', () => {
    const model = modelFromPerPosition([{ k: 8, perPosition: DECAYING, drafts: 2000 }])!;
    const curve = predictCurve(GRID, [point(0, trueTps(DECAYING, 0)), point(8, trueTps(DECAYING, 8))], model);
    expect(curve.usesAcceptance).toBe(true);
    for (const p of curve.points) {
      expect(p.tokensPerSecond / trueTps(DECAYING, p.k)).toBeCloseTo(1, 6);
      expect(p.interval[0]).toBeLessThanOrEqual(p.tokensPerSecond);
      expect(p.interval[1]).toBeGreaterThanOrEqual(p.tokensPerSecond);
    }
    expect(argmax(curve.points.map((p) => ({ k: p.k, v: p.tokensPerSecond })))).toBe(3);
  });

  it('widens the interval with distance from the measured points', () => {
    const model = modelFromPerPosition([{ k: 8, perPosition: DECAYING, drafts: 2000 }])!;
    const pts = predictCurve(GRID, [point(0, trueTps(DECAYING, 0)), point(8, trueTps(DECAYING, 8))], model).points;
    const width = (p: { interval: [number, number]; tokensPerSecond: number }) => (p.interval[1] - p.interval[0]) / p.tokensPerSecond;
    expect(width(pts[4])).toBeGreaterThan(width(pts[1]));
    expect(width(pts[4])).toBeGreaterThan(width(pts[7]));
  });

  it('from totals only, the interval covers the truth at every k although the decay is unknown', () => {
    const beta = 0.88;
    const delta = 0.8;
    const p = Array.from({ length: 8 }, (_, i) => runSum(beta, delta, i + 1) - runSum(beta, delta, i));
    const steps = 3000;
    const model = modelFromTotals([{ k: 8, drafted: 8 * steps, accepted: runSum(beta, delta, 8) * steps, steps }], 8)!;
    const curve = predictCurve(GRID, [point(0, trueTps(p, 0)), point(8, trueTps(p, 8))], model);
    for (const x of curve.points) {
      expect(x.interval[0], `k=${x.k}`).toBeLessThanOrEqual(trueTps(p, x.k) * 1.001);
      expect(x.interval[1], `k=${x.k}`).toBeGreaterThanOrEqual(trueTps(p, x.k) * 0.999);
    }
  });

  it('without acceptance only interpolates, and leaves the unmeasured range wide open', () => {
    const curve = predictCurve(GRID, [point(0, 100), point(4, 140)], null);
    expect(curve.usesAcceptance).toBe(false);
    expect(curve.points[8].interval[1]).toBeGreaterThan(140);
    expect(curve.points[2].tokensPerSecond).toBeCloseTo(120, 6);
  });
});
