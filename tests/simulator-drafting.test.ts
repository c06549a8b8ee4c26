/**
 * The simulator's drafting rules, pure: the Beta distribution behind the
 * draft's confidence, draft quality from the draft's and target's sizes, the
 * confidence cut-off p_min, prompt lookup (n-gram, suffix), the knobs that
 * override them, and the truth functions tests and the bench compare with.
 * The demo-model tables these assert are in src/simulator/README.md.
 */
import { describe, expect, it } from 'vitest';
import { BUILTIN_PROMPT_TYPES } from '../src/shared/prompts';
import { betaCdf, betaShape } from '../src/simulator/beta';
import { confidenceOdds, expectedDraftStep, modelDrafter, sampleDraftStep, type Drafter } from '../src/simulator/drafter';
import { asksToRewrite, parameterSizeB, requestDrafting, sizedDraft } from '../src/simulator/drafting';
import { acceptanceAlpha, planRequest, prng } from '../src/simulator/model';
import { bestSetting, planTruth, settingPMin, settingTokensPerSecond, type PersonaSetup, type PromptCell, type SimSetting } from '../src/simulator/personas/expected';
import { parseLlamaArgs } from '../src/simulator/personas/llama-args';
import { parseKnobs } from '../src/simulator/personas/knobs';
import { parseSimArgs, SimArgError } from '../src/simulator/personas/vllm/options';
import { tokeniseFlags } from '../src/simulator/personas/flags';

const prompt = (id: string) => BUILTIN_PROMPT_TYPES.find((p) => p.id === id)!.prompt;
const cell = (id: string, completionTokens = 64): PromptCell => ({ prompt: prompt(id), completionTokens, promptTokens: 60 });
const ALL_CELLS = BUILTIN_PROMPT_TYPES.map((p) => cell(p.id));
const KS = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const TARGET = 'qwen2.5-7b-instruct-q4_k_m.gguf';
const D05 = 'qwen2.5-0.5b-instruct-q4_k_m.gguf';
const D15 = 'qwen2.5-1.5b-instruct-q4_k_m.gguf';
const LLAMA: PersonaSetup = { persona: 'llama-server', targetModel: TARGET };
const arm = (s: Omit<SimSetting, 'k'>): SimSetting[] => KS.map((k) => ({ ...s, k }));
const best = (setup: PersonaSetup, s: Omit<SimSetting, 'k'>, cells = ALL_CELLS) => bestSetting(setup, arm(s), cells);

describe('Beta distribution', () => {
  it('matches closed forms of the regularized incomplete beta function', () => {
    for (const x of [0.1, 0.37, 0.5, 0.9]) {
      expect(betaCdf(x, 1, 1)).toBeCloseTo(x, 12);
      expect(betaCdf(x, 2.5, 1)).toBeCloseTo(x ** 2.5, 12);
      expect(betaCdf(x, 1, 0.4)).toBeCloseTo(1 - (1 - x) ** 0.4, 12);
      // Beta(2, 3): I_x = 6x²/2 − 8x³/3 … expanded: 6x² − 8x³ + 3x⁴.
      expect(betaCdf(x, 2, 3)).toBeCloseTo(6 * x ** 2 - 8 * x ** 3 + 3 * x ** 4, 12);
    }
    expect(betaCdf(0.5, 0.3, 0.3)).toBeCloseTo(0.5, 12);
    expect(betaCdf(0, 2, 2)).toBe(0);
    expect(betaCdf(1, 2, 2)).toBe(1);
  });

  it('is a distribution (increasing from 0 to 1), and the shape has the asked mean and variance', () => {
    for (const [a, b] of [[0.8, 0.2], [1.65, 1.35], [3, 0.5]] as const) {
      let last = 0;
      for (let x = 0.05; x < 1; x += 0.05) {
        const v = betaCdf(x, a, b);
        expect(v).toBeGreaterThan(last);
        last = v;
      }
      expect(last).toBeLessThan(1);
    }
    const { a, b } = betaShape(0.7, 0.5);
    expect(a / (a + b)).toBeCloseTo(0.7, 12);
    expect((a * b) / ((a + b) ** 2 * (a + b + 1))).toBeCloseTo(0.5 * 0.7 * 0.3, 12);
  });
});

describe('draft quality from the draft model’s name', () => {
  it('reads parameter sizes from model names and paths, not quantisation words', () => {
    expect(parameterSizeB('qwen2.5-0.5b-instruct-q4_k_m.gguf')).toBe(0.5);
    expect(parameterSizeB('mlx-community/Qwen2.5-1.5B-Instruct-4bit')).toBe(1.5);
    expect(parameterSizeB('/models/Llama-3.1-8B-Instruct-Q8_0.gguf')).toBe(8);
    expect(parameterSizeB('qwen3.5:9b')).toBe(9);
    expect(parameterSizeB('llama-3.2-1b-instruct')).toBe(1);
    expect(parameterSizeB('HuggingFaceTB/SmolLM2-135M-Instruct')).toBe(0.135);
    expect(parameterSizeB('gemma-3n-E2B-it')).toBe(2);
    for (const none of ['d.gguf', '/models/draft.gguf', 'phi-3.5-mini', 'mlx-community/model-4bit', 'q4_k_m', '', null]) expect(parameterSizeB(none)).toBeNull();
  });

  it('0.5B on 7B (and a name without a size) keeps the unsized numbers; a bigger draft accepts more and costs more', () => {
    const code = prompt('code');
    const unsized = requestDrafting({ prompt: code, method: 'draft_model', draftModel: 'draft.gguf', targetModel: TARGET, knobs: {} });
    expect(unsized.alpha).toBe(acceptanceAlpha({ prompt: code, method: 'draft_model' }));
    expect(unsized.c).toBe(0.18);
    expect(requestDrafting({ prompt: code, method: 'draft_model', draftModel: D05, targetModel: TARGET, knobs: {} })).toEqual(unsized);
    // A target without a size counts as 7B.
    expect(requestDrafting({ prompt: code, method: 'draft_model', draftModel: D05, targetModel: 'm.gguf', knobs: {} })).toEqual(unsized);
    const big = requestDrafting({ prompt: code, method: 'draft_model', draftModel: D15, targetModel: TARGET, knobs: {} });
    expect(big.alpha).toBeGreaterThan(unsized.alpha + 0.04);
    expect(big.c).toBeGreaterThan(unsized.c * 1.5);
    // The same draft against a bigger target is relatively smaller: cheaper and less accurate.
    const on14 = requestDrafting({ prompt: code, method: 'draft_model', draftModel: D15, targetModel: 'qwen2.5-14b', knobs: {} });
    expect(on14.c).toBeLessThan(big.c);
    expect(on14.alpha).toBeLessThan(big.alpha);
    // A draft as big as the target costs a target step.
    expect(sizedDraft('m-7b', 'm-7b')!.cost).toBeCloseTo(1, 12);
    // Sizes do not apply to speculator heads, whose names carry the target's size.
    expect(requestDrafting({ prompt: code, method: 'eagle3', draftModel: 'EAGLE3-LLaMA3.1-Instruct-8B', targetModel: 'llama-3.1-8b', knobs: {} }).c).toBe(0.05);
  });

  it('the classic case on the demo target: the 1.5B draft accepts more tokens and is still slower at its best k', () => {
    for (const id of ['code', 'technical', 'security', 'creative']) {
      const small = best(LLAMA, { draftModel: D05, pMin: 0 }, [cell(id)]);
      const big = best(LLAMA, { draftModel: D15, pMin: 0 }, [cell(id)]);
      expect(big.tokensPerSecond).toBeLessThan(small.tokensPerSecond);
      for (const k of [small.setting.k, big.setting.k]) {
        const accepted = (d: string) => expectedDraftStep(requestDrafting({ prompt: prompt(id), method: 'draft_model', draftModel: d, targetModel: TARGET, knobs: {} }).drafter, k).accepted;
        expect(accepted(D15)).toBeGreaterThan(accepted(D05));
      }
    }
  });

  it('--sim-draft for that draft beats --sim-alpha / --sim-draft-cost, which beat the size rule', () => {
    const base = { prompt: prompt('code'), method: 'draft_model' as const, targetModel: TARGET };
    const knobs = { alpha: 0.6, draftCost: 0.3, draftProfiles: { [D15]: { alpha: 0.9 }, 'other.gguf': { draftCost: 0.05 } } };
    expect(requestDrafting({ ...base, draftModel: D15, knobs })).toMatchObject({ alpha: 0.9, c: 0.3 });
    expect(requestDrafting({ ...base, draftModel: '/models/other.gguf', knobs })).toMatchObject({ alpha: 0.6, c: 0.05 });
    expect(requestDrafting({ ...base, draftModel: D15, knobs: { alpha: 0.6 } }).alpha).toBe(0.6);
  });
});

describe('the confidence cut-off p_min', () => {
  const code = (pMin: number, k: number, draft = D05) =>
    expectedDraftStep(requestDrafting({ prompt: prompt('code'), method: 'draft_model', draftModel: draft, targetModel: TARGET, pMin, knobs: {} }).drafter, k);

  it('p_min 0 is the fixed-k drafter: every existing number and seeded run stays', () => {
    expect(modelDrafter(0.8, 0, 0.5)).toEqual({ kind: 'run', alpha: 0.8 });
    expect(code(0, 5)).toMatchObject({ drafted: 5, work: 5 });
    const plan = (drafter?: Drafter) => planRequest({ completionTokens: 300, k: 5, alpha: 0.8, c: 0.18, stepMs: 6, jitter: 0, acceptanceSeed: 3, jitterSeed: 3, promptTokens: 60, drafter });
    expect(plan(modelDrafter(0.8, 0, 0.5))).toEqual(plan());
  });

  it('drafts fewer tokens per step and accepts a larger share of them as p_min rises', () => {
    let lastDrafted = Infinity;
    let lastShare = 0;
    for (const p of [0, 0.3, 0.5, 0.7, 0.9]) {
      const e = code(p, 8);
      expect(e.drafted).toBeLessThan(lastDrafted);
      expect(e.accepted / e.drafted).toBeGreaterThan(lastShare);
      lastDrafted = e.drafted;
      lastShare = e.accepted / e.drafted;
    }
    expect(code(0.5, 8).drafted).toBeLessThan(8 * 0.6);
    // The refused token's pass is paid: work is one more than drafted, up to k.
    const e = code(0.5, 8);
    expect(e.work).toBeGreaterThan(e.drafted);
    expect(e.work).toBeLessThanOrEqual(8);
  });

  it('with a cut-off a larger k pays: the best (k, p_min) pair is not the best k at p_min 0', () => {
    for (const draft of [D05, D15]) {
      const atZero = best(LLAMA, { draftModel: draft, pMin: 0 });
      const pairs = [0, 0.3, 0.5, 0.6].flatMap((pMin) => arm({ draftModel: draft, pMin }));
      const pair = bestSetting(LLAMA, pairs, ALL_CELLS);
      expect(pair.setting.pMin).toBeGreaterThan(0);
      expect(pair.setting.k).toBeGreaterThan(atZero.setting.k);
      expect(pair.tokensPerSecond).toBeGreaterThan(atZero.tokensPerSecond * 1.03);
    }
  });

  it('old llama-server builds cut at 0.75 when no p_min flag is given; renamed builds at 0', () => {
    const serve = (argv: string[]) => {
      const c = parseLlamaArgs(argv);
      if (c.kind !== 'serve') throw new Error(c.kind);
      return c.options;
    };
    expect(serve(['--sim-build', 'old', '-m', 'm', '-md', 'd']).speculation).toMatchObject({ pMin: 0.75 });
    expect(serve(['--sim-build', 'old', '-m', 'm', '-md', 'd', '--draft-p-min', '0']).speculation).toMatchObject({ pMin: 0 });
    expect(serve(['--sim-build', 'new', '-m', 'm', '-md', 'd']).speculation).toMatchObject({ pMin: 0 });
    expect(serve(['-m', 'm', '-md', 'd', '--spec-type', 'draft-simple', '--spec-draft-p-min', '0.4']).speculation).toMatchObject({ pMin: 0.4 });
    expect(settingPMin({ ...LLAMA, build: 'old' }, { k: 4 })).toBe(0.75);
    expect(settingPMin(LLAMA, { k: 4 })).toBe(0);
    expect(() => settingPMin({ persona: 'vllm' }, { k: 4, pMin: 0.5 })).toThrow(/only llama-server/);
    expect((parseLlamaArgs(['--help', '--sim-build', 'old']) as { text: string }).text).toMatch(/--draft-p-min P .*\(default: 0\.8\)/);
    expect((parseLlamaArgs(['--help']) as { text: string }).text).toMatch(/--spec-draft-p-min P .*\(default: 0\.00\)/);
  });
});

describe('prompt lookup (n-gram, suffix)', () => {
  const ngram = (id: string, k = 8, method: 'ngram' | 'suffix' = 'ngram') => expectedDraftStep(requestDrafting({ prompt: prompt(id), method, knobs: {} }).drafter, k);

  it('drafts fewer than k per step, most on code and least on creative writing; suffix matches a little more', () => {
    expect(ngram('code').drafted).toBeLessThan(8);
    expect(ngram('code').drafted).toBeGreaterThan(ngram('technical').drafted);
    expect(ngram('technical').drafted).toBeGreaterThan(ngram('creative').drafted * 3);
    expect(ngram('code', 8, 'suffix').drafted).toBeGreaterThan(ngram('code').drafted);
    const rewrite = `Rewrite this paragraph in plain English, keeping every fact: ${'The service retries each request three times with exponential backoff before it reports a failure to the caller. '.repeat(3)}`;
    expect(asksToRewrite(rewrite)).toBe(true);
    expect(asksToRewrite(prompt('code'))).toBe(false);
    const echo = expectedDraftStep(requestDrafting({ prompt: rewrite, method: 'ngram', knobs: {} }).drafter, 8);
    expect(echo.accepted).toBeGreaterThan(ngram('code').accepted);
  });

  it('vLLM takes suffix decoding from 0.11.1, never with a draft model loaded; older versions refuse it naming the release', () => {
    const spec = (version: string) => parseSimArgs(['serve', 'm', '--sim-version', version, '--speculative-config', JSON.stringify({ method: 'suffix', model: 'x', num_speculative_tokens: 8 })]);
    expect(spec('0.11.1')).toMatchObject({ kind: 'serve', options: { speculative: { method: 'suffix', model: null, numSpeculativeTokens: 8 } } });
    let refused: unknown;
    try {
      spec('0.11.0');
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(SimArgError);
    expect((refused as SimArgError).message).toMatch(/suffix decoding arrived in vLLM 0\.11\.1; this is 0\.11\.0/);
  });

  it('n-gram wins on code and a draft model on creative writing (built-in prompts, demo models)', () => {
    for (const setup of [LLAMA, { persona: 'vllm', targetModel: 'Qwen/Qwen2.5-7B-Instruct' } as PersonaSetup]) {
      const lookup = setup.persona === 'vllm' ? 'ngram' : 'ngram-simple';
      const draft = { method: setup.persona === 'vllm' ? 'draft_model' : 'draft-simple', draftModel: D05 };
      expect(best(setup, { method: lookup }, [cell('code')]).tokensPerSecond).toBeGreaterThan(best(setup, draft, [cell('code')]).tokensPerSecond * 1.1);
      expect(best(setup, draft, [cell('creative')]).tokensPerSecond).toBeGreaterThan(best(setup, { method: lookup }, [cell('creative')]).tokensPerSecond * 1.1);
    }
  });

  it('sampled steps average to the expected ones (drafted, accepted, passes) for every drafter', () => {
    const drafters: Drafter[] = [
      requestDrafting({ prompt: prompt('code'), method: 'ngram', knobs: {} }).drafter,
      requestDrafting({ prompt: prompt('technical'), method: 'draft_model', draftModel: D15, targetModel: TARGET, pMin: 0.5, knobs: {} }).drafter,
      { kind: 'confidence', alpha: 0.55, spread: 0.2, pMin: 0.3 },
      { kind: 'run', alpha: 0.7 },
    ];
    for (const d of drafters) {
      const rand = prng(42);
      const sum = { drafted: 0, accepted: 0, work: 0, impossible: 0 };
      const n = 20_000;
      for (let i = 0; i < n; i++) {
        const s = sampleDraftStep(d, 6, rand);
        if (s.accepted > s.drafted || s.drafted > 6 || s.work > 6) sum.impossible++;
        sum.drafted += s.drafted;
        sum.accepted += s.accepted;
        sum.work += s.work;
      }
      const e = expectedDraftStep(d, 6);
      expect(sum.impossible).toBe(0);
      expect(sum.drafted / n).toBeCloseTo(e.drafted, 1);
      expect(sum.accepted / n / e.accepted).toBeGreaterThan(0.97);
      expect(sum.accepted / n / e.accepted).toBeLessThan(1.03);
      expect(sum.work / n).toBeCloseTo(e.work, 1);
    }
    expect(confidenceOdds(0.8, 0.5, 0)).toEqual({ drafts: 1, accepts: 0.8 });
  });
});

describe('truth over a plan’s prompt cells', () => {
  it('is the geometric mean over cells of each setting’s expected tokens/s; the best of a list is the fastest', () => {
    const settings: SimSetting[] = [{ k: 0 }, { method: 'draft-simple', draftModel: D05, k: 3 }, { method: 'ngram-simple', k: 6 }];
    const truths = planTruth(LLAMA, settings, ALL_CELLS);
    for (const t of truths) {
      const each = ALL_CELLS.map((c) => settingTokensPerSecond(LLAMA, t.setting, c));
      expect(t.perCell).toEqual(each);
      expect(t.tokensPerSecond).toBeCloseTo(Math.exp(each.reduce((s, v) => s + Math.log(v), 0) / each.length), 9);
    }
    const top = bestSetting(LLAMA, settings, ALL_CELLS);
    expect(top.tokensPerSecond).toBe(Math.max(...truths.map((t) => t.tokensPerSecond)));
    expect(top.setting).toBe(settings[1]);
    // Code alone: n-gram.
    expect(bestSetting(LLAMA, settings, [cell('code')]).setting).toBe(settings[2]);
    // llama-server's none and k = 0 are the same baseline.
    expect(settingTokensPerSecond(LLAMA, { method: 'none', k: 4 }, cell('code'))).toBe(truths[0].perCell[1]);
    expect(() => settingTokensPerSecond(LLAMA, { method: 'ngram', k: 4 }, cell('code'))).toThrow(/no speculation method "ngram"/);
  });

  it('the --sim-* knobs of the setup reach the truth as they reach the persona', () => {
    const c = cell('code');
    const slow = settingTokensPerSecond({ ...LLAMA, knobs: { stepMs: 12 } }, { draftModel: D05, k: 4 }, c);
    expect(slow).toBeLessThan(settingTokensPerSecond(LLAMA, { draftModel: D05, k: 4 }, c) * 0.6);
    const profiled = { ...LLAMA, knobs: { draftProfiles: { [D15]: { alpha: 0.8, draftCost: 0.18 } } } };
    expect(settingTokensPerSecond(profiled, { draftModel: D15, k: 4 }, c)).toBeCloseTo(settingTokensPerSecond(LLAMA, { draftModel: D05, k: 4 }, c), 9);
  });
});

describe('--sim-draft and --sim-confidence-spread on every persona', () => {
  const knobs = (argv: string[]) => parseKnobs(tokeniseFlags(argv, { kinds: { '--sim-draft': 'value', '--sim-confidence-spread': 'value' }, unknown: () => {}, missingValue: () => { throw new Error('missing'); } }));

  it('parses NAME:ALPHA:COST lists (names may hold colons, either number may be empty) and names the flag when wrong', () => {
    expect(knobs(['--sim-draft', 'a.gguf:0.8:0.3,qwen3:0.6b::0.1,b:0.7:']).draftProfiles).toEqual({ 'a.gguf': { alpha: 0.8, draftCost: 0.3 }, 'qwen3:0.6b': { draftCost: 0.1 }, b: { alpha: 0.7 } });
    expect(knobs([]).draftProfiles).toEqual({});
    expect(knobs([]).confidenceSpread).toBe(0.5);
    for (const bad of ['a:1.2:0.1', 'a:0.5', ':0.5:0.1', 'a:x:0.1']) expect(() => knobs(['--sim-draft', bad])).toThrow(/--sim-draft entries are NAME:ALPHA:COST/);
    expect(() => knobs(['--sim-confidence-spread', '1'])).toThrow(/--sim-confidence-spread must be a number from 0.01 to 0.99/);
  });
});
