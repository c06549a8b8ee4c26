/**
 * The bench client against real HTTP servers (node:http on 127.0.0.1, port 0)
 * that write crafted SSE bytes: the shapes vLLM and others really send, and
 * the broken ones a measuring client must survive with a clear error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { streamCompletion, streamCompletionDetailed, type CompletionRequest } from '../src/core/bench-client';
import { readSpecDecodeSnapshot } from '../src/node/metrics-client';
import { probeEndpoint } from '../src/core/probes';
import { acceptanceBetween } from '../src/shared/spec-decode-metrics';
import { SpecTuneError } from '../src/shared/errors';
import { RequestMetricsSchema } from '../src/shared/schemas';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

interface Fake {
  url: string;
  port: number;
  requests: { url: string; headers: http.IncomingHttpHeaders; body: any }[];
}

async function fakeServer(
  respond: (req: http.IncomingMessage, res: http.ServerResponse, body: any) => void | Promise<void>,
): Promise<Fake> {
  const sockets = new Set<net.Socket>();
  const requests: Fake['requests'] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : undefined;
      requests.push({ url: req.url ?? '', headers: req.headers, body });
      void respond(req, res, body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  closers.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${port}`, port, requests };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function chatChunk(content: string, finish: string | null = null): string {
  return JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1732800000,
    model: 'm',
    choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: finish }],
  });
}

function usageChunk(prompt: number, completion: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1732800000,
    model: 'm',
    choices: [],
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, ...extra },
  });
}

function sse(events: string[], eol = '\n'): string {
  return events.map((e) => `data: ${e}${eol}${eol}`).join('');
}

function startSse(res: http.ServerResponse) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
}

function request(baseUrl: string, over: Partial<CompletionRequest> = {}): CompletionRequest {
  return {
    baseUrl,
    model: 'm',
    api: 'chat',
    system: 'You are terse.',
    prompt: 'Say hello.',
    maxTokens: 32,
    temperature: 0,
    seed: 1234,
    ignoreEos: false,
    connectTimeoutMs: 5000,
    stallTimeoutMs: 5000,
    ...over,
  };
}

async function rejection(p: Promise<unknown>): Promise<SpecTuneError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SpecTuneError);
    return err as SpecTuneError;
  }
  throw new Error('expected the request to fail');
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

// Several tokens per chunk, as vLLM sends when drafts are accepted.
const PIECES = ['Hello', ' there, how are', ' you', ' doing today', '?'];
const TEXT = PIECES.join('');

describe('streamCompletion: well-formed streams', () => {
  it('takes tokens from usage, not from chunks, and computes every deterministic number exactly', async () => {
    const fake = await fakeServer((_req, res) => {
      startSse(res);
      res.write(
        sse([
          JSON.stringify({ id: 'c', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }),
          ...PIECES.slice(0, -1).map((p) => chatChunk(p)),
          chatChunk(PIECES[PIECES.length - 1], 'stop'),
          usageChunk(21, 11),
          '[DONE]',
        ]),
      );
      res.end();
    });
    const r = await streamCompletion(request(fake.url, { ignoreEos: true }));
    expect(RequestMetricsSchema.parse(r)).toBeTruthy();
    expect(r.text).toBe(TEXT);
    expect(r.completionTokens).toBe(11);
    expect(r.promptTokens).toBe(21);
    expect(r.tokensEstimated).toBe(false);
    // The role-only chunk has no content: 5 content chunks.
    expect(r.chunkCount).toBe(5);
    expect(r.interChunk.count).toBe(4);
    expect(r.finishReason).toBe('stop');
    expect(r.outputHash).toBe(sha256(TEXT));
    expect(r.outputChars).toBe(TEXT.length);
    expect(r.tokensPerSecond).toBeCloseTo(11 / r.totalSeconds, 9);
    expect(r.ttftSeconds).toBeGreaterThan(0);
    expect(r.ttftSeconds).toBeLessThanOrEqual(r.totalSeconds);

    const sent = fake.requests[0];
    expect(sent.url).toBe('/v1/chat/completions');
    expect(sent.body).toEqual({
      model: 'm',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Say hello.' },
      ],
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 32,
      temperature: 0,
      seed: 1234,
      ignore_eos: true,
    });
  });

  it('sends no system message when the system prompt is empty, and no ignore_eos unless asked', async () => {
    const fake = await fakeServer((_req, res) => {
      startSse(res);
      res.end(sse([chatChunk('ok', 'stop'), usageChunk(3, 1), '[DONE]']));
    });
    await streamCompletion(request(fake.url, { system: '', apiKey: 'sk-test' }));
    const body = fake.requests[0].body;
    expect(body.messages).toEqual([{ role: 'user', content: 'Say hello.' }]);
    expect('ignore_eos' in body).toBe(false);
    expect(fake.requests[0].headers.authorization).toBe('Bearer sk-test');
  });

  it('parses CRLF line endings, comment lines and many events in one write', async () => {
    const fake = await fakeServer((_req, res) => {
      startSse(res);
      const crlf = ': ping\r\n\r\n' + sse([...PIECES.map((p) => chatChunk(p)), usageChunk(5, 9)], '\r\n') + ': keep-alive\r\n\r\n';
      res.end(crlf + 'data: [DONE]\r\n\r\n');
    });
    const r = await streamCompletion(request(fake.url));
    expect(r.text).toBe(TEXT);
    expect(r.chunkCount).toBe(PIECES.length);
    expect(r.completionTokens).toBe(9);
    expect(r.outputHash).toBe(sha256(TEXT));
  });

  it('reassembles events split across TCP writes mid-line and inside a CRLF pair', async () => {
    const payload =
      ': ping\r\n\r\n' + sse([...PIECES.map((p) => chatChunk(p)), usageChunk(5, 12), '[DONE]'], '\r\n');
    const fake = await fakeServer(async (_req, res) => {
      startSse(res);
      // Cut points chosen to land inside "data:", inside JSON, and between \r and \n.
      let i = 0;
      const cuts: number[] = [];
      for (let at = payload.indexOf('\r'); at !== -1; at = payload.indexOf('\r', at + 1)) cuts.push(at + 1);
      for (let at = 3; at < payload.length; at += 37) cuts.push(at);
      cuts.sort((a, b) => a - b);
      for (const cut of cuts) {
        if (cut <= i) continue;
        res.write(payload.slice(i, cut));
        i = cut;
        await sleep(2);
      }
      res.end(payload.slice(i));
    });
    const r = await streamCompletion(request(fake.url));
    expect(r.text).toBe(TEXT);
    expect(r.chunkCount).toBe(PIECES.length);
    expect(r.completionTokens).toBe(12);
    expect(r.tokensEstimated).toBe(false);
    expect(r.interChunk.count).toBe(PIECES.length - 1);
    expect(r.interChunk.maxSeconds).not.toBeNull();
    expect(r.interChunk.maxSeconds!).toBeGreaterThan(0);
  });

  it('keeps non-ASCII text intact when a multi-byte character is split between writes', async () => {
    const text = 'naïve café — 日本語';
    const payload = Buffer.from(sse([chatChunk(text), usageChunk(1, 6), '[DONE]']));
    const cut = payload.indexOf(Buffer.from('日')) + 1;
    const fake = await fakeServer(async (_req, res) => {
      startSse(res);
      res.write(payload.subarray(0, cut));
      await sleep(20);
      res.end(payload.subarray(cut));
    });
    const r = await streamCompletion(request(fake.url));
    expect(r.text).toBe(text);
    expect(r.outputHash).toBe(sha256(text));
  });

  it('counts content chunks and marks the count estimated when the server sends no usage', async () => {
    const fake = await fakeServer((_req, res) => {
      startSse(res);
      res.end(sse([...PIECES.map((p) => chatChunk(p)), '[DONE]']));
    });
    const r = await streamCompletion(request(fake.url));
    expect(r.tokensEstimated).toBe(true);
    expect(r.completionTokens).toBe(PIECES.length);
    expect(r.promptTokens).toBeNull();
  });

  it('accepts a stream that ends without [DONE]', async () => {
    const fake = await fakeServer((_req, res) => {
      startSse(res);
      res.end(sse([chatChunk('a'), chatChunk('b'), usageChunk(1, 2)]));
    });
    const r = await streamCompletion(request(fake.url));
    expect(r.text).toBe('ab');
    expect(r.completionTokens).toBe(2);
  });

  it('finishes at [DONE] even when the server keeps the connection open afterwards', async () => {
    const fake = await fakeServer((_req, res) => {
      startSse(res);
      res.write(sse([chatChunk('a'), chatChunk('b'), usageChunk(1, 2), '[DONE]']));
      // ...and never ends the response.
    });
    const t0 = performance.now();
    const r = await streamCompletion(request(fake.url, { stallTimeoutMs: 20_000 }));
    expect(r.text).toBe('ab');
    expect(r.completionTokens).toBe(2);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('uses /v1/completions with system + blank line + prompt, reading `text`', async () => {
    const fake = await fakeServer((_req, res) => {
      startSse(res);
      const ev = (text: string, finish: string | null = null) =>
        JSON.stringify({ id: 'cmpl-1', object: 'text_completion', choices: [{ index: 0, text, finish_reason: finish }] });
      res.end(sse([ev('def add'), ev('(a, b):', 'length'), usageChunk(9, 4), '[DONE]']));
    });
    const r = await streamCompletion(request(fake.url, { api: 'completions', baseUrl: fake.url + '/v1' }));
    expect(fake.requests[0].url).toBe('/v1/completions');
    expect(fake.requests[0].body.prompt).toBe('You are terse.\n\nSay hello.');
    expect(fake.requests[0].body.messages).toBeUndefined();
    expect(r.text).toBe('def add(a, b):');
    expect(r.finishReason).toBe('length');
    expect(r.completionTokens).toBe(4);
  });

  it('times TTFT, decode rate and inter-chunk gaps from chunk arrival', async () => {
    const fake = await fakeServer(async (_req, res) => {
      startSse(res);
      await sleep(300);
      for (let i = 0; i < 5; i++) {
        if (i > 0) await sleep(100);
        res.write(sse([chatChunk(`w${i} `)]));
      }
      res.end(sse([usageChunk(4, 9).replace(/}$/, ',"sim_timing":{"steps":5}}'), '[DONE]']));
    });
    const d = await streamCompletionDetailed(request(fake.url));
    const m = d.metrics;
    // Lower bounds are hard (the server sleeps); upper bounds are generous for a busy machine.
    expect(m.ttftSeconds).toBeGreaterThanOrEqual(0.28);
    expect(m.ttftSeconds).toBeLessThan(3);
    expect(m.interChunk.count).toBe(4);
    expect(m.interChunk.medianSeconds!).toBeGreaterThanOrEqual(0.08);
    expect(m.interChunk.maxSeconds!).toBeGreaterThanOrEqual(m.interChunk.p95Seconds!);
    expect(m.interChunk.p95Seconds!).toBeGreaterThanOrEqual(m.interChunk.medianSeconds!);
    // 8 tokens after the first over ≥ 0.4 s of decode.
    expect(m.decodeTokensPerSecond!).toBeLessThanOrEqual(8 / 0.38);
    expect(m.decodeTokensPerSecond!).toBeGreaterThan(1);
    expect(m.totalSeconds).toBeGreaterThanOrEqual(0.68);
    expect(d.usage).toMatchObject({ completion_tokens: 9, total_tokens: 13 });
    expect(d.usageChunk).toMatchObject({ choices: [], sim_timing: { steps: 5 } });
  });
});

describe('streamCompletion: failures carry a code and what to do', () => {
  it('malformed JSON in an event → BAD_STREAM quoting it', async () => {
    const fake = await fakeServer((_req, res) => {
      startSse(res);
      res.end(sse([chatChunk('a'), '{"choices": [{"delta": {"content": "b"'], '\n') + 'data: [DONE]\n\n');
    });
    const err = await rejection(streamCompletion(request(fake.url)));
    expect(err.code).toBe('BAD_STREAM');
    expect(err.message).toContain('not valid JSON');
    expect(err.message).toContain('"{\\"choices\\"');
  });

  it('a body with no data events → BAD_STREAM', async () => {
    const fake = await fakeServer((_req, res) => {
      startSse(res);
      res.end(': ping\n\n: ping\n\n');
    });
    const err = await rejection(streamCompletion(request(fake.url)));
    expect(err.code).toBe('BAD_STREAM');
    expect(err.message).toContain('no data events');
  });

  it('a non-streamed JSON answer → BAD_STREAM naming the content type', async () => {
    const fake = await fakeServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ message: { content: 'hi' } }] }));
    });
    const err = await rejection(streamCompletion(request(fake.url)));
    expect(err.code).toBe('BAD_STREAM');
    expect(err.message).toContain('application/json');
  });

  it('an invalid usage object → BAD_STREAM naming the field', async () => {
    const fake = await fakeServer((_req, res) => {
      startSse(res);
      res.end(sse([chatChunk('a'), JSON.stringify({ choices: [], usage: { completion_tokens: 'many' } }), '[DONE]']));
    });
    const err = await rejection(streamCompletion(request(fake.url)));
    expect(err.code).toBe('BAD_STREAM');
    expect(err.message).toContain('usage.completion_tokens');
  });

  it('an error event mid-stream → HTTP_ERROR with the server message', async () => {
    const fake = await fakeServer((_req, res) => {
      startSse(res);
      res.end(
        sse([chatChunk('a'), JSON.stringify({ error: { object: 'error', message: 'engine died', type: 'InternalServerError', code: 500 } })]),
      );
    });
    const err = await rejection(streamCompletion(request(fake.url)));
    expect(err.code).toBe('HTTP_ERROR');
    expect(err.message).toContain('engine died');
  });

  it('a stream that stops sending → STREAM_STALLED after stallTimeoutMs', async () => {
    const fake = await fakeServer((_req, res) => {
      startSse(res);
      res.write(sse([chatChunk('a'), chatChunk('b')]));
      // ...and nothing more; the connection stays open.
    });
    const t0 = performance.now();
    const err = await rejection(streamCompletion(request(fake.url, { stallTimeoutMs: 300 })));
    expect(err.code).toBe('STREAM_STALLED');
    expect(err.message).toContain('300 ms after 2 chunks');
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it('HTTP 500 → HTTP_ERROR with the status and the OpenAI-style message', async () => {
    const fake = await fakeServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'CUDA out of memory', type: 'InternalServerError', code: 500 } }));
    });
    const err = await rejection(streamCompletion(request(fake.url)));
    expect(err.code).toBe('HTTP_ERROR');
    expect(err.message).toContain('HTTP 500');
    expect(err.message).toContain('CUDA out of memory');
    expect(err.hint).toContain('log');
  });

  it("HTTP 404 with vLLM's error shape → HTTP_ERROR with its message", async () => {
    const fake = await fakeServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'error', message: 'The model `nope` does not exist.', type: 'NotFoundError', code: 404 }));
    });
    const err = await rejection(streamCompletion(request(fake.url, { model: 'nope' })));
    expect(err.code).toBe('HTTP_ERROR');
    expect(err.message).toContain('HTTP 404');
    expect(err.message).toContain('The model `nope` does not exist.');
  });

  it('HTTP 401 → HTTP_ERROR whose hint names the key SpecTune sends', async () => {
    const fake = await fakeServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'Unauthorized' }));
    });
    const err = await rejection(streamCompletion(request(fake.url)));
    expect(err.code).toBe('HTTP_ERROR');
    expect(err.message).toContain('HTTP 401');
    expect(err.hint).toMatch(/VLLM_API_KEY/);
  });

  it('connection refused → CONNECT_FAILED naming the URL', async () => {
    const port = await freePort();
    const err = await rejection(streamCompletion(request(`http://127.0.0.1:${port}`)));
    expect(err.code).toBe('CONNECT_FAILED');
    expect(err.message).toContain(`http://127.0.0.1:${port}/v1/chat/completions`);
    expect(err.message).toContain('refused');
  });

  it('no response headers in time → CONNECT_TIMEOUT', async () => {
    const fake = await fakeServer(() => {
      /* never answers */
    });
    const err = await rejection(streamCompletion(request(fake.url, { connectTimeoutMs: 300 })));
    expect(err.code).toBe('CONNECT_TIMEOUT');
    expect(err.message).toContain('300 ms');
  });

  it('the server closing the connection mid-stream → BAD_STREAM', async () => {
    const fake = await fakeServer(async (_req, res) => {
      startSse(res);
      res.write(sse([chatChunk('a'), chatChunk('b')]));
      await sleep(50);
      res.socket?.destroy();
    });
    const err = await rejection(streamCompletion(request(fake.url)));
    expect(err.code).toBe('BAD_STREAM');
    expect(err.message).toContain('closed the stream early after 2 chunks');
  });

  it('an abort mid-stream → CANCELLED, promptly', async () => {
    let sentFirst!: () => void;
    const first = new Promise<void>((r) => (sentFirst = r));
    const fake = await fakeServer(async (_req, res) => {
      startSse(res);
      res.write(sse([chatChunk('a')]));
      sentFirst();
      // keeps streaming slowly
      for (let i = 0; i < 100 && !res.destroyed; i++) {
        await sleep(50);
        res.write(sse([chatChunk('x')]));
      }
      res.end();
    });
    const ac = new AbortController();
    const p = streamCompletion(request(fake.url, { signal: ac.signal }));
    await first;
    await sleep(100);
    ac.abort();
    const t0 = performance.now();
    const err = await rejection(p);
    expect(err.code).toBe('CANCELLED');
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('an already-aborted signal → CANCELLED without sending anything', async () => {
    const fake = await fakeServer((_req, res) => {
      res.end();
    });
    const err = await rejection(streamCompletion(request(fake.url, { signal: AbortSignal.abort() })));
    expect(err.code).toBe('CANCELLED');
    expect(fake.requests).toHaveLength(0);
  });

  it('invalid request settings → INVALID_INPUT naming the field', async () => {
    const err = await rejection(streamCompletion(request('http://127.0.0.1:9', { maxTokens: 0 })));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toContain('request.maxTokens');
  });
});

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('against the simulator as a real process (k = 5)', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  let sim: ChildProcess;
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const spec = JSON.stringify({ method: 'draft_model', model: 'draft', num_speculative_tokens: 5 });
    sim = spawn(
      process.execPath,
      ['bin/run-ts.js', 'src/simulator/main.ts', 'serve', 'sim-model', '--port', String(port), '--speculative-config', spec, '--sim-startup-ms', '50', '--disable-log-requests'],
      // Own process group: the simulator runs an EngineCore child, one signal must end both.
      { cwd: root, detached: true, stdio: 'ignore' },
    );
    const deadline = Date.now() + 25_000;
    for (;;) {
      const ok = await fetch(url + '/health').then((r) => r.status === 200, () => false);
      if (ok) break;
      if (Date.now() > deadline || sim.exitCode !== null) throw new Error('simulator did not become ready');
      await sleep(100);
    }
  });

  afterAll(async () => {
    if (!sim?.pid) return;
    const exited = new Promise<void>((r) => (sim.exitCode !== null ? r() : sim.once('exit', () => r())));
    try {
      process.kill(-sim.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    const force = setTimeout(() => {
      try {
        process.kill(-sim.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, 3000);
    await exited;
    clearTimeout(force);
    try {
      process.kill(-sim.pid, 'SIGKILL');
    } catch {
      /* the whole group is gone */
    }
  });

  it('counts tokens from usage although chunks carry several tokens, and reads acceptance from /metrics', async () => {
    const status = await probeEndpoint({ name: 'sim', url });
    expect(status).toMatchObject({ running: true, kind: 'vllm', simulated: true, models: ['sim-model'] });

    const before = await readSpecDecodeSnapshot(url);
    const r = await streamCompletion(
      request(url, { model: 'sim-model', prompt: 'Write a TypeScript function that merges intervals.', maxTokens: 96, ignoreEos: true }),
    );
    const after = await readSpecDecodeSnapshot(url);
    expect(r.completionTokens).toBe(96);
    expect(r.tokensEstimated).toBe(false);
    // Accepted drafts arrive together: fewer chunks than tokens.
    expect(r.chunkCount).toBeLessThan(96);
    expect(r.outputHash).toBe(sha256(r.text));
    expect(r.tokensPerSecond).toBeCloseTo(96 / r.totalSeconds, 9);

    const acc = acceptanceBetween(before, after);
    expect(acc.source).toBe('v1-counters');
    expect(acc.drafts!).toBeGreaterThan(0);
    expect(acc.acceptanceRate!).toBeGreaterThan(0);
    expect(acc.acceptanceRate!).toBeLessThanOrEqual(1);
    expect(acc.meanAcceptanceLength!).toBeGreaterThan(1);
    expect(acc.meanAcceptanceLength!).toBeLessThanOrEqual(6);
    expect(acc.perPositionAcceptance).toHaveLength(5);
  });
});
