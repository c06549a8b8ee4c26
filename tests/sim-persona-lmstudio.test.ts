/**
 * The LM Studio persona: /api/v0/models rows, /v1/models, per-request
 * draft_model, draft counts ONLY in non-streaming /api/v0 stats (total =
 * accepted + rejected + ignored), "stats": {} on /v1, nothing in v0 streams,
 * a fixed draft length, an incompatible draft refused with HTTP 400, a model
 * that is not loaded refused, and LM Studio's 200 for unknown endpoints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllPersonas, postJson, postSse, startPersona, stopPersona, type PersonaProcess } from './sim-persona-harness';

const MODEL = 'qwen3-8b';
const DRAFT = 'qwen3-0.6b';
const BAD_DRAFT = 'llama-3.2-1b';
const RELOAD_MS = 400;
const listening = async (url: string) => (await fetch(url + '/v1/models')).status === 200;
const chat = (extra: Record<string, unknown> = {}) => ({ model: MODEL, messages: [{ role: 'user', content: 'Write a python function that merges intervals' }], max_tokens: 30, ...extra });

let s: PersonaProcess;

beforeAll(async () => {
  s = await startPersona(
    'lmstudio',
    ['--model', MODEL, '--draft-models', `${DRAFT},qwen3-1.7b`, '--sim-incompatible', BAD_DRAFT, '--sim-draft-max', '3', '--sim-draft', `${DRAFT}:0.8:0.1`, '--sim-startup-ms', '50', '--sim-reload-ms', String(RELOAD_MS)],
    listening,
  );
}, 60_000);
afterAll(() => killAllPersonas());

describe('LM Studio models', () => {
  it('lists rows with type, state, arch, compatibility_type, quantization, max_context_length', async () => {
    const v0 = (await (await fetch(s.url + '/api/v0/models')).json()) as any;
    const byId = new Map<string, any>(v0.data.map((r: any) => [r.id, r]));
    expect(byId.get(MODEL)).toMatchObject({ type: 'llm', state: 'loaded', arch: 'qwen3', compatibility_type: 'gguf', quantization: 'Q4_K_M', max_context_length: expect.any(Number) });
    expect(byId.get(DRAFT)).toMatchObject({ type: 'llm', state: 'not-loaded', arch: 'qwen3' });
    expect(byId.get(BAD_DRAFT).arch).not.toBe('qwen3');
    expect([...byId.values()].some((r) => r.type === 'embeddings')).toBe(true);
    const v1 = (await (await fetch(s.url + '/v1/models')).json()) as any;
    expect(v1.data.map((m: any) => m.id)).toEqual([MODEL]);
  });
});

describe('LM Studio chat with a draft model', () => {
  it('puts draft counts only in non-streaming /api/v0 stats, and they add up', async () => {
    const first = await postJson(s.url + '/api/v0/chat/completions', chat({ draft_model: DRAFT }));
    expect(first.status).toBe(200);
    // The first use loads the draft model.
    expect(first.ms).toBeGreaterThanOrEqual(RELOAD_MS);
    const st = first.json.stats;
    expect(st).toMatchObject({ draft_model: DRAFT, stop_reason: 'maxPredictedTokensReached', tokens_per_second: expect.any(Number), time_to_first_token: expect.any(Number), generation_time: expect.any(Number) });
    expect(st.total_draft_tokens_count).toBeGreaterThan(0);
    expect(st.total_draft_tokens_count).toBe(st.accepted_draft_tokens_count + st.rejected_draft_tokens_count + st.ignored_draft_tokens_count);
    // Draft length is fixed at load (--sim-draft-max 3); a request field does not change it.
    expect(st.total_draft_tokens_count % 3).toBe(0);
    const asked = await postJson(s.url + '/api/v0/chat/completions', chat({ draft_model: DRAFT, num_draft_tokens: 7, seed: 5 }));
    expect(asked.json.stats.total_draft_tokens_count % 3).toBe(0);
    expect(asked.ms).toBeLessThan(RELOAD_MS);
    expect(first.json.model_info).toMatchObject({ arch: 'qwen3', format: 'gguf' });

    const v1 = await postJson(s.url + '/v1/chat/completions', chat({ draft_model: DRAFT }));
    expect(v1.status).toBe(200);
    expect(v1.json.stats).toEqual({});
    expect(v1.json.usage.completion_tokens).toBe(30);

    const stream = await postSse(s.url + '/api/v0/chat/completions', chat({ draft_model: DRAFT, stream: true, stream_options: { include_usage: true } }));
    expect(stream.done).toBe(true);
    expect(stream.events.filter((e) => e.choices?.[0]?.delta?.content).length).toBe(30);
    expect(stream.events.some((e) => 'stats' in e || 'usage' in e)).toBe(false);
  });

  it('without a draft model, v0 stats carry no draft fields', async () => {
    const r = await postJson(s.url + '/api/v0/chat/completions', chat());
    expect(r.json.stats.tokens_per_second).toBeGreaterThan(0);
    expect(Object.keys(r.json.stats).filter((k) => k.includes('draft'))).toEqual([]);
  });

  it('refuses a draft with another vocabulary with HTTP 400', async () => {
    const r = await postJson(s.url + '/v1/chat/completions', chat({ draft_model: BAD_DRAFT }));
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/vocabulary/);
    expect(r.json.error.param).toBe('draft_model');
  });

  it('refuses a model that is not loaded, and an unknown one', async () => {
    const notLoaded = await postJson(s.url + '/v1/chat/completions', chat({ model: 'qwen3-1.7b' }));
    expect(notLoaded.status).toBe(404);
    expect(notLoaded.json.error.message).toContain("is not loaded. Please load it in the developer page or use the 'lms load' command.");
    const unknown = await postJson(s.url + '/v1/chat/completions', chat({ model: 'no-such-model' }));
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toMatchObject({ message: "Model 'no-such-model' not found", code: 'model_not_found' });
  });

  it('answers unknown endpoints with 200 and an error body, as LM Studio does', async () => {
    const r = await fetch(s.url + '/health');
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ error: 'Unexpected endpoint or method. (GET /health)' });
  });

  it('exits 0 on SIGTERM', async () => {
    expect(await stopPersona(s)).toEqual({ code: 0, signal: null });
  });
});
