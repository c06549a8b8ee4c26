/** The one plan builder: its defaults, the parsing of what users type (with the messages), and the plan. */
import { describe, expect, it } from 'vitest';
import {
  buildSweepPlan,
  defaultTokens,
  kListPreview,
  levelsAsTyped,
  MAX_K,
  MAX_TOKENS,
  oneClickKnobs,
  parseDraftModelList,
  parseKList,
  parseLevelList,
  parseMeasureText,
  parseMethodList,
  parsePMinList,
  parseWholeNumber,
  PLAN_DEFAULTS,
  REPEATS,
} from '../src/shared/plan-builder';
import { NumSpecTokensSchema, SweepPlanSchema } from '../src/shared/schemas';
import { engineById } from '../src/engines';

const error = (r: { ok: boolean; error?: string }) => (r.ok ? null : r.error);
const server = { engine: 'vllm', command: ['vllm'], model: 'm', method: 'ngram' as const, port: 8000, numSpeculativeTokens: 0 };
const measure = { promptTypes: ['code'], systemPrompts: ['direct'] };

describe('k list: the CLI syntax everywhere', () => {
  it('takes lists, ranges and both; a range brings the baseline', () => {
    expect(parseKList('0, 3 5;7')).toEqual({ ok: true, value: [0, 3, 5, 7] });
    expect(parseKList('1-8')).toEqual({ ok: true, value: [0, 1, 2, 3, 4, 5, 6, 7, 8] });
    expect(parseKList('0,2-6')).toEqual({ ok: true, value: [0, 2, 3, 4, 5, 6] });
    expect(parseKList(' 0 , 2 - 4 ,7', 'flag')).toEqual({ ok: true, value: [0, 2, 3, 4, 7] });
    // A single k is not a range: no baseline is added (attached mode measures the one k the server runs).
    expect(parseKList('4')).toEqual({ ok: true, value: [4] });
  });

  it('a form names the wrong item by position and text', () => {
    expect(error(parseKList('0, 3, 5.5, 7'))).toBe('Item 3 (“5.5”) must be a whole number from 0 (baseline) to 32');
    expect(error(parseKList('0 three'))).toBe('Item 2 (“three”) is not a number: give whole numbers from 0 (baseline) to 32, separated by commas, or a range like 1-8');
    expect(error(parseKList('0,40'))).toBe('Item 2 (“40”) must be a whole number from 0 (baseline) to 32');
    expect(error(parseKList('0, 3, 3'))).toBe('Item 3 (“3”) repeats item 2: give each k only once');
    expect(error(parseKList('0, 8-1'))).toBe('Item 2 (“8-1”) is not a range of k from 0 (baseline) to 32: write it low-high, e.g. 1-8');
    expect(error(parseKList('0, 2-6, 4'))).toBe('Item 3 (“4”) repeats item 2: give each k only once');
    expect(error(parseKList(' '))).toBe('give at least one k: a list like 0,3,5,7 or a range like 1-8 (0 = baseline)');
  });

  it('a flag names the value it refuses', () => {
    expect(error(parseKList('0,x', 'flag'))).toBe('"x" is not a k from 0 to 32; give a list like 0,3,5,7 or a range like 1-8.');
    expect(error(parseKList('8-1', 'flag'))).toBe('"8-1" is not a range of k from 0 to 32 (low-high, e.g. 1-8).');
    expect(error(parseKList('1-40', 'flag'))).toBe('"1-40" is not a range of k from 0 to 32 (low-high, e.g. 1-8).');
    expect(error(parseKList('0,2-6,4', 'flag'))).toBe('"4" comes twice: give each k only once.');
    expect(error(parseKList('a-b', 'flag'))).toMatch(/^"a-b" is not a k .*range like 1-8/);
  });

  it('its bound is the k schema’s', () => {
    expect(NumSpecTokensSchema.safeParse(MAX_K).success).toBe(true);
    expect(NumSpecTokensSchema.safeParse(MAX_K + 1).success).toBe(false);
    expect(parseKList(String(MAX_K)).ok).toBe(true);
    expect(parseKList(String(MAX_K + 1)).ok).toBe(false);
  });

  it('previews what it reads while the user types: ranges expanded, a bad item as null', () => {
    expect(kListPreview('1-3, x')).toEqual([0, 1, 2, 3, null]);
    expect(kListPreview('0, 3,')).toEqual([0, 3]);
  });
});

describe('load levels', () => {
  it.each([
    ['1, 0, 8', 'Item 2 (“0”) must be a whole number from 1 (one request at a time) to 1024'],
    ['1 -4', 'Item 2 (“-4”) must be a whole number from 1 (one request at a time) to 1024'],
    ['1, 2.5', 'Item 2 (“2.5”) must be a whole number from 1 (one request at a time) to 1024'],
    ['8, 2048', 'Item 2 (“2048”) must be a whole number from 1 (one request at a time) to 1024'],
    ['1, 8, 8', 'Item 3 (“8”) repeats item 2: give each level only once'],
    ['1, many', 'Item 2 (“many”) is not a number: give whole numbers from 1 (one request at a time) to 1024, separated by commas'],
    ['1-8', 'Item 1 (“1-8”) is not a number: give whole numbers from 1 (one request at a time) to 1024, separated by commas'],
    ['', 'give at least one concurrency level, e.g. 1 or 1,8,32'],
  ])('%j → %s', (text, message) => {
    expect(error(parseLevelList(text))).toBe(message);
  });

  it('passes a valid list as typed (order kept), and offers its valid levels ascending', () => {
    expect(parseLevelList('32, 1 8')).toEqual({ ok: true, value: [32, 1, 8] });
    expect(levelsAsTyped('32, 1, x, 8, 8, 0')).toEqual([1, 8, 32]);
  });
});

describe('whole numbers name the field and a valid value', () => {
  it.each([
    ['abc', 'repeats must be a whole number from 1 to 100, e.g. 3'],
    ['2.5', 'repeats must be a whole number from 1 to 100, e.g. 3'],
    ['0', 'repeats must be 1 or more'],
    ['101', 'repeats must be at most 100, e.g. 3'],
    [' ', 'give repeats: a whole number from 1 to 100, e.g. 3'],
  ])('repeats %j → %s', (text, message) => {
    expect(error(parseWholeNumber(text, REPEATS))).toBe(message);
  });

  it('reads a valid one, and its bounds are the plan schema’s', () => {
    expect(parseWholeNumber(' 7 ', MAX_TOKENS)).toEqual({ ok: true, value: 7 });
    const plan = (repeats: number, maxTokens: number) => SweepPlanSchema.safeParse({ mode: 'attached', url: 'http://127.0.0.1:1', tokens: [0], ...measure, repeats, maxTokens }).success;
    expect(plan(REPEATS.max, MAX_TOKENS.max)).toBe(true);
    expect(plan(REPEATS.max + 1, MAX_TOKENS.max)).toBe(false);
    expect(plan(REPEATS.max, MAX_TOKENS.max + 1)).toBe(false);
    expect(plan(REPEATS.min - 1, MAX_TOKENS.max)).toBe(false);
  });
});

describe('a form’s text as numbers', () => {
  it('puts each refusal under its field and leaves the field out of the values', () => {
    const r = parseMeasureText({ tokens: '0, 3, 3', repeats: '0', maxTokens: '64', concurrency: '1, 8', targetConcurrency: '8' });
    expect(r.errors).toEqual({ tokens: 'Item 3 (“3”) repeats item 2: give each k only once', repeats: 'repeats must be 1 or more' });
    expect(r.values).toEqual({ maxTokens: 64, concurrency: [1, 8], targetConcurrency: 8 });
  });

  it('does not judge the target against a level list that does not read', () => {
    const r = parseMeasureText({ repeats: '1', maxTokens: '1', concurrency: '1, x', targetConcurrency: '8' });
    expect(Object.keys(r.errors)).toEqual(['concurrency']);
    expect(r.values.targetConcurrency).toBeUndefined();
  });
});

describe('defaults', () => {
  it('a launched engine, and an attached one that changes k, search the fine grid 0..8 (issue 17); one that cannot, or an unknown one, its one k', () => {
    expect(defaultTokens(engineById('llama.cpp').descriptor, 'managed')).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(defaultTokens(engineById('ollama').descriptor, 'attached')).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(defaultTokens(engineById('vllm').descriptor, 'attached')).toEqual([0]);
    expect(defaultTokens(null, 'attached')).toEqual([0]);
  });
});

describe('buildSweepPlan', () => {
  it('managed: the engine’s k list, the default repeats and answer length (shorter for a demo)', () => {
    const r = buildSweepPlan({ engine: engineById('vllm').descriptor, target: { mode: 'managed', server }, measure });
    expect(r.ok && r.plan).toMatchObject({ mode: 'managed', engine: 'vllm', tokens: [0, 1, 2, 3, 4, 5, 6, 7, 8], repeats: PLAN_DEFAULTS.repeats, maxTokens: 256, concurrency: [1] });
    const demo = buildSweepPlan({ engine: engineById('vllm').descriptor, target: { mode: 'managed', server }, measure, demo: true });
    expect(demo.ok && demo.plan.maxTokens).toBe(64);
  });

  it('attached: several k only where the engine changes k itself, or where the caller learns the engine later', () => {
    const ollama = buildSweepPlan({ engine: engineById('ollama').descriptor, target: { mode: 'attached', url: 'http://127.0.0.1:11434' }, measure });
    expect(ollama.ok && ollama.plan).toMatchObject({ engine: 'ollama', tokens: [0, 1, 2, 3, 4, 5, 6, 7, 8], attachedChangesK: true });
    const unknown = buildSweepPlan({ engine: null, target: { mode: 'attached', url: 'http://127.0.0.1:8000' }, tokens: [0, 3], measure });
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.issues.map((i) => i.path.join('.'))).toEqual(['tokens']);
    const later = buildSweepPlan({ engine: null, target: { mode: 'attached', url: 'http://127.0.0.1:8000', changesK: true }, tokens: [0, 3], measure });
    expect(later.ok && later.plan).toMatchObject({ tokens: [0, 3], attachedChangesK: true });
    expect(later.ok && 'engine' in later.plan).toBe(false);
  });

  it('only the custom prompts the selection uses travel with the plan', () => {
    const custom = [
      { id: 'sql', label: 'SQL', description: 'SQL review', prompt: 'Review this SQL.' },
      { id: 'poem', label: 'Poem', description: 'A poem', prompt: 'Write a poem.' },
    ];
    const r = buildSweepPlan({ engine: null, target: { mode: 'managed', server }, measure: { ...measure, promptTypes: ['code', 'sql'], customPrompts: custom } });
    expect(r.ok && r.plan.customPrompts.map((p) => p.id)).toEqual(['sql']);
  });

  it('a refused plan comes back with the schema’s issues and the input they are about', () => {
    const r = buildSweepPlan({ engine: null, target: { mode: 'managed', server }, tokens: [0], measure: { ...measure, concurrency: [1, 8], targetConcurrency: 16 } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['targetConcurrency', 'target concurrency 16 is not among the measured levels (1,8): add it to the concurrency list or pick one of them']]);
    expect(r.input).toMatchObject({ concurrency: [1, 8], targetConcurrency: 16 });
  });
});

describe('the knobs besides k', () => {
  const llama = engineById('llama.cpp').descriptor;
  const peers = ['vllm', 'llama.cpp', 'embedded', 'lmstudio'].map((id) => engineById(id as 'vllm').descriptor);
  const managed = (extra: { methods?: string[]; draftModels?: string[]; draftPMins?: number[] }, engine = llama) =>
    buildSweepPlan({ engine, peers, target: { mode: 'managed', server: { engine: engine.id, command: ['x'], model: 'm', draftModel: 'd.gguf' }, ...extra }, measure });

  it('reads cut-off and method lists, each item once, each cut-off 0..1', () => {
    expect(parsePMinList('0, 0.3,.6')).toEqual({ ok: true, value: [0, 0.3, 0.6] });
    expect(error(parsePMinList('0,1.2'))).toMatch(/"1\.2" is not a cut-off from 0 to 1/);
    expect(error(parsePMinList('0.3,0.30'))).toMatch(/comes twice/);
    expect(parseMethodList('draft-simple ngram-simple')).toEqual({ ok: true, value: ['draft-simple', 'ngram-simple'] });
    expect(error(parseMethodList('ngram-simple,ngram-simple'))).toMatch(/comes twice/);
    // Draft models: commas or lines between them (a path may hold a space).
    expect(parseDraftModelList('a.gguf, /m/my models/b.gguf\nc.gguf')).toEqual({ ok: true, value: ['a.gguf', '/m/my models/b.gguf', 'c.gguf'] });
    expect(error(parseDraftModelList('a.gguf,a.gguf'))).toMatch(/"a\.gguf" comes twice/);
  });

  it("One click's knobs: p_min 0 and one cut-off where the engine has one and something drafts with a model, the user's own otherwise", () => {
    const embedded = engineById('embedded').descriptor;
    const vllm = engineById('vllm').descriptor;
    expect(oneClickKnobs(llama, { draftModels: ['a.gguf', 'b.gguf'] })).toEqual({ draftModels: ['a.gguf', 'b.gguf'], methods: [], draftPMins: [0, 0.5] });
    expect(oneClickKnobs(embedded, { draftModels: ['a.gguf'] }).draftPMins).toEqual([0, 0.5]);
    expect(oneClickKnobs(llama, { draftModels: ['a.gguf'], draftPMins: [0.3] }).draftPMins).toEqual([0.3]);
    // No cut-off without a draft model, nor where every method drafts without one, nor on an engine without it.
    expect(oneClickKnobs(llama, {}).draftPMins).toEqual([]);
    expect(oneClickKnobs(llama, { draftModels: ['a.gguf'], methods: ['ngram-simple'] }).draftPMins).toEqual([]);
    expect(oneClickKnobs(vllm, { draftModels: ['a'] }).draftPMins).toEqual([]);
  });

  it('takes the knobs the engine has, aliases included, into the plan', () => {
    const r = managed({ methods: ['draft', 'ngram-simple'], draftModels: ['a.gguf', 'b.gguf'], draftPMins: [0, 0.5] });
    expect(r.ok && r.plan).toMatchObject({ methods: ['draft', 'ngram-simple'], draftModels: ['a.gguf', 'b.gguf'], draftPMins: [0, 0.5] });
  });

  it('refuses a knob the engine lacks, naming the engines that have it', () => {
    const vllm = engineById('vllm').descriptor;
    const r = managed({ draftPMins: [0.3] }, vllm);
    expect(r.ok).toBe(false);
    const issue = !r.ok ? r.issues[0] : null;
    expect(issue?.path).toEqual(['draftPMins']);
    expect(issue?.message).toMatch(/vLLM has no draft confidence cut-off: only .*llama\.cpp.* have one/);
    const m = managed({ methods: ['ngram-simple'] }, vllm);
    expect(!m.ok && m.issues[0].message).toMatch(/vLLM has no method "ngram-simple": give some of draft_model, ngram/);
  });

  it('refuses drafts or cut-offs when every method drafts without a model', () => {
    const r = managed({ methods: ['ngram-simple'], draftModels: ['a.gguf'], draftPMins: [0.3] });
    expect(!r.ok && r.issues.map((i) => i.path[0])).toEqual(['draftModels', 'draftPMins']);
  });

  it('the schema refuses a cut-off out of range or given twice', () => {
    expect(SweepPlanSchema.safeParse({ mode: 'attached', url: 'http://127.0.0.1:1', tokens: [0], ...measure, draftPMins: [0.2, 0.2] }).success).toBe(false);
    const out = SweepPlanSchema.safeParse({ mode: 'attached', url: 'http://127.0.0.1:1', tokens: [0], ...measure, draftPMins: [2] });
    expect(!out.success && out.error.issues[0].message).toMatch(/p_min\) must be from 0 to 1/);
  });
});
