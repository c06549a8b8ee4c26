/**
 * The embedded server speaks llama-server's dialect: start-up (503 "Loading
 * model" then 200), /props, /v1/models, chat and completions streams with
 * usage and timings where llama-server puts them, non-streaming bodies,
 * errors, --version, bad flags and SIGTERM. One real child process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createParser } from 'eventsource-parser';
import { generateGgufPair, type GeneratedPair } from '../src/engines/embedded/gguf/generate-pair';
import { embeddedServerCommand, startEmbeddedServer, type RunningServer } from '../src/engines/embedded/server/spawn';
import { streamCompletionDetailed } from '../src/core/bench-client';
import { freePort } from './helpers/processes';

let dir: string;
let pair: GeneratedPair;
let server: RunningServer;
/** Status codes /health answered from spawn until ready. */
const healthSeen: number[] = [];
let loadingBody: unknown = null;
let port: number;

function run(argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [cmd, ...args] = argv;
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'spectune-embedded-http-'));
  pair = await generateGgufPair({ outDir: dir });
  port = await freePort();
  // Poll /health from the moment the process starts, to see the loading phase.
  let polling = true;
  const poller = (async () => {
    while (polling) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/health`);
        healthSeen.push(res.status);
        if (res.status === 503 && loadingBody === null) loadingBody = await res.json();
        else await res.arrayBuffer();
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  server = await startEmbeddedServer({ model: pair.targetPath, draftModel: pair.draftPath, draftMax: 3, port });
  polling = false;
  await poller;
}, 60_000);

afterAll(async () => {
  await server?.stop(1000);
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function sse(pathname: string, body: Record<string, unknown>): Promise<Record<string, any>[]> {
  const res = await fetch(`${server.baseUrl}${pathname}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const events: Record<string, any>[] = [];
  let done = false;
  const parser = createParser({
    onEvent: (ev) => {
      if (ev.data === '[DONE]') done = true;
      else events.push(JSON.parse(ev.data));
    },
  });
  parser.feed(await res.text());
  expect(done, 'the stream ends with data: [DONE]').toBe(true);
  return events;
}

describe('embedded server, llama-server dialect', () => {
  it('answers /health 503 "Loading model" while loading, then 200 {"status":"ok"}', async () => {
    expect(healthSeen).toContain(503);
    expect(loadingBody).toEqual({ error: { code: 503, message: 'Loading model', type: 'unavailable_error' } });
    const res = await fetch(`${server.baseUrl}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('describes itself in /props and /v1/models', async () => {
    const props = (await (await fetch(`${server.baseUrl}/props`)).json()) as Record<string, any>;
    expect(props.build_info).toMatch(/^embedded node-llama-cpp 3\.21\.1$/);
    expect(props.total_slots).toBe(1);
    expect(props.model_path).toBe(pair.targetPath);
    expect(props.default_generation_settings.params.speculative.n_max).toBe(3);
    expect(props.default_generation_settings.params['speculative.n_max']).toBe(3);
    const models = (await (await fetch(`${server.baseUrl}/v1/models`)).json()) as Record<string, any>;
    expect(models.object).toBe('list');
    expect(models.data[0].id).toBe(pair.targetPath);
  });

  it('streams chat one token per event, then a finish chunk, then usage with timings (include_usage)', async () => {
    const events = await sse('/v1/chat/completions', {
      messages: [{ role: 'user', content: 'Tell me about the water.' }],
      max_tokens: 20,
      temperature: 0,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(events[0].choices[0].delta).toEqual({ role: 'assistant', content: null });
    const content = events.filter((e) => typeof e.choices?.[0]?.delta?.content === 'string');
    const usageChunk = events[events.length - 1];
    const finish = events[events.length - 2];
    expect(finish.choices[0].finish_reason).toBe('length');
    expect(finish.timings).toBeUndefined();
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage.completion_tokens).toBe(20);
    // A byte token that is half a character waits for the rest, so events ≤ tokens.
    expect(content.length).toBeGreaterThan(10);
    expect(content.length).toBeLessThanOrEqual(20);
    const t = usageChunk.timings;
    expect(t.predicted_n).toBe(20);
    expect(t.prompt_n).toBe(usageChunk.usage.prompt_tokens - t.cache_n);
    expect(t.predicted_per_second).toBeCloseTo((t.predicted_n * 1000) / t.predicted_ms, 6);
    expect(t.draft_n).toBeGreaterThan(0);
    expect(t.draft_n_accepted).toBeLessThanOrEqual(t.draft_n);
    expect(t.draft_n_accepted_per_pos).toHaveLength(3);
    expect(t.draft_n_accepted_per_pos.reduce((a: number, b: number) => a + b, 0)).toBe(t.draft_n_accepted);
    expect(t.draft_n_per_pos.reduce((a: number, b: number) => a + b, 0)).toBe(t.draft_n);
  });

  it('puts timings on the finish chunk when usage was not asked for (as llama-server)', async () => {
    const events = await sse('/v1/chat/completions', { messages: [{ role: 'user', content: 'Hi' }], max_tokens: 5, temperature: 0, stream: true });
    const last = events[events.length - 1];
    expect(last.usage).toBeUndefined();
    expect(last.choices[0].finish_reason).not.toBeNull();
    expect(last.timings.predicted_n).toBeGreaterThan(0);
  });

  it('gives the same text streamed and not streamed, on both endpoints', async () => {
    const body = { prompt: 'The fast model', max_tokens: 24, temperature: 0, ignore_eos: true };
    const whole = (await (await fetch(`${server.baseUrl}/v1/completions`, { method: 'POST', body: JSON.stringify(body) })).json()) as Record<string, any>;
    expect(whole.object).toBe('text_completion');
    expect(whole.usage.completion_tokens).toBe(24);
    expect(whole.timings.predicted_n).toBe(24);
    const streamed = await streamCompletionDetailed({
      baseUrl: server.baseUrl,
      model: 'm',
      api: 'completions',
      system: '',
      prompt: 'The fast model',
      maxTokens: 24,
      temperature: 0,
      seed: 1,
      ignoreEos: true,
      connectTimeoutMs: 5000,
      stallTimeoutMs: 10_000,
    });
    expect(streamed.text).toBe(whole.choices[0].text);
    expect(streamed.metrics.completionTokens).toBe(24);
    expect((streamed.usageChunk as any).timings.draft_n).toBeGreaterThan(0);
    const chat = (await (
      await fetch(`${server.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }], max_tokens: 8, temperature: 0 }),
      })
    ).json()) as Record<string, any>;
    expect(chat.object).toBe('chat.completion');
    expect(chat.choices[0].message.role).toBe('assistant');
    expect(typeof chat.choices[0].message.content).toBe('string');
  });

  it('samples reproducibly with a seed above temperature 0', async () => {
    const body = { prompt: 'Write a poem', max_tokens: 24, temperature: 1, seed: 42, ignore_eos: true };
    const texts: string[] = [];
    for (const seed of [42, 42, 43]) {
      const r = (await (await fetch(`${server.baseUrl}/v1/completions`, { method: 'POST', body: JSON.stringify({ ...body, seed }) })).json()) as any;
      texts.push(r.choices[0].text);
    }
    expect(texts[0]).toBe(texts[1]);
    expect(texts[2]).not.toBe(texts[0]);
  });

  it('rejects bad requests with 400 naming the field, and unknown paths with 404', async () => {
    const bad = await fetch(`${server.baseUrl}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: 'hi', max_tokens: 5 }) });
    expect(bad.status).toBe(400);
    const err = (await bad.json()) as any;
    expect(err.error.type).toBe('invalid_request_error');
    expect(err.error.message).toMatch(/messages/);
    const badTemp = await fetch(`${server.baseUrl}/v1/completions`, { method: 'POST', body: JSON.stringify({ prompt: 'x', temperature: -1 }) });
    expect(((await badTemp.json()) as any).error.message).toMatch(/temperature/);
    const tooLong = await fetch(`${server.baseUrl}/v1/completions`, { method: 'POST', body: JSON.stringify({ prompt: 'word '.repeat(2000), max_tokens: 2 }) });
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as any).error.type).toBe('exceed_context_size_error');
    expect((await fetch(`${server.baseUrl}/nope`)).status).toBe(404);
  });

  it('completes every one of several concurrent requests (they wait for the single slot)', async () => {
    const body = (p: string) => JSON.stringify({ prompt: p, max_tokens: 16, temperature: 0, ignore_eos: true });
    const results = await Promise.all(
      ['one', 'two', 'three'].map(async (p) => (await (await fetch(`${server.baseUrl}/v1/completions`, { method: 'POST', body: body(p) })).json()) as any),
    );
    for (const r of results) expect(r.usage.completion_tokens).toBe(16);
  });

  it('prints its version like llama-server and refuses unknown flags', async () => {
    const [node, ...rest] = embeddedServerCommand({ model: pair.targetPath, port: 1 });
    const script = rest.slice(0, 2);
    const v = await run([node, ...script, '--version']);
    expect(v.code).toBe(0);
    expect(v.stderr).toMatch(/^version: 1 \(embedded\)$/m);
    const bad = await run([node, ...script, '--model', pair.targetPath, '--bogus', '1']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('invalid argument: --bogus');
  });

  it('writes the same files for the same seed, other files for another seed', async () => {
    const again = await generateGgufPair({ outDir: path.join(dir, 'again') });
    // Buffer.equals: a deep toEqual over 700 kB of bytes takes seconds.
    expect((await readFile(again.targetPath)).equals(await readFile(pair.targetPath))).toBe(true);
    expect((await readFile(again.draftPath)).equals(await readFile(pair.draftPath))).toBe(true);
    const other = await generateGgufPair({ outDir: path.join(dir, 'other'), seed: 2 });
    expect((await readFile(other.targetPath)).equals(await readFile(pair.targetPath))).toBe(false);
  });

  it('exits 0 on SIGTERM', async () => {
    expect(await server.stop()).toEqual({ code: 0, signal: null });
  });
});
