import { describe, expect, it } from 'vitest';
import { bestTrueK, runModelSearch, truthOf, type ModelScenario } from './helpers/search-model';

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
