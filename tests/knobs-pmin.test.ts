/**
 * Three confidence cut-offs in one llama.cpp sweep on an old build (--draft-max, --draft-p-min, whose
 * default 0.75 applies when the flag is left out): every value is passed, 0 included, and the best
 * (k, p_min) pair is not the best k at p_min 0.
 */
import { describe, expect, it } from 'vitest';
import { D05, expectEveryArm, expectNearTrueBest, flagIn, sweepKnobs } from './knobs-helpers';

describe('knob: the draft confidence cut-off', { timeout: 120_000 }, () => {
  it('compares p_min 0, 0.3, 0.6 × k 1..8 and recommends the pair, within 6% of the true best', async () => {
    // Exhaustive: with three arms the adaptive search's caps stop it before the arms are separated
    // (its budgets over several arms are tuned with the bench, not here).
    const report = await sweepKnobs('pmin', { build: 'old', draftModels: [D05], draftPMins: [0, 0.3, 0.6], strategy: 'exhaustive', promptType: 'technical' });
    const arms = [0, 0.3, 0.6].map((draftPMin) => ({ method: null, draftModel: D05, draftPMin }));
    expectEveryArm(report, arms);
    const rec = report.recommendation!;
    expect(rec.draftModel).toBe(D05);
    expect([0, 0.3, 0.6]).toContain(rec.draftPMin);
    expect(flagIn(rec.argv, '--draft-max')).toBe(String(rec.numSpeculativeTokens));
    expect(flagIn(rec.argv, '--draft-p-min')).toBe(String(rec.draftPMin));
    expect(rec.argv).not.toContain('--spec-type');
    // Each cut-off reached its launch: the measurements of p_min 0 carry it, as the report's rows do.
    expect(report.measurements.some((m) => m.draftPMin === 0 && m.numSpeculativeTokens! > 0)).toBe(true);
    // The best pair (p_min 0.3) beats the best at p_min 0 by 5% on this timing model: a pick at either passes,
    // a k the cut-off does not rescue (p_min 0 at k = 8: 18% behind) does not.
    const { best } = expectNearTrueBest(report, 'old', arms, 0.06);
    expect(best.setting.pMin, 'the scenario has a cut-off above 0 as its best').toBeGreaterThan(0);
  });
});
