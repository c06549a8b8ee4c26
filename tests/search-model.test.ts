import { describe, expect, it } from 'vitest';
import { bestTrueK, bestTrueSetting, runModelSearch, settingsOf, truthBySetting, truthOf, type ModelScenario } from './helpers/search-model';

const GRID = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const MIX = [0.8, 0.75, 0.7, 0.55];

function judge(s: ModelScenario) {
  const run = runModelSearch(s);
  const t = truthOf(s);
  const best = bestTrueK(s);
  return { run, best, ratio: t.get(run.pick!)! / t.get(best)! };
}

describe('the search against the timing model', () => {
  it.each([
    ['vLLM per position, mixed prompts', { alphas: MIX, draftCost: 0.18, ks: GRID, repeats: 3 }],
    ['llama.cpp totals only, costly draft', { alphas: MIX, draftCost: 0.35, ks: [0, 2, 4, 6, 8], repeats: 3, acceptance: 'totals' as const }],
    ['never pays', { alphas: [0.3, 0.35], draftCost: 0.45, ks: GRID, repeats: 3, acceptance: 'totals' as const }],
    ['edge optimum', { alphas: [0.95, 0.93], draftCost: 0.03, ks: GRID, repeats: 3 }],
    ['mlx no acceptance, per request', { alphas: MIX, draftCost: 0.18, ks: GRID, repeats: 3, switchCost: 'free' as const, acceptance: 'none' as const }],
    ['ollama no acceptance, reload', { alphas: MIX, draftCost: 0.06, ks: GRID, repeats: 3, switchCost: 'reload' as const, acceptance: 'none' as const }],
    ['few prompts', { alphas: [0.8, 0.78], draftCost: 0.1, ks: [0, 4, 6], repeats: 3 }],
  ])('%s: the pick is within 3%% of the best k', (_, s) => {
    const { run, ratio, best } = judge(s as ModelScenario);
    expect(ratio, `picked k=${run.pick}, best k=${best}\n${run.stepLog.join('\n')}`).toBeGreaterThan(0.97);
  });
});

describe('the search over arms (draft models, cut-offs, methods) against the timing model', () => {
  const K18 = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const judgeArms = (s: ModelScenario) => {
    const run = runModelSearch(s);
    const t = truthBySetting(s);
    const best = bestTrueSetting(s);
    return { run, best, ratio: t.get(run.pickKey!)! / t.get(best)! };
  };
  it.each([
    // The more accurate draft loses: each of its drafted tokens costs three times as much.
    ['2 draft models', 9, [{ name: '0.5b', alphas: MIX, draftCost: 0.1 }, { name: '1.5b', alphas: MIX.map((a) => a + 0.08), draftCost: 0.3 }]],
    // A cut-off trades acceptance for draft work: here the middle one wins.
    ['3 cut-offs', 10, [{ name: 'p0', alphas: MIX, draftCost: 0.2 }, { name: 'p0.3', alphas: MIX.map((a) => a + 0.06), draftCost: 0.16 }, { name: 'p0.6', alphas: MIX.map((a) => a + 0.02), draftCost: 0.12 }]],
    // n-gram is nearly free and wins on the repetitive cells, the draft model on the others.
    ['2 methods', 10, [{ name: 'draft', alphas: MIX, draftCost: 0.15 }, { name: 'ngram', alphas: [0.9, 0.85, 0.35, 0.3], draftCost: 0.01 }]],
  ])('%s × k 1–8: the pick within 3%% of the best setting, within issue 18’s launch budget, every unmeasured setting with its reason', (_, budget, arms) => {
    const s: ModelScenario = { alphas: MIX, draftCost: 0, arms: arms as ModelScenario['arms'], ks: K18, repeats: 3 };
    const { run, best, ratio } = judgeArms(s);
    expect(ratio, `picked ${run.pickKey}, best ${best}\n${run.stepLog.join('\n')}`).toBeGreaterThan(0.97);
    expect(run.search.launches, run.stepLog.join('\n')).toBeLessThanOrEqual(budget as number);
    const unmeasured = settingsOf(s).map((c, i) => ({ c, i })).filter(({ i }) => !run.search.state(i).attempted);
    expect(unmeasured.length).toBeGreaterThan(0);
    for (const { c, i } of unmeasured) expect(run.search.whyUnmeasured(i), c.key).toMatch(/(behind|within 1% of) the fastest measured|could still overturn the pick/);
  });
});
