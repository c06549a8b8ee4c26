/**
 * The JSON reader (non-streamed answers: LM Studio's /api/v0 completions, the
 * only place it reports draft counts) against a real node:http server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readJsonResponse } from '../src/core/bench/json-reader';
import { SpecTuneError } from '../src/shared/errors';
import { serve, sleep, type TestServer } from './engine-lmstudio-ollama-helpers';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Serves `body` in the given pieces (a number = pause in ms). */
async function jsonServer(pieces: (string | number)[]): Promise<string> {
  const s = await serve(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    for (const p of pieces) {
      if (typeof p === 'number') await sleep(p);
      else res.write(p);
    }
    res.end();
  });
  servers.push(s);
  return s.url;
}

const V0_ANSWER = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: 'qwen2.5-7b-instruct',
  choices: [{ index: 0, logprobs: null, finish_reason: 'stop', message: { role: 'assistant', content: 'Speculative decoding drafts tokens.' } }],
  usage: { prompt_tokens: 24, completion_tokens: 53, total_tokens: 77 },
  stats: {
    tokens_per_second: 51.4,
    time_to_first_token: 0.111,
    generation_time: 0.954,
    stop_reason: 'eosFound',
    draft_model: 'qwen2.5-0.5b-instruct',
    total_draft_tokens_count: 40,
    accepted_draft_tokens_count: 30,
    rejected_draft_tokens_count: 8,
    ignored_draft_tokens_count: 2,
  },
};

async function read(url: string, onContent?: (t: number) => void) {
  const res = await fetch(url + '/api/v0/chat/completions', { method: 'POST', body: '{}' });
  expect(res.ok).toBe(true);
  return readJsonResponse(res, { url: url + '/api/v0/chat/completions', onContent });
}

async function failure(url: string): Promise<SpecTuneError> {
  const err = await read(url).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SpecTuneError);
  return err as SpecTuneError;
}

describe('readJsonResponse', () => {
  it('takes text, usage, finish reason and the whole body; the one content arrival is when the body completed', async () => {
    const text = JSON.stringify(V0_ANSWER);
    const half = Math.floor(text.length / 2);
    const url = await jsonServer([text.slice(0, half), 80, text.slice(half)]);
    const seen: number[] = [];
    const t0 = performance.now();
    const r = await read(url, (t) => seen.push(t));
    expect(r.text).toBe('Speculative decoding drafts tokens.');
    expect(r.usage).toEqual({ completionTokens: 53, promptTokens: 24 });
    expect(r.finishReason).toBe('stop');
    expect(r.finalObject).toMatchObject({ stats: { accepted_draft_tokens_count: 30 } });
    expect(r.contentTimesMs).toEqual([r.endTimeMs]);
    // The arrival is the second piece's, after the pause, not the first byte's.
    expect(r.endTimeMs - t0).toBeGreaterThanOrEqual(70);
    // Only generated text counts as a sign of life (comment lines and empty events never hold a stall timer off).
    expect(seen).toEqual([r.endTimeMs]);
  });

  it('reads a text completion (choices[0].text)', async () => {
    const url = await jsonServer([JSON.stringify({ choices: [{ text: ' to find purpose', finish_reason: 'length' }], usage: { completion_tokens: 4 } })]);
    const r = await read(url);
    expect(r.text).toBe(' to find purpose');
    expect(r.usage).toEqual({ completionTokens: 4, promptTokens: null });
    expect(r.finishReason).toBe('length');
  });

  it('nothing generated: no content arrival, and no usage when the body has none', async () => {
    const url = await jsonServer([JSON.stringify({ choices: [{ message: { role: 'assistant', content: '' }, finish_reason: 'stop' }] })]);
    const r = await read(url);
    expect(r.contentTimesMs).toEqual([]);
    expect(r.usage).toBeNull();
  });

  it('a 200 with an error object is HTTP_ERROR carrying LM Studio\'s reason', async () => {
    const reason = 'Draft model qwen3-0.6b is not compatible with main model llama-3.1-8b-instruct: vocabulary mismatch';
    const err = await failure(await jsonServer([JSON.stringify({ error: { message: reason, type: 'invalid_request_error' } })]));
    expect(err.code).toBe('HTTP_ERROR');
    expect(err.message).toContain(reason);
    const err2 = await failure(await jsonServer([JSON.stringify({ error: 'Unexpected endpoint or method. (POST /api/v0/chat/completion)' })]));
    expect(err2.code).toBe('HTTP_ERROR');
    expect(err2.message).toContain('Unexpected endpoint or method');
  });

  it('a body that is not JSON is BAD_STREAM quoting it', async () => {
    const err = await failure(await jsonServer(['data: {"choices": []}\n\n']));
    expect(err.code).toBe('BAD_STREAM');
    expect(err.message).toContain('not valid JSON');
  });

  it('an empty body, a body without choices, and a bad usage count are BAD_STREAM naming what is wrong', async () => {
    expect((await failure(await jsonServer([]))).message).toContain('empty');
    expect((await failure(await jsonServer(['{"object":"list","data":[]}']))).message).toContain('choices[0]');
    const bad = await failure(await jsonServer([JSON.stringify({ ...V0_ANSWER, usage: { completion_tokens: -1 } })]));
    expect(bad.code).toBe('BAD_STREAM');
    expect(bad.message).toContain('usage.completion_tokens');
  });
});
