/**
 * Status probes against real HTTP servers that answer like each kind of LLM
 * server does (including their quirks: LM Studio answers unknown paths with
 * 200 + an error object, llama.cpp and mlx_lm both have {"status":"ok"} health).
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listModels, probeAll, probeEndpoint } from '../src/core/probes';
import { SpecTuneError } from '../src/shared/errors';
import { EndpointStatusSchema } from '../src/shared/schemas';

type Routes = Record<string, { status?: number; body: unknown } | undefined>;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function listen(server: http.Server): Promise<string> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A server answering `routes`; anything else gets `fallback`. Records every path asked. */
async function fakeServer(routes: Routes, fallback: { status: number; body: unknown }) {
  const asked: string[] = [];
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    asked.push(path);
    const r = routes[path] ?? fallback;
    const status = 'status' in r && r.status !== undefined ? r.status : 200;
    const isText = typeof r.body === 'string';
    res.writeHead(status, { 'content-type': isText ? 'text/plain' : 'application/json' });
    res.end(isText ? (r.body as string) : JSON.stringify(r.body));
  });
  return { url: await listen(server), asked };
}

const list = (...ids: string[]) => ({ object: 'list', data: ids.map((id) => ({ id, object: 'model', owned_by: 'organization_owner' })) });

const vllmRoutes = (version: unknown): Routes => ({
  '/version': { body: version },
  '/health': { body: '' },
  '/v1/models': {
    body: { object: 'list', data: [{ id: 'Qwen/Qwen2.5-7B-Instruct', object: 'model', owned_by: 'vllm', root: 'Qwen/Qwen2.5-7B-Instruct', max_model_len: 32768 }] },
  },
});
const FASTAPI_404 = { status: 404, body: { detail: 'Not Found' } };

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Accepts connections, never answers. */
async function silentServer(): Promise<string> {
  return listen(http.createServer(() => undefined));
}

describe('probeEndpoint identifies the server by its API', () => {
  it('vLLM: /version + models, and only asks the two paths vLLM serves', async () => {
    const fake = await fakeServer(vllmRoutes({ version: '0.11.0' }), FASTAPI_404);
    const s = await probeEndpoint({ name: 'vLLM', url: fake.url });
    expect(EndpointStatusSchema.parse(s)).toBeTruthy();
    expect(s).toMatchObject({
      name: 'vLLM',
      url: fake.url,
      running: true,
      reason: null,
      kind: 'vllm',
      version: '0.11.0',
      models: ['Qwen/Qwen2.5-7B-Instruct'],
      simulated: false,
    });
    expect(s.latencyMs).toBeGreaterThanOrEqual(0);
    expect(fake.asked.sort()).toEqual(['/v1/models', '/version']);
  });

  it('the simulator says so in /version', async () => {
    const fake = await fakeServer(vllmRoutes({ version: '0.15.1', simulated: true }), FASTAPI_404);
    const s = await probeEndpoint({ name: 'sim', url: fake.url + '/' });
    expect(s.kind).toBe('vllm');
    expect(s.simulated).toBe(true);
  });

  it('LM Studio: /api/v0/models, loaded models only, despite 200 answers on unknown paths', async () => {
    const lmsUnknown = { status: 200, body: { error: 'Unexpected endpoint or method. (GET /version)' } };
    const fake = await fakeServer(
      {
        '/api/v0/models': {
          body: {
            object: 'list',
            data: [
              { id: 'qwen2.5-7b-instruct', object: 'model', type: 'llm', state: 'loaded', max_context_length: 32768 },
              { id: 'qwen2.5-0.5b-instruct', object: 'model', type: 'llm', state: 'not-loaded', max_context_length: 32768 },
            ],
          },
        },
        '/v1/models': { body: list('qwen2.5-7b-instruct', 'qwen2.5-0.5b-instruct') },
      },
      lmsUnknown,
    );
    const s = await probeEndpoint({ name: 'LM Studio', url: fake.url });
    expect(s).toMatchObject({ running: true, kind: 'lmstudio', models: ['qwen2.5-7b-instruct'], version: null });
  });

  it('Ollama: /api/version, models from /v1/models', async () => {
    const notFound = { status: 404, body: '404 page not found' };
    const fake = await fakeServer({ '/api/version': { body: { version: '0.5.7' } }, '/v1/models': { body: list('llama3.2:3b') } }, notFound);
    const s = await probeEndpoint({ name: 'Ollama', url: fake.url });
    expect(s).toMatchObject({ running: true, kind: 'ollama', version: '0.5.7', models: ['llama3.2:3b'] });
  });

  it('older Ollama without /v1/models: models from /api/tags', async () => {
    const notFound = { status: 404, body: '404 page not found' };
    const fake = await fakeServer(
      { '/api/version': { body: { version: '0.1.20' } }, '/api/tags': { body: { models: [{ name: 'mistral:7b', size: 1 }] } } },
      notFound,
    );
    const s = await probeEndpoint({ name: 'Ollama', url: fake.url });
    expect(s).toMatchObject({ running: true, kind: 'ollama', version: '0.1.20', models: ['mistral:7b'] });
  });

  it('llama.cpp: /props (its /health also says ok, so it must win over mlx_lm)', async () => {
    const fake = await fakeServer(
      {
        '/props': {
          body: {
            default_generation_settings: { n_ctx: 4096 },
            total_slots: 1,
            model_path: '/models/qwen2.5-7b-q4_k_m.gguf',
            build_info: 'b4600-1a2b3c4',
          },
        },
        '/health': { body: { status: 'ok' } },
      },
      { status: 404, body: { error: { code: 404, message: 'File Not Found', type: 'not_found_error' } } },
    );
    const s = await probeEndpoint({ name: 'llama', url: fake.url });
    expect(s).toMatchObject({ running: true, kind: 'llama.cpp', version: 'b4600 (1a2b3c4)', models: ['qwen2.5-7b-q4_k_m.gguf'] });
  });

  it('mlx_lm: /health {"status":"ok"} + /v1/models', async () => {
    const fake = await fakeServer(
      { '/health': { body: { status: 'ok' } }, '/v1/models': { body: list('mlx-community/Qwen2.5-7B-Instruct-4bit') } },
      { status: 404, body: '' },
    );
    const s = await probeEndpoint({ name: 'MLX', url: fake.url });
    expect(s).toMatchObject({ running: true, kind: 'mlx', models: ['mlx-community/Qwen2.5-7B-Instruct-4bit'] });
  });

  it('anything else with /v1/models: a generic OpenAI-compatible server', async () => {
    const fake = await fakeServer({ '/v1/models': { body: list('gpt-local') } }, FASTAPI_404);
    const s = await probeEndpoint({ name: 'proxy', url: fake.url + '/v1' });
    expect(s).toMatchObject({ running: true, kind: 'openai', models: ['gpt-local'], version: null });
  });

  it('a /version that is not vLLM-shaped does not make it vLLM', async () => {
    const fake = await fakeServer({ '/version': { body: { version: 'v2.20.1' } }, '/v1/models': { body: list('x') } }, FASTAPI_404);
    expect((await probeEndpoint({ name: 'other', url: fake.url })).kind).toBe('openai');
  });
});

describe('probeEndpoint says why a server is not running', () => {
  it("connection refused → 'Connection refused'", async () => {
    const port = await freePort();
    const s = await probeEndpoint({ name: 'MLX server', url: `http://127.0.0.1:${port}` });
    expect(s).toMatchObject({ running: false, reason: 'Connection refused', kind: 'unknown', models: [], latencyMs: null });
  });

  it("no answer in time → 'timeout', within a bounded time", async () => {
    const url = await silentServer();
    const t0 = performance.now();
    const s = await probeEndpoint({ name: 'hung', url }, 300);
    expect(s).toMatchObject({ running: false, reason: 'timeout', kind: 'unknown' });
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it("HTTP errors everywhere → 'HTTP 500'", async () => {
    const fake = await fakeServer({}, { status: 500, body: { error: 'boom' } });
    const s = await probeEndpoint({ name: 'broken', url: fake.url });
    expect(s).toMatchObject({ running: false, reason: 'HTTP 500', kind: 'unknown' });
  });

  it("a web server that is no LLM server → not running", async () => {
    const fake = await fakeServer({}, { status: 404, body: '<html>nope</html>' });
    expect(await probeEndpoint({ name: 'web', url: fake.url })).toMatchObject({ running: false, reason: 'HTTP 404' });
  });

  it("a port fetch refuses → 'bad port', not undici's bare 'fetch failed'", async () => {
    expect(await probeEndpoint({ name: 'x11', url: 'http://127.0.0.1:6000' })).toMatchObject({ running: false, reason: 'bad port' });
  });

  it('an invalid URL does not throw', async () => {
    expect(await probeEndpoint({ name: 'bad', url: 'not a url' })).toMatchObject({ running: false, reason: 'invalid URL' });
  });
});

describe('probeAll', () => {
  it('probes in parallel and keeps the order', async () => {
    const vllm = await fakeServer(vllmRoutes({ version: '0.9.2' }), FASTAPI_404);
    const hung = await Promise.all(Array.from({ length: 6 }, () => silentServer()));
    const refused = await freePort();
    const eps = [
      { name: 'a', url: vllm.url },
      ...hung.map((url, i) => ({ name: `hung${i}`, url })),
      { name: 'z', url: `http://127.0.0.1:${refused}` },
    ];
    const t0 = performance.now();
    const out = await probeAll(eps, 500);
    const elapsed = performance.now() - t0;
    expect(out.map((s) => s.name)).toEqual(eps.map((e) => e.name));
    expect(out[0]).toMatchObject({ running: true, kind: 'vllm', version: '0.9.2' });
    expect(out.slice(1, 7).every((s) => s.reason === 'timeout')).toBe(true);
    expect(out[7].reason).toBe('Connection refused');
    // One after another, six 500 ms timeouts would take ≥ 3 s.
    expect(elapsed).toBeLessThan(2500);
  });
});

describe('listModels', () => {
  it('returns the ids of /v1/models', async () => {
    const fake = await fakeServer({ '/v1/models': { body: list('a', 'b') } }, FASTAPI_404);
    expect(await listModels(fake.url)).toEqual(['a', 'b']);
    expect(await listModels(fake.url + '/v1/')).toEqual(['a', 'b']);
  });

  it('throws HTTP_ERROR on an error status or a body that is not a model list, CONNECT_FAILED when refused', async () => {
    const failing = await fakeServer({}, { status: 401, body: { error: { message: 'bad key' } } });
    await expect(listModels(failing.url)).rejects.toMatchObject({ code: 'HTTP_ERROR', message: expect.stringContaining('HTTP 401') });
    const wrong = await fakeServer({ '/v1/models': { body: { models: [] } } }, FASTAPI_404);
    const err = await listModels(wrong.url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecTuneError);
    expect((err as SpecTuneError).message).toContain('data');
    const port = await freePort();
    await expect(listModels(`http://127.0.0.1:${port}`, 1000)).rejects.toMatchObject({ code: 'CONNECT_FAILED' });
  });
});
