/**
 * The NDJSON reader (Ollama's native streaming dialect) against a real
 * node:http server that writes lines the way Ollama does: pieces spaced in
 * time, lines split across writes, a done:true line with the counts.
 */
import type http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { readNdjsonResponse } from '../src/core/bench/ndjson-reader';
import { SpecTuneError } from '../src/shared/errors';
import { serve, sleep, type TestServer } from './engine-lmstudio-ollama-helpers';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Serves the given writes (strings, or a number = pause in ms) as one chunked NDJSON body. */
async function ndjsonServer(writes: (string | number)[], opts: { end?: boolean } = {}): Promise<string> {
  const s = await serve(async (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    for (const w of writes) {
      if (typeof w === 'number') await sleep(w);
      else res.write(w);
    }
    if (opts.end !== false) res.end();
  });
  servers.push(s);
  return s.url;
}

const line = (o: unknown) => JSON.stringify(o) + '\n';
const chat = (content: string, extra: Record<string, unknown> = {}) => line({ model: 'm', message: { role: 'assistant', content }, done: false, ...extra });
const DONE = {
  model: 'm',
  message: { role: 'assistant', content: '' },
  done: true,
  done_reason: 'stop',
  total_duration: 900_000_000,
  load_duration: 250_000_000,
  prompt_eval_count: 12,
  prompt_eval_duration: 10_000_000,
  eval_count: 7,
  eval_duration: 500_000_000,
};

async function read(url: string, hooks: { onContent?: (t: number) => void } = {}) {
  const res = await fetch(url + '/api/chat', { method: 'POST', body: '{}' });
  expect(res.ok).toBe(true);
  return readNdjsonResponse(res, { url: url + '/api/chat', ...hooks });
}

async function failure(url: string): Promise<SpecTuneError> {
  const err = await read(url).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SpecTuneError);
  return err as SpecTuneError;
}

describe('readNdjsonResponse', () => {
  it('joins the text, times each piece as it arrives, and takes the counts from the done:true line', async () => {
    const url = await ndjsonServer([chat('Hel'), 60, chat('lo'), 60, chat(', world'), 20, line(DONE)]);
    const seen: number[] = [];
    const r = await read(url, { onContent: (t) => seen.push(t) });
    expect(r.text).toBe('Hello, world');
    expect(r.contentTimesMs).toHaveLength(3);
    // The 60 ms pauses between writes show in the arrival times (real time, not parse time, which is ~0);
    // a loaded machine can fire the server's timer late and deliver two writes closer than 60 ms apart.
    expect(r.contentTimesMs[1] - r.contentTimesMs[0]).toBeGreaterThanOrEqual(30);
    expect(r.contentTimesMs[2] - r.contentTimesMs[1]).toBeGreaterThanOrEqual(30);
    expect(r.endTimeMs).toBeGreaterThanOrEqual(r.contentTimesMs[2]);
    // One call per line that carried text (the done:true line carries none).
    expect(seen).toEqual(r.contentTimesMs);
    expect(r.usage).toEqual({ completionTokens: 7, promptTokens: 12 });
    expect(r.finishReason).toBe('stop');
    expect(r.finalObject).toMatchObject({ done: true, load_duration: 250_000_000, eval_duration: 500_000_000 });
  });

  it('puts back together a line split across writes, CRLF endings and a last line without a newline', async () => {
    const first = chat('alpha');
    const url = await ndjsonServer([first.slice(0, 17), 30, first.slice(17).replace('\n', '\r\n'), 30, chat(' beta'), JSON.stringify({ ...DONE, done_reason: 'length' })]);
    const r = await read(url);
    expect(r.text).toBe('alpha beta');
    expect(r.contentTimesMs).toHaveLength(2);
    expect(r.finishReason).toBe('length');
  });

  it('reads /api/generate lines (response) and counts thinking pieces as generated without putting them in the text', async () => {
    const url = await ndjsonServer([
      line({ model: 'm', response: '', thinking: 'hmm', done: false }),
      line({ model: 'm', response: 'Yes', done: false }),
      line({ model: 'm', message: { role: 'assistant', content: '', thinking: 'still' }, done: false }),
      line({ ...DONE, message: undefined, response: '' }),
    ]);
    const r = await read(url);
    expect(r.text).toBe('Yes');
    expect(r.contentTimesMs).toHaveLength(3);
  });

  it('gives no usage when the done line has no eval_count (Go omits zeros), so the caller counts pieces', async () => {
    const { eval_count: _e, ...noCount } = DONE;
    const url = await ndjsonServer([chat('x'), line(noCount)]);
    const r = await read(url);
    expect(r.usage).toBeNull();
    expect(r.finalObject).not.toBeNull();
  });

  it('stops at the done:true line even when the server holds the connection open', async () => {
    const url = await ndjsonServer([chat('a'), line(DONE)], { end: false });
    const t0 = performance.now();
    const r = await read(url);
    expect(r.text).toBe('a');
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('an {"error"} line mid-stream is HTTP_ERROR carrying the server\'s own words', async () => {
    const url = await ndjsonServer([chat('a'), line({ error: 'llama runner process has terminated: signal: killed' })]);
    const err = await failure(url);
    expect(err.code).toBe('HTTP_ERROR');
    expect(err.message).toContain('llama runner process has terminated: signal: killed');
    expect(err.message).toContain('mid-stream');
  });

  it('a line that is not JSON is BAD_STREAM quoting it', async () => {
    const url = await ndjsonServer([chat('a'), 'data: {"choices":[]}\n', line(DONE)]);
    const err = await failure(url);
    expect(err.code).toBe('BAD_STREAM');
    expect(err.message).toContain('data: {');
  });

  it('a JSON line that is not an object is BAD_STREAM', async () => {
    const err = await failure(await ndjsonServer(['[1,2]\n', line(DONE)]));
    expect(err.code).toBe('BAD_STREAM');
    expect(err.message).toContain('not a JSON object');
  });

  it('a stream that ends without done:true is BAD_STREAM saying so', async () => {
    const err = await failure(await ndjsonServer([chat('a'), chat('b')]));
    expect(err.code).toBe('BAD_STREAM');
    expect(err.message).toContain('without a done:true line');
  });

  it('an empty body is BAD_STREAM', async () => {
    const err = await failure(await ndjsonServer([]));
    expect(err.code).toBe('BAD_STREAM');
    expect(err.message).toContain('no JSON lines');
  });

  it('a count of the wrong type in the done line is BAD_STREAM naming the field', async () => {
    const err = await failure(await ndjsonServer([chat('a'), line({ ...DONE, eval_count: '7' })]));
    expect(err.code).toBe('BAD_STREAM');
    expect(err.message).toContain('eval_count');
  });
});
