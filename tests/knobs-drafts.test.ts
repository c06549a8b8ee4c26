/**
 * Two draft models in one llama.cpp sweep (a restart per draft): the 1.5B draft accepts more and is
 * still slower on the persona's timing model, so the pick must be the 0.5B's best k.
 */
import { describe, expect, it } from 'vitest';
import { D05, D15, expectEveryArm, expectNearTrueBest, flagIn, sweepKnobs } from './knobs-helpers';

describe('knob: the draft model', { timeout: 120_000 }, () => {
  it('compares two drafts × k 1..8 and recommends the whole setting, within 3% of the true best', async () => {
    const report = await sweepKnobs('drafts', { build: '2026-08', draftModels: [D05, D15] });
    const arms = [D05, D15].map((draftModel) => ({ method: null, draftModel, draftPMin: 0 }));
    expectEveryArm(report, arms);
    const rec = report.recommendation!;
    expect(rec).toMatchObject({ method: null, draftPMin: 0 });
    expect(rec.draftModel).toBe(D05);
    expect(flagIn(rec.argv, '--model-draft')).toBe(D05);
    expect(flagIn(rec.argv, '--spec-draft-n-max')).toBe(String(rec.numSpeculativeTokens));
    expect(flagIn(rec.argv, '--spec-type')).toBe('draft-simple');
    expect(flagIn(rec.argv, '--spec-draft-p-min')).toBe('0');
    expectNearTrueBest(report, '2026-08', arms);
  });
});
