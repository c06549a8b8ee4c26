/**
 * The Ollama persona: identification (GET /, /api/version, /api/tags),
 * /api/show exposing a draft/MTP head, native /api/chat NDJSON with the final
 * statistics in ns and no acceptance anywhere, draft_num_predict as a runner
 * option whose change really reloads (load_duration and wall time), a model
 * without a head ignoring it, and the OpenAI-compatible endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allKeys, killAllPersonas, postJson, postNdjson, runOnce, startPersona, stopPersona, type PersonaProcess } from './sim-persona-harness';

const HEAD = 'qwen3.8:27b-mtp';
const PLAIN = 'llama3.2:latest';
const RELOAD_MS = 500;
const up = async (url: string) => (await fetch(url + '/')).status === 200;
const chat = (model: string, options: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  model,
  messages: [{ role: 'user', content: 'Write a python function that merges intervals' }],
  options: { num_predict: 60, seed: 1, ...options },
  ...extra,
});

let s: PersonaProcess;
let version: Awaited<ReturnType<typeof runOnce>>;

beforeAll(async () => {
  [s, version] = await Promise.all([
    startPersona('ollama', ['serve', '--model', HEAD, '--models', 'llama3.2', '--sim-draft-head', '--sim-alpha', '0.85', '--sim-step-ms', '5', '--sim-jitter', '0', '--sim-startup-ms', '50', '--sim-reload-ms', String(RELOAD_MS)], up),
    runOnce(['ollama', '--version']),
  ]);
}, 60_000);
afterAll(() => killAllPersonas());

describe('Ollama identification', () => {
  it('says it is running, its version, its models', async () => {
    expect(version).toMatchObject({ code: 0, stdout: 'ollama version is 0.30.2\n' });
    const root = await fetch(s.url + '/');
    expect(await root.text()).toBe('Ollama is running');
    expect(((await (await fetch(s.url + '/api/version')).json()) as any).version).toMatch(/^0\.30\.\d+$/);
    const tags = (await (await fetch(s.url + '/api/tags')).json()) as any;
    expect(tags.models.map((m: any) => m.name)).toEqual([HEAD, PLAIN]);
    expect(tags.models[0].details).toMatchObject({ format: 'gguf', family: 'qwen3' });
  });

  it('/api/show exposes the draft head (parameters and model_info) only on the model that has one', async () => {
    const head = await postJson(s.url + '/api/show', { model: HEAD });
    expect(head.status).toBe(200);
    expect(head.json.parameters).toMatch(/^draft_num_predict\s+4$/m);
    expect(head.json.model_info['qwen3.nextn_predict_layers']).toBe(1);
    expect(head.json.capabilities).toContain('completion');
    const plain = await postJson(s.url + '/api/show', { model: 'llama3.2' });
    expect(plain.json.parameters).not.toContain('draft_num_predict');
    expect(Object.keys(plain.json.model_info).some((k) => k.endsWith('nextn_predict_layers'))).toBe(false);
    const missing = await postJson(s.url + '/api/show', { model: 'nope' });
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ error: "model 'nope' not found" });
  });
});

describe('Ollama /api/chat and draft_num_predict', () => {
  it('streams NDJSON, one token per line, final statistics in ns, no acceptance statistics; a change of draft_num_predict reloads', async () => {
    // The first request loads the model (ollama serve starts empty).
    const cold = await postNdjson(s.url + '/api/chat', chat(HEAD));
    expect(cold.status).toBe(200);
    expect(cold.contentType).toBe('application/x-ndjson');
    const final = cold.lines[cold.lines.length - 1];
    expect(cold.lines.slice(0, -1).every((l) => l.done === false && l.message.role === 'assistant' && typeof l.message.content === 'string')).toBe(true);
    expect(cold.lines.length - 1).toBe(60);
    expect(final).toMatchObject({ model: HEAD, done: true, done_reason: 'length', eval_count: 60, prompt_eval_count: expect.any(Number) });
    for (const k of ['total_duration', 'load_duration', 'prompt_eval_duration', 'eval_duration']) expect(Number.isInteger(final[k])).toBe(true);
    expect(final.load_duration).toBeGreaterThanOrEqual(RELOAD_MS * 1e6);
    expect(final.total_duration).toBeGreaterThan(final.load_duration + final.eval_duration);
    expect([...allKeys(cold.lines)].filter((k) => /draft|accept/.test(k))).toEqual([]);

    const warm = await postJson(s.url + '/api/chat', chat(HEAD, {}, { stream: false }));
    expect(warm.json.load_duration).toBeLessThan(10e6);
    expect(warm.json.message.content.length).toBeGreaterThan(0);
    const warmRate = warm.json.eval_count / warm.json.eval_duration;

    const changed = await postJson(s.url + '/api/chat', chat(HEAD, { draft_num_predict: 0 }, { stream: false }));
    expect(changed.json.load_duration).toBeGreaterThanOrEqual(RELOAD_MS * 1e6);
    expect(changed.ms).toBeGreaterThanOrEqual(RELOAD_MS);
    const offRate = changed.json.eval_count / changed.json.eval_duration;
    // The head at the default draft length (4) is faster than no drafting.
    expect(warmRate).toBeGreaterThan(offRate * 1.3);
    const same = await postJson(s.url + '/api/chat', chat(HEAD, { draft_num_predict: 0 }, { stream: false }));
    expect(same.json.load_duration).toBeLessThan(10e6);
  });

  it('a model without a draft head ignores draft_num_predict: no speed-up', async () => {
    const off = await postJson(s.url + '/api/chat', chat(PLAIN, { draft_num_predict: 0 }, { stream: false }));
    const on = await postJson(s.url + '/api/chat', chat(PLAIN, { draft_num_predict: 4 }, { stream: false }));
    const rate = (r: any) => r.eval_count / r.eval_duration;
    expect(on.json.done).toBe(true);
    expect(rate(on.json)).toBeLessThan(rate(off.json) * 1.15);
    expect(rate(on.json)).toBeGreaterThan(rate(off.json) * 0.85);
  });

  it('answers the OpenAI-compatible /v1/chat/completions and /api/generate', async () => {
    const r = await postJson(s.url + '/v1/chat/completions', { model: HEAD, messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ object: 'chat.completion', model: HEAD, usage: { completion_tokens: 5 } });
    const gen = await postNdjson(s.url + '/api/generate', { model: HEAD, prompt: 'Write a haiku', options: { num_predict: 4 } });
    expect(gen.lines.slice(0, -1).map((l) => typeof l.response)).toEqual(['string', 'string', 'string', 'string']);
    expect(gen.lines[gen.lines.length - 1]).toMatchObject({ done: true, eval_count: 4, response: '' });
    const missing = await postJson(s.url + '/api/chat', chat('nope'));
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ error: "model 'nope' not found" });
  });

  it('exits 0 on SIGTERM', async () => {
    expect(await stopPersona(s)).toEqual({ code: 0, signal: null });
  });
});
