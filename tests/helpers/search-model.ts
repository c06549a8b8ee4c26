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

/** One arm (a draft model, a cut-off, a method): its own acceptance per prompt cell and draft cost. */
export interface ModelArm {
  name: string;
  alphas: number[];
  draftCost: number;
}

export interface ModelScenario {
  /** α per prompt cell (the cells of one round). */
  alphas: number[];
  draftCost: number;
  /** Several arms, each with every k > 0 of `ks` (default: one arm, '' , of `alphas` and `draftCost`). */
  arms?: ModelArm[];
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

const armsOf = (s: ModelScenario): ModelArm[] => s.arms ?? [{ name: '', alphas: s.alphas, draftCost: s.draftCost }];

export function trueTps(s: ModelScenario, k: number, alpha: number, draftCost = s.draftCost): number {
  return expectedTokensPerSecond({ alpha, c: draftCost, stepMs: s.stepMs ?? 6, completionTokens: s.completionTokens ?? 64, promptTokens: PROMPT_TOKENS, k });
}

/** Every setting of the scenario: the baseline once, then each arm at every k > 0. */
export function settingsOf(s: ModelScenario): SearchCandidate[] {
  const arms = armsOf(s);
  const arm = (a: ModelArm) => (arms.length > 1 ? a.name : '');
  return [
    ...s.ks.filter((k) => k === 0).map((k) => ({ key: 'k0', arm: '', k, baseline: true })),
    ...arms.flatMap((a) => s.ks.filter((k) => k > 0).map((k) => ({ key: `${arm(a)}k${k}`, arm: arm(a), k, baseline: false }))),
  ];
}

/** The truth the search is judged on: the geometric mean over the prompt cells, per setting key. */
export function truthBySetting(s: ModelScenario): Map<string, number> {
  const arms = armsOf(s);
  return new Map(
    settingsOf(s).map((c) => {
      const a = arms.find((x) => (arms.length > 1 ? x.name : '') === c.arm) ?? arms[0];
      return [c.key, Math.exp(a.alphas.reduce((t, al) => t + Math.log(trueTps(s, c.k, al, a.draftCost)), 0) / a.alphas.length)];
    }),
  );
}

/** One arm's truth per k (the single-arm scenarios). */
export function truthOf(s: ModelScenario): Map<number, number> {
  const t = truthBySetting(s);
  return new Map(settingsOf(s).filter((c) => c.arm === settingsOf(s).find((x) => !x.baseline)?.arm || c.baseline).map((c) => [c.k, t.get(c.key)!]));
}

export function bestTrueK(s: ModelScenario): number {
  const t = truthOf(s);
  return s.ks.reduce((b, k) => (t.get(k)! > t.get(b)! ? k : b), s.ks[0]);
}

/** The fastest setting's key. */
export function bestTrueSetting(s: ModelScenario): string {
  const t = truthBySetting(s);
  return [...t.entries()].reduce((b, x) => (x[1] > b[1] ? x : b))[0];
}

export interface ModelRun {
  pick: number | null;
  /** The picked setting's key. */
  pickKey: string | null;
  search: Search;
  steps: number;
  stepLog: string[];
}

export function runModelSearch(s: ModelScenario): ModelRun {
  const candidates = settingsOf(s);
  const arms = armsOf(s);
  const armOf = (c: SearchCandidate) => arms.find((x) => (arms.length > 1 ? x.name : '') === c.arm) ?? arms[0];
  const switchCost = s.switchCost ?? 'restart';
  const kPerArm = s.ks.filter((k) => k > 0).length;
  const strategy = s.strategy ?? (kPerArm > 3 ? 'adaptive' : 'exhaustive');
  const cells = s.alphas.length;
  const caps = searchCaps({ strategy, switchCost, candidates: candidates.length, arms: arms.length, requestsPerCandidate: cells * s.repeats, repeats: s.repeats, maxRepeats: s.maxRepeats });
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
    const c = candidates[st.candidate];
    const { k } = c;
    const { alphas, draftCost } = armOf(c);
    const samples: Sample[] = [];
    for (let r = 0; r < st.rounds; r++) alphas.forEach((a, cell) => samples.push({ stratum: `c${cell}`, value: trueTps(s, k, a, draftCost) * Math.exp((s.noise ?? 0.03) * gauss()) }));
    const n = st.rounds * cells;
    const totalSteps = alphas.reduce((t, a) => t + stepsPerReq(k, a), 0) * st.rounds;
    const perPos = Array.from({ length: k }, (_, i) => alphas.reduce((t, a) => t + a ** (i + 1), 0) / cells);
    const accepted = perPos.reduce((t, p) => t + p, 0) * totalSteps;
    log.push(`${st.why} → ${c.key} ×${st.rounds}`);
    search.observe(st, {
      samples,
      requests: n,
      failed: false,
      acceptance: k > 0 ? { k, perPosition: s.acceptance === 'totals' ? null : perPos, drafts: totalSteps, drafted: k * totalSteps, accepted, steps: totalSteps } : null,
    });
  }
  const v = search.verdict(1);
  const picked = v ? candidates.find((c) => c.key === v.pick)! : null;
  return { pick: picked?.k ?? null, pickKey: picked?.key ?? null, search, steps, stepLog: log };
}
