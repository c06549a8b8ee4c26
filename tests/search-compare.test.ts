/**
 * The search's statistics: blocked comparisons, the level decision, and acceptance from totals.
 */
import { describe, expect, it } from 'vitest';
import { blockedMean, compareSamples, roundsToSeparate, scatter, separated, type Sample } from '../src/shared/search/compare';
import { decideLevel, type LevelCandidate } from '../src/shared/search/decide';
import { modelFromPerPosition, modelFromTotals, runSum, solveRate, tokensPerStep } from '../src/shared/search/acceptance';
import { mulberry32 } from '../src/shared/stats';

/** Samples of a candidate: `speed(stratum)` per stratum, `repeats` each, with seeded relative noise. */
function samples(speeds: number[], repeats: number, noise: number, seed: number): Sample[] {
  const r = mulberry32(seed);
  const out: Sample[] = [];
  for (let i = 0; i < repeats; i++) speeds.forEach((v, s) => out.push({ stratum: `s${s}`, value: v * (1 + noise * (r() * 2 - 1)) }));
  return out;
}

const MIX = [100, 220, 400, 60];

describe('blocked comparison', () => {
  it('cancels the prompt mix: a 5% gain on very different prompts separates with little noise', () => {
    const a = samples(MIX.map((v) => v * 1.05), 3, 0.01, 1);
    const b = samples(MIX, 3, 0.01, 2);
    const c = compareSamples(a, b)!;
    expect(c.ratio).toBeGreaterThan(1.04);
    expect(c.ratio).toBeLessThan(1.06);
    expect(separated(c)).toBe(true);
    // The same data pooled without strata would be as wide as the mix: not separated.
    const pooledA = a.map((x) => ({ ...x, stratum: '' }));
    const pooledB = b.map((x) => ({ ...x, stratum: '' }));
    expect(separated(compareSamples(pooledA, pooledB))).toBe(false);
  });

  it('widens for looks: the same data may separate at one look and not at twenty', () => {
    const a = samples(MIX.map((v) => v * 1.02), 3, 0.02, 3);
    const b = samples(MIX, 3, 0.02, 4);
    const one = compareSamples(a, b, { looks: 1 })!;
    const many = compareSamples(a, b, { looks: 20 })!;
    expect(many.interval![1] - many.interval![0]).toBeGreaterThan(one.interval![1] - one.interval![0]);
    expect(one.interval![0]).toBeLessThanOrEqual(one.ratio);
    expect(one.interval![1]).toBeGreaterThanOrEqual(one.ratio);
  });

  it('with one sample per stratum falls back to the strata differences; with one stratum and one sample it knows nothing', () => {
    const c = compareSamples(samples(MIX.map((v) => v * 1.1), 1, 0.01, 5), samples(MIX, 1, 0.01, 6))!;
    expect(c.df).toBe(3);
    expect(c.interval).not.toBeNull();
    expect(compareSamples([{ stratum: '', value: 10 }], [{ stratum: '', value: 11 }])!.interval).toBeNull();
  });

  it('a pooled scatter from other candidates makes one round informative', () => {
    const a = samples(MIX.map((v) => v * 1.06), 1, 0.01, 7);
    const b = samples(MIX, 1, 0.01, 8);
    const others = [samples(MIX, 3, 0.01, 9), samples(MIX, 3, 0.01, 10)];
    const alone = compareSamples(a, b)!;
    const pooled = compareSamples(a, b, { pooled: scatter(others) })!;
    expect(pooled.df).toBeGreaterThan(alone.df);
    expect(separated(pooled)).toBe(true);
  });

  it('says how many more rounds of one side would separate a measured gap', () => {
    const a = samples(MIX.map((v) => v * 1.03), 2, 0.1, 11);
    const b = samples(MIX, 2, 0.1, 12);
    const c = compareSamples(a, b, { looks: 5 })!;
    expect(separated(c)).toBe(false);
    const need = roundsToSeparate(c);
    expect(need).toBeGreaterThan(0);
    expect(Number.isFinite(need)).toBe(true);
    // That many more rounds of B with the same scatter (its own rounds again) separate it; one fewer would not have been asked for.
    const again = Array.from({ length: Math.ceil(need / 2) + 1 }, () => b).flat();
    const more = compareSamples(a, [...b, ...again], { looks: 5 })!;
    expect(more.n[1]).toBeGreaterThan(c.n[1]);
    expect(separated(more)).toBe(true);
  });

  it('blockedMean is the geometric mean over strata with an interval around it', () => {
    const m = blockedMean(samples([100, 400], 3, 0, 1))!;
    expect(m.value).toBeCloseTo(200, 6);
    expect(m.interval![0]).toBeCloseTo(200, 6);
  });
});

const cand = (key: string, k: number, speeds: number[], o: Partial<LevelCandidate> = {}, seed = k + 1): LevelCandidate => ({
  key,
  k,
  baseline: k === 0,
  draftPerStep: k,
  samples: samples(speeds, 3, 0.01, seed),
  rounds: 3,
  atCap: false,
  ...o,
});

describe('level decision', () => {
  it('picks the clearly fastest and says it is separated, with high confidence', () => {
    const v = decideLevel([cand('k0', 0, MIX), cand('k3', 3, MIX.map((x) => x * 1.4)), cand('k5', 5, MIX.map((x) => x * 1.2))], { looks: 4 })!;
    expect(v.pick).toBe('k3');
    expect(v.status).toBe('separated');
    expect(v.confidence).toBe('high');
  });

  it('within 1% the cheaper setting wins (fewer drafted tokens per step, not only a smaller k)', () => {
    const v = decideLevel([cand('k0', 0, MIX), cand('k4', 4, MIX.map((x) => x * 1.3)), cand('k6', 6, MIX.map((x) => x * 1.305))], { looks: 4 })!;
    expect(v.pick).toBe('k4');
    expect(v.status).toBe('tie');
    expect(new Set([v.leader, v.rival])).toEqual(new Set(['k4', 'k6']));
    // An n-gram arm at k=6 that drafts only 2 tokens per step is cheaper than a draft model at k=4.
    const w = decideLevel([cand('k0', 0, MIX), cand('k4', 4, MIX.map((x) => x * 1.305)), cand('ng6', 6, MIX.map((x) => x * 1.3), { draftPerStep: 2 })], { looks: 4 })!;
    expect(w.pick).toBe('ng6');
  });

  it('a rival neither tied nor separated keeps the level open; at the cap the higher one wins with low confidence', () => {
    const noisy = (key: string, k: number, f: number, atCap: boolean) => ({ ...cand(key, k, MIX.map((x) => x * f)), samples: samples(MIX.map((x) => x * f), 2, 0.08, k + 20), rounds: 2, atCap });
    const open = decideLevel([noisy('k4', 4, 1.3, false), noisy('k6', 6, 1.34, false)], { looks: 6 })!;
    expect(open.status).toBe('open');
    expect(open.confidence).toBe('low');
    expect(new Set([open.leader, open.rival])).toEqual(new Set(['k4', 'k6']));
    const capped = decideLevel([noisy('k4', 4, 1.3, true), noisy('k6', 6, 1.34, true)], { looks: 6 })!;
    expect(capped.status).toBe('cap');
    expect(capped.pick).toBe(capped.leader);
  });
});

describe('acceptance from totals only', () => {
  it('solveRate inverts runSum', () => {
    for (const [x, d, k] of [[0.8, 1, 8], [0.6, 0.9, 4], [0.95, 0.8, 2]] as const) expect(solveRate(runSum(x, d, k), d, k)!).toBeCloseTo(x, 6);
  });

  it('one measured k fixes the totals exactly and spans the unknown decay in its alternatives', () => {
    const alpha = 0.75;
    const steps = 4000;
    const perStepAccepted = runSum(alpha, 1, 8);
    const m = modelFromTotals([{ k: 8, drafted: 8 * steps, accepted: perStepAccepted * steps, steps }], 8)!;
    expect(tokensPerStep(m.p, 8)).toBeCloseTo(1 + perStepAccepted, 2);
    // The alternatives disagree about k = 2 (decay unknown) and agree at the measured k.
    const at2 = m.variants.map((v) => tokensPerStep(v, 2));
    expect(Math.max(...at2) - Math.min(...at2)).toBeGreaterThan(0.05);
    expect(m.drafted(5)).toBe(5);
    expect(m.ownTokensPerStep(8)).toBeCloseTo(1 + perStepAccepted, 6);
  });

  it('two measured k fit the decay and predict a third', () => {
    const beta = 0.85;
    const delta = 0.85;
    const steps = 5000;
    const pt = (k: number) => ({ k, drafted: k * steps, accepted: runSum(beta, delta, k) * steps, steps });
    const m = modelFromTotals([pt(8), pt(2)], 8)!;
    expect(tokensPerStep(m.p, 4)).toBeCloseTo(1 + runSum(beta, delta, 4), 1);
    expect(m.note).toMatch(/fitted/);
  });

  it('drafts that stop early (a cut-off) draft fewer tokens per step than k', () => {
    const steps = 3000;
    const drafted = runSum(0.6, 1, 8) * steps; // each further position is drafted 60% of the time
    const m = modelFromTotals([{ k: 8, drafted, accepted: runSum(0.5, 1, 8) * steps, steps }], 8)!;
    expect(m.drafted(8)).toBeCloseTo(drafted / steps, 2);
    expect(m.drafted(4)).toBeLessThan(4);
  });

  it('per-position counters pool over measured k', () => {
    const m = modelFromPerPosition([
      { k: 2, perPosition: [0.8, 0.6], drafts: 100 },
      { k: 4, perPosition: [0.82, 0.62, 0.45, 0.3], drafts: 300 },
    ])!;
    expect(m.p[0]).toBeCloseTo((0.8 * 100 + 0.82 * 300) / 400, 6);
    expect(m.p[3]).toBeCloseTo(0.3, 6);
    expect(m.fromK).toBe(4);
  });
});
