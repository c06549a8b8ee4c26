/**
 * The bench client against hostile servers (real HTTP on 127.0.0.1): one that streams
 * past max_tokens for ever, one line that never ends, keep-alive comments instead of
 * tokens, an absurd usage count, a body far larger than the answer asked for, a server
 * that drips tokens far slower than its measured pace. Each request ends, failed, with
 * the limit named (STREAM_LIMIT), or stalls (STREAM_STALLED) — never hangs or grows.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { sendRequest, streamCompletion, type CompletionRequest } from '../src/core/bench-client';
import { SpecTuneError } from '../src/shared/errors';
import { serve } from './engine-lmstudio-ollama-helpers';
import { StepPace } from '../src/core/sweep/step-pace';
import type { Measurement } from '../src/shared/schemas';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

/** A server whose handler writes until the client goes away (every timer it starts is stopped then). */
async function hostile(respond: (res: http.ServerResponse, gone: () => boolean) => void): Promise<string> {
  const server = await serve((req, res) => {
    req.resume();
    req.on('end', () => {
      let closed = false;
      res.on('close', () => (closed = true));
      respond(res, () => closed);
    });
  });
  closers.push(() => server.close());
  return server.url;
}

/** Calls write every `ms` until the client is gone. */
function every(ms: number, gone: () => boolean, write: () => void): void {
  const t = setInterval(() => (gone() ? clearInterval(t) : write()), ms);
}

const chunk = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

function request(baseUrl: string, over: Partial<CompletionRequest> = {}): CompletionRequest {
  return { baseUrl, model: 'm', api: 'chat', system: '', prompt: 'hi', maxTokens: 16, temperature: 0, seed: 1, ignoreEos: false, connectTimeoutMs: 5000, stallTimeoutMs: 5000, ...over };
}

async function failure(p: Promise<unknown>): Promise<{ err: SpecTuneError; ms: number }> {
  const t0 = performance.now();
  // A client without limits never settles here: the race turns that into a failed test, not a hang.
  const hang = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the request never ended')), 20_000));
  try {
    await Promise.race([p, hang]);
  } catch (err) {
    if (!(err instanceof SpecTuneError)) throw err;
    return { err, ms: performance.now() - t0 };
  }
  throw new Error('expected the request to fail');
}

const sse = (res: http.ServerResponse) => res.writeHead(200, { 'content-type': 'text/event-stream' });

describe('a request is bounded by what it asked for', { timeout: 30_000 }, () => {
  it('content past max_tokens for ever → STREAM_LIMIT after max_tokens + margin pieces', async () => {
    let sent = 0;
    const url = await hostile((res, gone) => {
      sse(res);
      every(1, gone, () => {
        sent++;
        res.write(chunk('tok '));
      });
    });
    const { err, ms } = await failure(streamCompletion(request(url)));
    expect(err.code).toBe('STREAM_LIMIT');
    expect(err.message).toMatch(/more than 32 pieces of generated text for max_tokens 16/);
    expect(ms).toBeLessThan(5000);
    expect(sent).toBeLessThan(200);
  });

  it('one line that never ends → STREAM_LIMIT naming the line cap, without spinning', async () => {
    const url = await hostile((res, gone) => {
      sse(res);
      res.write('data: {"choices":[{"delta":{"content":"');
      every(1, gone, () => res.write('x'.repeat(64 * 1024)));
    });
    const cpu0 = process.cpuUsage();
    const { err, ms } = await failure(streamCompletion(request(url, { maxTokens: 1024 })));
    expect(err.code).toBe('STREAM_LIMIT');
    expect(err.message).toMatch(/a line longer than 1048576 characters/);
    expect(ms).toBeLessThan(10_000);
    const cpu = process.cpuUsage(cpu0);
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(5000);
  });

  it('keep-alive comments and empty events do not hold the stall timer off: only generated text does', async () => {
    const url = await hostile((res, gone) => {
      sse(res);
      res.write(chunk('first'));
      every(50, gone, () => res.write(': keepalive\n\n' + 'data: {"choices":[{"index":0,"delta":{"content":""}}]}\n\n'));
    });
    const { err, ms } = await failure(streamCompletion(request(url, { stallTimeoutMs: 500 })));
    expect(err.code).toBe('STREAM_STALLED');
    expect(err.message).toContain('500 ms after 1 chunks');
    expect(ms).toBeLessThan(5000);
  });

  it('usage.completion_tokens far above max_tokens → the request fails with the count, not a speed', async () => {
    const url = await hostile((res) => {
      sse(res);
      res.write(chunk('a') + chunk('b'));
      res.end(`data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 9007199254740991 } })}\n\ndata: [DONE]\n\n`);
    });
    const { err } = await failure(streamCompletion(request(url)));
    expect(err.code).toBe('STREAM_LIMIT');
    expect(err.message).toContain('reported 9007199254740991 completion tokens for max_tokens 16');
  });

  it('usage a little above max_tokens (an engine counting its end token) is still accepted', async () => {
    const url = await hostile((res) => {
      sse(res);
      res.end(`${chunk('a')}data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 17 } })}\n\ndata: [DONE]\n\n`);
    });
    expect((await streamCompletion(request(url))).completionTokens).toBe(17);
  });

  it('bytes far beyond what max_tokens needs (events without text) → STREAM_LIMIT before the stall timeout', async () => {
    const junk = `data: ${JSON.stringify({ choices: [], pad: 'p'.repeat(60_000) })}\n\n`;
    const url = await hostile((res, gone) => {
      sse(res);
      every(1, gone, () => res.write(junk));
    });
    const { err, ms } = await failure(streamCompletion(request(url, { stallTimeoutMs: 15_000 })));
    expect(err.code).toBe('STREAM_LIMIT');
    expect(err.message).toMatch(/sent more than \d+ KB for max_tokens 16/);
    expect(ms).toBeLessThan(10_000);
  });

  it('a server dripping text far slower than the measured pace → STREAM_LIMIT at the deadline, not at max_tokens × stall', async () => {
    const url = await hostile((res, gone) => {
      sse(res);
      res.write(chunk('a'));
      every(150, gone, () => res.write(chunk('b')));
    });
    // Earlier requests ran at 1 ms a token: 16 tokens × 10 is far below the 1 s floor (the stall timeout).
    const shape = { path: '/v1/chat/completions', body: { model: 'm', stream: true, max_tokens: 16 }, dialect: 'openai-sse' as const };
    const { err, ms } = await failure(sendRequest({ baseUrl: url, shape, maxTokens: 16, stepMsHint: 1, connectTimeoutMs: 5000, stallTimeoutMs: 1000 }));
    expect(err.code).toBe('STREAM_LIMIT');
    expect(err.message).toMatch(/still generating 1\.0 s after its first token/);
    expect(ms).toBeLessThan(3000);
  });

  it("NDJSON (Ollama's dialect): lines past num_predict and a line that never ends are bounded too", async () => {
    const line = JSON.stringify({ message: { role: 'assistant', content: 'tok' }, done: false }) + '\n';
    const forever = await hostile((res, gone) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      every(1, gone, () => res.write(line));
    });
    const shape = { path: '/api/chat', body: { model: 'm', stream: true, options: { num_predict: 16 } }, dialect: 'ndjson' as const };
    const many = await failure(sendRequest({ baseUrl: forever, shape, maxTokens: 16, connectTimeoutMs: 5000, stallTimeoutMs: 5000 }));
    expect(many.err.code).toBe('STREAM_LIMIT');
    expect(many.err.message).toMatch(/more than 32 pieces/);

    const endless = await hostile((res, gone) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write('{"message":{"content":"');
      every(1, gone, () => res.write('y'.repeat(64 * 1024)));
    });
    const long = await failure(sendRequest({ baseUrl: endless, shape, maxTokens: 1024, connectTimeoutMs: 5000, stallTimeoutMs: 15_000 }));
    expect(long.err.code).toBe('STREAM_LIMIT');
    expect(long.err.message).toMatch(/a line longer than/);
  });

  it('a non-streamed JSON body (LM Studio v0) larger than the cap → STREAM_LIMIT', async () => {
    const url = await hostile((res, gone) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"choices":[{"message":{"content":"');
      every(1, gone, () => res.write('z'.repeat(64 * 1024)));
    });
    const shape = { path: '/api/v0/chat/completions', body: { model: 'm', max_tokens: 16 }, dialect: 'json' as const };
    const { err } = await failure(sendRequest({ baseUrl: url, shape, maxTokens: 16, connectTimeoutMs: 5000, stallTimeoutMs: 15_000 }));
    expect(err.code).toBe('STREAM_LIMIT');
    expect(err.message).toMatch(/KB for max_tokens 16/);
  });
});

describe("the sweep's measured pace, for the deadline", () => {
  const measured = (decodeTokensPerSecond: number | null, concurrency?: number, ok = true) =>
    ({ ok, concurrency, metrics: ok ? { decodeTokensPerSecond } : undefined }) as unknown as Measurement;

  it('is the median ms per token of successful requests, per load level; nothing before a success', () => {
    const pace = new StepPace();
    expect(pace.hint()).toBeNull();
    pace.observe(measured(null, undefined, false));
    pace.observe(measured(null));
    expect(pace.hint()).toBeNull();
    for (const tps of [100, 50, 200]) pace.observe(measured(tps));
    expect(pace.hint(1)).toBeCloseTo(10, 9);
    // A batch decodes more slowly per request: its own pace, not level 1's.
    pace.observe(measured(20, 8));
    expect(pace.hint(8)).toBeCloseTo(50, 9);
    expect(pace.hint(32)).toBeNull();
  });
});
