/**
 * The LM Studio and Ollama engines against the simulator's personas started as
 * real processes (`spectune sim ollama …`, `spectune sim lmstudio …`), both
 * listening at once: identification through real HTTP, then requests shaped by
 * the engine, read by the NDJSON / JSON readers, and interpreted by the engine
 * (usage, reload time, draft counts, a refused draft).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonResponse } from '../src/core/bench/json-reader';
import { readNdjsonResponse } from '../src/core/bench/ndjson-reader';
import type { Engine, PromptRequest, SpecConfig } from '../src/engines/engine';
import { listDraftCandidates, lmstudioEngine } from '../src/engines/lmstudio';
import { hasDraftHead, noDraftMessage, ollamaEngine } from '../src/engines/ollama';
import { serverErrorMessage } from '../src/node/http';
import { httpAsk, httpPost } from './engine-lmstudio-ollama-helpers';
import { killAllPersonas, startPersona, stopPersona, type PersonaProcess } from './sim-persona-harness';

let ollama: PersonaProcess;
let lms: PersonaProcess;

beforeAll(async () => {
  [ollama, lms] = await Promise.all([
    startPersona('ollama', ['--model', 'qwen3.5:9b', '--sim-draft-head', '--models', 'llama3.2', '--sim-reload-ms', '300', '--sim-step-ms', '5']),
    startPersona('lmstudio', [
      '--model', 'qwen2.5-7b-instruct',
      '--draft-models', 'qwen2.5-0.5b-instruct,llama-3.2-1b-instruct',
      '--sim-incompatible', 'llama-3.2-1b-instruct',
      '--sim-reload-ms', '100',
      '--sim-step-ms', '5',
    ]),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([ollama && stopPersona(ollama), lms && stopPersona(lms)]);
  killAllPersonas();
});

const prompt = (model: string): PromptRequest => ({ model, api: 'chat', system: '', prompt: 'Write a short poem about drafts.', maxTokens: 24, temperature: 0, seed: 1, ignoreEos: false });

async function send(engine: Engine, url: string, req: PromptRequest, config: SpecConfig) {
  const shape = engine.shapeRequest(req, config);
  const res = await fetch(url + shape.path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(shape.body) });
  if (!res.ok) return { res, read: null };
  const read = shape.dialect === 'ndjson' ? await readNdjsonResponse(res, { url: url + shape.path }) : await readJsonResponse(res, { url: url + shape.path });
  return { res, read };
}

describe('identification with both listening', () => {
  it('each engine knows its own server and not the other', async () => {
    const atOllama = httpAsk(ollama.url);
    const atLms = httpAsk(lms.url);
    expect(await ollamaEngine.identify(atOllama)).toMatchObject({ version: '0.30.2', via: '/api/version' });
    expect((await ollamaEngine.identify(atOllama))?.models).toContain('qwen3.5:9b');
    expect(await lmstudioEngine.identify(atOllama)).toBeNull();
    expect(await lmstudioEngine.identify(atLms)).toMatchObject({ models: ['qwen2.5-7b-instruct'], via: '/api/v0/models' });
    expect(await ollamaEngine.identify(atLms)).toBeNull();
  });
});

describe('Ollama persona', () => {
  it('k by draft_num_predict: a change reloads (load time in the done line), a repeat does not; tokens from eval_count', async () => {
    const req = prompt('qwen3.5:9b');
    const loads: number[] = [];
    for (const k of [0, 0, 4, 4]) {
      const { read } = await send(ollamaEngine, ollama.url, req, { numSpeculativeTokens: k, draftModel: null, method: null, draftPMin: null });
      expect(read).not.toBeNull();
      const usage = ollamaEngine.engineUsage?.(read!.finalObject);
      expect(usage?.completionTokens).toBe(read!.usage?.completionTokens);
      expect(usage?.completionTokens).toBeGreaterThan(0);
      expect(read!.text.length).toBeGreaterThan(0);
      expect(read!.contentTimesMs.length).toBeGreaterThan(0);
      loads.push(usage!.loadSeconds);
    }
    // First request loads the model, the change to k = 4 reloads it (--sim-reload-ms 300); the repeats do not.
    expect(loads[0]).toBeGreaterThan(0.2);
    expect(loads[1]).toBeLessThan(0.1);
    expect(loads[2]).toBeGreaterThan(0.2);
    expect(loads[3]).toBeLessThan(0.1);
  });

  it('/api/show tells the model with a head from the one without, and the latter gets the plain message', async () => {
    const post = httpPost(ollama.url);
    expect((await hasDraftHead(post, 'qwen3.5:9b')).kind).toBe('mtp');
    const plain = await hasDraftHead(post, 'llama3.2:latest');
    expect(plain.kind).toBe('none');
    expect(noDraftMessage('llama3.2:latest', plain, '0.30.2')).toContain('has no draft model or MTP head');
  });
});

describe('LM Studio persona', () => {
  it('baseline answers carry no draft counts; a draft model\'s carry them, and TTFT comes from stats', async () => {
    const req = prompt('qwen2.5-7b-instruct');
    const fromResponse = lmstudioEngine.acceptance.kind === 'per-response' ? lmstudioEngine.acceptance.fromResponse : null;
    expect(fromResponse).not.toBeNull();

    const base = await send(lmstudioEngine, lms.url, req, { numSpeculativeTokens: 0, draftModel: null, method: null, draftPMin: null });
    expect(base.read?.usage?.completionTokens).toBeGreaterThan(0);
    expect(fromResponse!(base.read!.finalObject)).toBeNull();

    const draft = await send(lmstudioEngine, lms.url, req, { numSpeculativeTokens: null, draftModel: 'qwen2.5-0.5b-instruct', method: null, draftPMin: null });
    const counts = fromResponse!(draft.read!.finalObject);
    expect(counts?.draftTokens).toBeGreaterThan(0);
    expect(counts!.acceptedTokens).toBeLessThanOrEqual(counts!.draftTokens);
    const usage = lmstudioEngine.engineUsage?.(draft.read!.finalObject);
    expect(usage?.ttftSeconds).toBeGreaterThan(0);
    expect(usage?.completionTokens).toBe(draft.read!.usage?.completionTokens);
  });

  it('a draft LM Studio refuses answers 400 whose message (what the bench client reports) names the reason', async () => {
    const { res, read } = await send(lmstudioEngine, lms.url, prompt('qwen2.5-7b-instruct'), { numSpeculativeTokens: null, draftModel: 'llama-3.2-1b-instruct', method: null, draftPMin: null });
    expect(read).toBeNull();
    expect(res.status).toBe(400);
    expect(serverErrorMessage(await res.text())).toMatch(/vocabulary/i);
  });

  it('lists the draft candidates over HTTP', async () => {
    const ids = (await listDraftCandidates(httpAsk(lms.url))).map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['qwen2.5-0.5b-instruct', 'llama-3.2-1b-instruct']));
  });
});
