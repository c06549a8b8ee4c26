/**
 * Draft-model speculation against n-gram self-speculation in one llama.cpp sweep: on open-ended text
 * (creative writing) n-gram drafting finds little to copy and the draft model wins; the n-gram arm
 * runs without one. (Its startup line, no -md, is in tests/engine-llamacpp.test.ts for every build.)
 */
import { describe, expect, it } from 'vitest';
import { D05, expectEveryArm, expectNearTrueBest, flagIn, sweepKnobs } from './knobs-helpers';

describe('knob: the method', { timeout: 120_000 }, () => {
  it('compares draft-simple and ngram-simple × k 1..8 and recommends the whole setting, within 5% of the true best', async () => {
    const report = await sweepKnobs('methods', { build: '2026-08', draftModels: [D05], methods: ['draft-simple', 'ngram-simple'], promptType: 'creative' });
    const arms = [
      { method: 'draft-simple', draftModel: D05, draftPMin: 0 },
      { method: 'ngram-simple', draftModel: null, draftPMin: null },
    ];
    expectEveryArm(report, arms);
    const rec = report.recommendation!;
    expect(rec).toMatchObject({ method: 'draft-simple', draftModel: D05, draftPMin: 0 });
    expect(flagIn(rec.argv, '--model-draft')).toBe(D05);
    expect(flagIn(rec.argv, '--spec-type')).toBe('draft-simple');
    expect(flagIn(rec.argv, '--spec-draft-n-max')).toBe(String(rec.numSpeculativeTokens));
    expect(flagIn(rec.argv, '--spec-draft-p-min')).toBe('0');
    // The n-gram arm drafted (the persona ran --spec-type ngram-simple) with no draft model in its rows.
    const ngram = report.measurements.filter((m) => m.method === 'ngram-simple');
    expect(ngram.length).toBeGreaterThan(0);
    expect(ngram.every((m) => m.draftModel === null && m.draftPMin === undefined)).toBe(true);
    // The arms are 20% apart; within the draft arm the top is flat (k 1–3 within 4%), and one answer per k cannot order them.
    expectNearTrueBest(report, '2026-08', arms, 0.05);
  });
});
