/**
 * The simulator's knobs against their truth, as real processes: llama-server
 * personas with a sized draft model, an n-gram method, a confidence cut-off
 * and an old build's default cut-off, each measured over the code and creative
 * prompt cells by the server's own clock (`timings`: arrival to last token, so
 * a test worker starved of CPU does not count). The measured tokens/s must agree with
 * planTruth (personas/expected.ts) within a few percent, and the draft counts
 * in `timings` and on /metrics must be what was really drafted: fewer than k
 * per step wherever a cut-off or a missing match ends a draft.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_PROMPT_TYPES } from '../src/shared/prompts';
import { expectedDraftStep } from '../src/simulator/drafter';
import { requestDrafting } from '../src/simulator/drafting';
import { planTruth, settingPMin, type PersonaSetup, type PromptCell, type SimSetting } from '../src/simulator/personas/expected';
import type { LlamaBuildId } from '../src/simulator/personas/llama-args';
import { killAllPersonas, postJson, startPersona, type PersonaProcess } from './sim-persona-harness';

const TARGET = 'qwen2.5-7b-instruct-q4_k_m.gguf';
const STEP_MS = 3;
const TOKENS = 1000;
const SEEDS = [1, 2, 3];
const CELLS = ['code', 'creative'].map((id) => BUILTIN_PROMPT_TYPES.find((p) => p.id === id)!.prompt);

interface Case {
  name: string;
  build: LlamaBuildId;
  setting: SimSetting;
  argv: string[];
}

const CASES: Case[] = [
  {
    name: 'a sized draft model (1.5B on 7B)',
    build: '2026-08',
    setting: { method: 'draft-simple', draftModel: 'qwen2.5-1.5b-instruct-q4_k_m.gguf', pMin: 0, k: 4 },
    argv: ['-md', 'qwen2.5-1.5b-instruct-q4_k_m.gguf', '--spec-type', 'draft-simple', '--spec-draft-n-max', '4'],
  },
  {
    name: 'n-gram drafting',
    build: '2026-08',
    setting: { method: 'ngram-simple', k: 8 },
    argv: ['--spec-type', 'ngram-simple', '--spec-draft-n-max', '8'],
  },
  {
    name: 'a confidence cut-off (p_min 0.5, k 8)',
    build: '2026-08',
    setting: { method: 'draft-simple', draftModel: 'qwen2.5-0.5b-instruct-q4_k_m.gguf', pMin: 0.5, k: 8 },
    argv: ['-md', 'qwen2.5-0.5b-instruct-q4_k_m.gguf', '--spec-type', 'draft-simple', '--spec-draft-n-max', '8', '--spec-draft-p-min', '0.5'],
  },
  {
    name: "an old build's default cut-off (0.75 when no p_min flag is given)",
    build: 'old',
    setting: { draftModel: 'qwen2.5-0.5b-instruct-q4_k_m.gguf', k: 8 },
    argv: ['-md', 'qwen2.5-0.5b-instruct-q4_k_m.gguf', '--draft-max', '8'],
  },
];

interface Measured {
  /** Per cell: completion tokens over the server's time from arrival to the last token, over the seeds. */
  tokensPerSecond: number[];
  promptTokens: number[];
  drafted: number;
  accepted: number;
  /** Verification steps: every token after the first comes from one, with that step's accepted run. */
  steps: number;
  metrics: string;
}

const servers = new Map<string, PersonaProcess>();
const measured = new Map<string, Measured>();

async function measure(c: Case, p: PersonaProcess): Promise<Measured> {
  const m: Measured = { tokensPerSecond: [], promptTokens: [], drafted: 0, accepted: 0, steps: 0, metrics: '' };
  // A first short request, as a sweep's warm-up: not timed (its drafts do count on /metrics).
  const warm = await postJson(p.url + '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], max_tokens: 4, temperature: 0 });
  m.drafted += warm.json.timings.draft_n ?? 0;
  m.accepted += warm.json.timings.draft_n_accepted ?? 0;
  for (const prompt of CELLS) {
    let tokens = 0;
    let ms = 0;
    for (const seed of SEEDS) {
      const r = await postJson(p.url + '/v1/chat/completions', { messages: [{ role: 'user', content: prompt }], max_tokens: TOKENS, ignore_eos: true, temperature: 0, seed });
      expect(r.status).toBe(200);
      ms += r.json.timings.prompt_ms + r.json.timings.predicted_ms;
      expect(r.json.usage.completion_tokens).toBe(TOKENS);
      tokens += TOKENS;
      m.drafted += r.json.timings.draft_n ?? 0;
      m.accepted += r.json.timings.draft_n_accepted ?? 0;
      m.steps += TOKENS - 1 - (r.json.timings.draft_n_accepted ?? 0);
      m.promptTokens.push(r.json.usage.prompt_tokens);
    }
    m.tokensPerSecond.push(tokens / (ms / 1000));
  }
  if (c.build === '2026-08') m.metrics = await (await fetch(p.url + '/metrics')).text();
  return m;
}

beforeAll(async () => {
  const started = await Promise.all(
    CASES.map((c) =>
      startPersona(
        'llama-server',
        ['--sim-build', c.build, '-m', TARGET, ...c.argv, ...(c.build === '2026-08' ? ['--metrics'] : []), '--sim-step-ms', String(STEP_MS), '--sim-jitter', '0', '--sim-startup-ms', '50'],
        async (url) => (await fetch(url + '/health')).status === 200,
      ),
    ),
  );
  CASES.forEach((c, i) => servers.set(c.name, started[i]));
  // Measured together: each persona serves one request at a time, and they run side by side.
  const results = await Promise.all(CASES.map((c) => measure(c, servers.get(c.name)!)));
  CASES.forEach((c, i) => measured.set(c.name, results[i]));
}, 120_000);
afterAll(() => killAllPersonas());

describe.each(CASES)('llama-server persona with $name', (c) => {
  const setup = (): PersonaSetup => ({ persona: 'llama-server', targetModel: TARGET, build: c.build, knobs: { stepMs: STEP_MS } });
  const cells = (m: Measured): PromptCell[] => CELLS.map((prompt, i) => ({ prompt, completionTokens: TOKENS, promptTokens: m.promptTokens[i * SEEDS.length] }));

  it('measured tokens/s agrees with the truth function within a few percent, per cell and over the cells', () => {
    const m = measured.get(c.name)!;
    const [truth] = planTruth(setup(), [c.setting], cells(m));
    // Sampled acceptance varies a little either way; timers on a busy machine only ever add time.
    truth.perCell.forEach((expected, i) => {
      expect(m.tokensPerSecond[i] / expected).toBeGreaterThan(0.94);
      expect(m.tokensPerSecond[i] / expected).toBeLessThan(1.04);
    });
    const geomean = Math.sqrt(m.tokensPerSecond[0] * m.tokensPerSecond[1]);
    expect(geomean / truth.tokensPerSecond).toBeGreaterThan(0.95);
    expect(geomean / truth.tokensPerSecond).toBeLessThan(1.03);
  });

  it('timings and /metrics report what was really drafted: the expected share, fewer than k per step where drafts stop early', () => {
    const m = measured.get(c.name)!;
    const s = setup();
    const expected = CELLS.map((prompt) => {
      const method = c.setting.method === 'ngram-simple' ? 'ngram' : 'draft_model';
      const d = requestDrafting({ prompt, temperature: 0, method, draftModel: c.setting.draftModel, targetModel: TARGET, pMin: method === 'ngram' ? 0 : settingPMin(s, c.setting), knobs: {} });
      return expectedDraftStep(d.drafter, c.setting.k);
    });
    const share = expected.reduce((t, e) => t + e.accepted, 0) / expected.reduce((t, e) => t + e.drafted, 0);
    expect(m.accepted / m.drafted).toBeGreaterThan(share - 0.05);
    expect(m.accepted / m.drafted).toBeLessThan(share + 0.05);
    const perStep = m.drafted / m.steps;
    if (c.setting.pMin === 0) expect(perStep).toBeGreaterThan(c.setting.k * 0.97);
    else expect(perStep).toBeLessThan(c.setting.k * 0.75);
    if (m.metrics) {
      expect(m.metrics).toContain(`llamacpp:spec_decode_num_draft_tokens_total ${m.drafted}`);
      expect(m.metrics).toContain(`llamacpp:spec_decode_num_accepted_tokens_total ${m.accepted}`);
    }
  });
});
