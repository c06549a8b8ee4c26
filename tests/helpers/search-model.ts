/**
 * Drives the pure search (src/shared/search/search.ts) against the simulator's own
 * timing model in process: each step's samples are the model's expected tokens/s
 * per prompt cell with seeded multiplicative noise, and its acceptance counters are
 * the model's. Fast enough to try many scenarios in a unit test; the real-process
 * checks live in the sweep tests and `npm run bench -- --only search`.
 */
import { expectedTokensPerSecond } from '../../src/simulator/model';
import { mulberry32 } from '../../src/shared/stats';
import { Search, type AcceptanceKind, type SearchCandidate, type SwitchCost } from '../../src/shared/search/search';
import { searchCaps } from '../../src/shared/search/caps';
import type { Sample } from '../../src/shared/search/compare';

export interface ModelScenario {
  /** α per prompt cell (the cells of one round). */
  alphas: number[];
  draftCost: number;
  stepMs?: number;
  completionTokens?: number;
  ks: number[];
  repeats: number;
  maxRepeats?: number;
  strategy?: 'adaptive' | 'exhaustive';
  switchCost?: SwitchCost;
  acceptance?: AcceptanceKind;
  /** Relative noise per request (σ of a log-normal). */
  noise?: number;
  seed?: number;
}

const PROMPT_TOKENS = 60;

export function trueTps(s: ModelScenario, k: number, alpha: number): number {
  return expectedTokensPerSecond({ alpha, c: s.draftCost, stepMs: s.stepMs ?? 6, completionTokens: s.completionTokens ?? 64, promptTokens: PROMPT_TOKENS, k });
}

/** The truth the search is judged on: the geometric mean over the prompt cells, per k. */
export function truthOf(s: ModelScenario): Map<number, number> {
  return new Map(s.ks.map((k) => [k, Math.exp(s.alphas.reduce((t, a) => t + Math.log(trueTps(s, k, a)), 0) / s.alphas.length)]));
}

export function bestTrueK(s: ModelScenario): number {
  const t = truthOf(s);
  return s.ks.reduce((b, k) => (t.get(k)! > t.get(b)! ? k : b), s.ks[0]);
}

export interface ModelRun {
  pick: number | null;
  search: Search;
  steps: number;
  stepLog: string[];
}

export function runModelSearch(s: ModelScenario): ModelRun {
  const candidates: SearchCandidate[] = s.ks.map((k) => ({ key: `k${k}`, arm: '', k, baseline: k === 0 }));
  const switchCost = s.switchCost ?? 'restart';
  const strategy = s.strategy ?? (s.ks.filter((k) => k > 0).length > 3 ? 'adaptive' : 'exhaustive');
  const cells = s.alphas.length;
  const caps = searchCaps({ strategy, switchCost, candidates: s.ks.length, arms: 1, requestsPerCandidate: cells * s.repeats, repeats: s.repeats, maxRepeats: s.maxRepeats });
  const search = new Search({
    candidates,
    levels: [1],
    strategy,
    switchCost,
    acceptance: s.acceptance ?? 'per-position',
    repeats: s.repeats,
    caps,
    requestsPerRound: () => cells,
  });
  const rand = mulberry32(s.seed ?? 7);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const stepsPerReq = (k: number, a: number) => (s.completionTokens ?? 64) / (k > 0 ? (1 - a ** (k + 1)) / (1 - a) : 1);
  const log: string[] = [];
  let steps = 0;
  for (let st = search.next(); st; st = search.next()) {
    if (++steps > 500) throw new Error('search does not end');
    const k = candidates[st.candidate].k;
    const samples: Sample[] = [];
    for (let r = 0; r < st.rounds; r++) s.alphas.forEach((a, cell) => samples.push({ stratum: `c${cell}`, value: trueTps(s, k, a) * Math.exp((s.noise ?? 0.03) * gauss()) }));
    const n = st.rounds * cells;
    const totalSteps = s.alphas.reduce((t, a) => t + stepsPerReq(k, a), 0) * st.rounds;
    const perPos = Array.from({ length: k }, (_, i) => s.alphas.reduce((t, a) => t + a ** (i + 1), 0) / cells);
    const accepted = perPos.reduce((t, p) => t + p, 0) * totalSteps;
    log.push(`${st.why} → k=${k} ×${st.rounds}`);
    search.observe(st, {
      samples,
      requests: n,
      failed: false,
      acceptance: k > 0 ? { k, perPosition: s.acceptance === 'totals' ? null : perPos, drafts: totalSteps, drafted: k * totalSteps, accepted, steps: totalSteps } : null,
    });
  }
  const v = search.verdict(1);
  return { pick: v ? candidates.find((c) => c.key === v.pick)!.k : null, search, steps, stepLog: log };
}
