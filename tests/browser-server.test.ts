/**
 * Browser mode over real HTTP: the protocol's refusals (token, Host, Origin),
 * request round-trips through the real app services, events on the SSE stream
 * from a real simulator process, and `spectune ui` itself as a child process.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createParser } from 'eventsource-parser';
import { createAppServices, type AppServices } from '../src/core/app-services';
import { createEventHub, startBrowserServer, CONTENT_SECURITY_POLICY, type BrowserServer } from '../src/http';
import { ServerStateSchema, type ServerState } from '../src/shared/schemas';
import { freePort, processAlive } from './helpers/processes';
import { ensureBuilt } from './fixtures/electron-stub/ensure-built';

const ROOT = resolve(import.meta.dirname, '..');
const SIM = [process.execPath, join(ROOT, 'bin/run-ts.js'), join(ROOT, 'src/simulator/main.ts')];

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: () => any;
}

function http(port: number, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolveReply, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { Host: `127.0.0.1:${port}`, ...opts.headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolveReply({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) }));
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

let dataDir: string;
let staticDir: string;
let services: AppServices;
let server: BrowserServer;

const call = (channel: string, args: unknown, headers: Record<string, string> = {}) =>
  http(server.port, `/api/${channel}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-SpecTune-Token': server.token, ...headers },
    body: JSON.stringify(args),
  });

interface Collected {
  events: { event: string; data: any }[];
  waitFor(pred: (e: { event: string; data: any }) => boolean, ms: number, what: string): Promise<{ event: string; data: any }>;
  comments: string[];
  close(): Promise<void>;
}

/** Reads the SSE stream into memory, parsed with the same library the client side uses. */
async function collectEvents(target: BrowserServer = server): Promise<Collected> {
  const events: { event: string; data: any }[] = [];
  const comments: string[] = [];
  const ac = new AbortController();
  const res = await fetch(`http://127.0.0.1:${target.port}/api/events?token=${target.token}`, { signal: ac.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
  const parser = createParser({
    onEvent: (ev) => events.push({ event: ev.event ?? 'message', data: JSON.parse(ev.data) }),
    onComment: (c) => comments.push(c.trim()),
  });
  const reading = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
    } catch {
      /* aborted */
    }
  })();
  return {
    events,
    comments,
    async waitFor(pred, ms, what) {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        const found = events.find(pred);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`timed out waiting for ${what}; got ${events.map((e) => e.event).join(', ')}`);
    },
    async close() {
      ac.abort();
      await reading;
    },
  };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'spectune-ui-'));
  staticDir = join(dataDir, 'static');
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>SpecTune</title><script type="module" src="/assets/app.js"></script>');
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dataDir, 'secret.txt'), 'not for the web');
  const hub = createEventHub();
  services = createAppServices({ dataDir, mode: 'browser', emit: hub.emit, simulator: { command: SIM, env: {} }, engineCommands: { vllm: ['spectune-no-such-vllm'] } });
  server = await startBrowserServer({ handle: (c, a) => services.handle(c, a), hub, staticDir, port: 0 });
});

afterAll(async () => {
  await server?.close();
  await services?.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('browser server: refusals', () => {
  it('binds to 127.0.0.1 with a 64-hex-char token in the URL', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.token).toMatch(/^[0-9a-f]{64}$/);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
  });

  it('refuses a non-loopback host', async () => {
    await expect(startBrowserServer({ handle: async () => null, hub: createEventHub(), staticDir, host: '0.0.0.0' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/host: 0\.0\.0\.0 is not a loopback address/),
    });
  });

  it('401 without the token or with a wrong one, on requests and on the event stream', async () => {
    const none = await http(server.port, '/api/server:state', { method: 'POST', body: '{}' });
    expect(none.status).toBe(401);
    expect(none.json()).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED', message: 'missing access token' } });
    const wrong = await call('server:state', {}, { 'X-SpecTune-Token': 'f'.repeat(64) });
    expect(wrong.status).toBe(401);
    expect(wrong.json().error.message).toBe('wrong access token');
    const short = await call('server:state', {}, { 'X-SpecTune-Token': 'abc' });
    expect(short.status).toBe(401);
    expect((await http(server.port, '/api/events?token=nope')).status).toBe(401);
    // Only the event stream takes the token in its URL (EventSource cannot set headers).
    const inUrl = await http(server.port, `/api/server:state?token=${server.token}`, { method: 'POST', body: '{}' });
    expect(inUrl.status).toBe(401);
  });

  it('403 for a foreign Host (DNS rebinding) or a foreign Origin, even with the right token', async () => {
    const rebound = await call('server:state', {}, { Host: `evil.example:${server.port}` });
    expect(rebound.status).toBe(403);
    expect(rebound.json().error.code).toBe('FORBIDDEN');
    expect((await http(server.port, '/', { headers: { Host: 'evil.example' } })).status).toBe(403);
    expect((await call('server:state', {}, { Host: `127.0.0.1:${server.port + 1}` })).status).toBe(403);
    const foreign = await call('server:state', {}, { Origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect((await call('server:state', {}, { Origin: `http://localhost:${server.port + 1}` })).status).toBe(403);
    // The allowed spellings of this server.
    expect((await call('server:state', {}, { Host: `localhost:${server.port}`, Origin: `http://localhost:${server.port}` })).status).toBe(200);
    expect((await call('server:state', {}, { Origin: `http://127.0.0.1:${server.port}` })).status).toBe(200);
  });

  it('400 INVALID_INPUT naming the field; 404 for an unknown channel; 400 for a body that is not JSON', async () => {
    const bad = await call('server:start', { command: SIM, model: '', port: 70000 });
    expect(bad.status).toBe(400);
    const err = bad.json().error;
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toMatch(/model: give the model to serve/);
    expect(err.message).toMatch(/port: must be a whole number from 1 to 65535/);
    const strict = await call('server:state', { surprise: 1 });
    expect(strict.status).toBe(400);
    expect((await call('presets:rename', { id: 'x' })).json().error.message).toMatch(/^name: /);
    const unknown = await call('server:explode', {});
    expect(unknown.status).toBe(404);
    expect(unknown.json().error.code).toBe('NOT_FOUND');
    const notJson = await http(server.port, '/api/server:state', { method: 'POST', headers: { 'X-SpecTune-Token': server.token }, body: '{nope' });
    expect(notJson.status).toBe(400);
    expect(notJson.json().error.message).toMatch(/body: not valid JSON/);
  });

  it('serves the built UI without a token, with the CSP and nosniff, and nothing outside it', async () => {
    const index = await http(server.port, '/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toMatch(/text\/html/);
    expect(index.body).toMatch(/<title>SpecTune<\/title>/);
    expect(index.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    const js = await http(server.port, '/assets/app.js', { headers: { Origin: `http://127.0.0.1:${server.port}` } });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const r = await http(server.port, path);
      expect(r.status === 403 || r.status === 404).toBe(true);
      expect(r.body).not.toMatch(/not for the web/);
    }
    expect((await http(server.port, '/favicon.ico')).status).toBe(204);
    expect((await http(server.port, '/assets/missing.js')).status).toBe(404);
    const api = await call('server:state', {});
    expect(api.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(api.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('browser server: the same handlers as IPC', () => {
  afterEach(async () => {
    await services.handle('server:stop', {});
  });

  it('round-trips requests: prompts, app info, presets', async () => {
    const prompts = await call('prompts:builtin', {});
    expect(prompts.status).toBe(200);
    expect(prompts.json().ok).toBe(true);
    expect(prompts.json().result.promptTypes.map((p: { id: string }) => p.id)).toEqual(expect.arrayContaining(['security', 'code', 'technical', 'creative']));

    const info = (await call('app:info', {})).json().result;
    expect(info).toMatchObject({ mode: 'browser', simulatorCommand: SIM, dataDir });
    // Installed or not, per engine, from each engine's own --version check; an engine the user runs is not SpecTune's to find.
    expect(info.engines).toContainEqual({ engine: 'vllm', installed: false, version: null });
    expect(info.engines).toContainEqual({ engine: 'ollama', installed: null, version: null });
    expect(info.engines.find((e: { engine: string }) => e.engine === 'embedded')).toMatchObject({ installed: true, version: expect.stringMatching(/^embedded /) });

    const saved = (await call('presets:save', { name: 'Sim k=3', settings: { command: SIM, model: 'sim/m', method: 'ngram', numSpeculativeTokens: 3 } })).json();
    expect(saved.ok).toBe(true);
    const list = (await call('presets:list', {})).json().result;
    expect(list.map((p: { id: string }) => p.id)).toContain(saved.result.id);
    const gone = await call('presets:delete', { id: 'missing' });
    expect(gone.status).toBe(400);
    expect(gone.json().error.message).toMatch(/no preset with id "missing"/);

    // The service adds the default endpoints itself, and the same server spelt another way is probed once.
    const probed = (await call('status:probe', { endpoints: [{ name: 'Same vLLM', url: 'http://LOCALHOST:8000/' }] })).json().result as { url: string }[];
    expect(probed.map((p) => p.url)).toEqual(expect.arrayContaining(['http://127.0.0.1:8000', 'http://127.0.0.1:1234', 'http://127.0.0.1:11434']));
    expect(probed.filter((p) => /:8000\/?$/.test(p.url))).toHaveLength(1);

    // Browser mode never writes a report where a request says: the browser downloads it.
    const save = await call('report:save', { runId: 'nope' });
    expect(save.status).toBe(400);
    expect(save.json().error).toMatchObject({ code: 'INVALID_INPUT', hint: expect.stringMatching(/Download/) });
    const dotfile = await call('report:save', { runId: 'nope', path: join(dataDir, '.bashrc') });
    expect(dotfile.status).toBe(400);
    expect(dotfile.json().error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/Unrecognized key.*path/) });
  });

  it('the event stream delivers server:state and server:log from a real simulator launch', async () => {
    const port = await freePort();
    const stream = await collectEvents();
    const started = await call('server:start', { command: SIM, model: 'sim/Qwen2.5-7B-Instruct', port, startupTimeoutMs: 30_000, stopGraceMs: 3000 });
    expect(started.status).toBe(200);
    const state = started.json().result as ServerState;
    expect(state.phase).toBe('ready');
    expect(state.simulated).toBe(true);
    const pid = state.pid!;
    expect(processAlive(pid)).toBe(true);

    const stopped = (await call('server:stop', {})).json().result as ServerState;
    expect(stopped.phase).toBe('stopped');
    await stream.waitFor((e) => e.event === 'server:state' && e.data.phase === 'stopped', 5000, 'the stopped state');
    await stream.close();
    const phases = stream.events.filter((e) => e.event === 'server:state').map((e) => ServerStateSchema.parse(e.data).phase);
    expect(phases).toEqual(expect.arrayContaining(['starting', 'ready', 'stopping', 'stopped']));
    expect(stream.events.filter((e) => e.event === 'server:log').length).toBeGreaterThan(0);
    expect(processAlive(pid)).toBe(false);
  });

  it('sweep:optimize sweeps, then restarts the server on the recommended k', async () => {
    const port = await freePort();
    const stream = await collectEvents();
    const plan = {
      mode: 'managed',
      server: { command: SIM, model: 'sim/Qwen2.5-7B-Instruct', method: 'ngram', port, startupTimeoutMs: 30_000, stopGraceMs: 3000 },
      tokens: [0, 3],
      promptTypes: ['code'],
      systemPrompts: ['direct'],
      repeats: 1,
      // One round each, however close k=0 and k=3 come out: what is counted below is the glue, not the search.
      maxRepeats: 1,
      maxTokens: 32,
      warmup: false,
    };
    const r = await call('sweep:optimize', plan);
    expect(r.status).toBe(200);
    const { runId } = r.json().result;
    const done = await stream.waitFor((e) => e.event === 'sweep:done', 90_000, 'sweep:done');
    await stream.close();
    expect(done.data).toMatchObject({ runId, status: 'complete', error: null });
    expect(stream.events.some((e) => e.event === 'sweep:progress')).toBe(true);
    expect(stream.events.filter((e) => e.event === 'sweep:measurement')).toHaveLength(2);
    expect(stream.events.some((e) => e.event === 'sweep:report')).toBe(true);
    // Each server line reaches the UI once, though both the manager and the sweep see it.
    const logLines = stream.events.filter((e) => e.event === 'server:log').map((e) => JSON.stringify(e.data));
    expect(logLines.length).toBeGreaterThan(0);
    expect(new Set(logLines).size).toBe(logLines.length);

    const report = (await call('history:get', { runId })).json().result;
    const k = report.recommendation.numSpeculativeTokens;
    const state = (await call('server:state', {})).json().result as ServerState;
    expect(state.phase).toBe('ready');
    expect(state.settings!.numSpeculativeTokens).toBe(k);
    const sweepState = (await call('sweep:state', {})).json().result;
    expect(sweepState).toMatchObject({ running: false, runId, kind: 'optimize' });
  }, 120_000);

  it('sweep:cancel stops a sweep midway; what was measured is kept and listed as cancelled', async () => {
    const port = await freePort();
    const stream = await collectEvents();
    const r = await call('sweep:start', {
      mode: 'managed',
      server: { command: SIM, model: 'sim/Qwen2.5-7B-Instruct', method: 'ngram', port, startupTimeoutMs: 30_000, stopGraceMs: 3000 },
      tokens: [0, 3, 5],
      promptTypes: ['code', 'creative'],
      systemPrompts: ['direct', 'expert'],
      repeats: 3,
      maxTokens: 128,
      warmup: false,
    });
    const { runId } = r.json().result;
    await stream.waitFor((e) => e.event === 'sweep:measurement', 60_000, 'a first measurement');
    expect((await call('sweep:cancel', {})).json().result).toEqual({ cancelled: true });
    const done = await stream.waitFor((e) => e.event === 'sweep:done', 30_000, 'sweep:done');
    await stream.close();
    expect(done.data).toMatchObject({ runId, status: 'cancelled' });
    expect((await call('sweep:cancel', {})).json().result).toEqual({ cancelled: false });

    const listed = (await call('history:list', {})).json().result.find((x: { runId: string }) => x.runId === runId);
    expect(listed.status).toBe('cancelled');
    const report = (await call('history:get', { runId })).json().result;
    expect(report.status).toBe('cancelled');
    expect(report.measurements.length).toBeGreaterThanOrEqual(1);
    expect(report.measurements.length).toBeLessThan(3 * 2 * 2 * 3);
    const state = (await call('server:state', {})).json().result as ServerState;
    expect(state.phase).toBe('stopped');
  }, 120_000);

  it('sweep:optimize measures the baseline even when its k list leaves it out', async () => {
    const stream = await collectEvents();
    // A server that fails at start-up (the simulator, told to): only the plan the run records matters here.
    const plan = {
      mode: 'managed',
      server: { command: SIM, model: 'sim/Qwen2.5-7B-Instruct', method: 'ngram', port: await freePort(), extraArgs: ['--sim-fail-startup'], startupTimeoutMs: 30_000, stopGraceMs: 3000 },
      tokens: [3, 5],
      promptTypes: ['code'],
      systemPrompts: ['direct'],
      repeats: 1,
      maxTokens: 8,
    };
    const { runId } = (await call('sweep:optimize', plan)).json().result;
    await stream.waitFor((e) => e.event === 'sweep:done' && e.data.runId === runId, 60_000, 'sweep:done');
    await stream.close();
    const recorded = JSON.parse(readFileSync(join(dataDir, 'runs', runId, 'run.json'), 'utf8'));
    expect(recorded.plan.tokens).toEqual([0, 3, 5]);
  }, 90_000);

  it('two sweep requests at the same moment start one sweep; the other is refused', async () => {
    const stream = await collectEvents();
    // Attached to a port nobody listens on: the sweep itself fails fast, which is not what this checks.
    const plan = { mode: 'attached', url: `http://127.0.0.1:${await freePort()}`, tokens: [0], promptTypes: ['code'], systemPrompts: ['direct'], repeats: 1, maxTokens: 8, warmup: false };
    const replies = await Promise.all([call('sweep:start', plan), call('sweep:optimize', plan)]);
    const started = replies.filter((r) => r.status === 200);
    expect(started).toHaveLength(1);
    const refused = replies.find((r) => r.status !== 200)!;
    expect(refused.status).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'ALREADY_RUNNING', hint: expect.stringMatching(/cancel it first/) });
    const { runId } = started[0].json().result;
    await stream.waitFor((e) => e.event === 'sweep:done' && e.data.runId === runId, 60_000, 'sweep:done');
    await stream.close();
    expect(stream.events.filter((e) => e.event === 'sweep:done')).toHaveLength(1);
  }, 90_000);

  it('sends a ping comment on idle event streams', async () => {
    const hub = createEventHub();
    const quick = await startBrowserServer({ handle: async () => null, hub, staticDir, pingMs: 100 });
    try {
      const stream = await collectEvents(quick);
      for (const end = Date.now() + 5000; !stream.comments.includes('ping') && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
      hub.emit('presets:changed', []);
      await stream.waitFor((e) => e.event === 'presets:changed', 5000, 'the event');
      await stream.close();
      expect(stream.comments).toContain('ping');
      expect(stream.events).toEqual([{ event: 'presets:changed', data: [] }]);
    } finally {
      await quick.close();
    }
  });
});

describe('app services on a damaged data folder', () => {
  it('a corrupt presets file fails the preset requests with a clear error, not the whole app', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spectune-damaged-'));
    writeFileSync(join(dir, 'presets.json'), '{"presets": [');
    const svc = createAppServices({ dataDir: dir, mode: 'browser', emit: () => {}, engineCommands: { vllm: ['spectune-no-such-vllm'] } });
    try {
      expect((await svc.handle('prompts:builtin', {})).promptTypes.length).toBeGreaterThan(0);
      await expect(svc.handle('presets:list', {})).rejects.toMatchObject({ code: 'IO_ERROR', message: expect.stringMatching(/kept as .*presets\.corrupt-.*\.json/) });
      // Reported once; the file is kept aside and presets work again, starting empty.
      expect(await svc.handle('presets:list', {})).toEqual([]);
    } finally {
      await svc.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('spectune ui (the CLI command)', () => {
  let child: ChildProcess | null = null;
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'spectune-ui-cli-'));
  });
  /** Servers the UI launched: if it failed to stop one, the test run must not leave it behind. */
  const launched: number[] = [];
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    for (const pid of launched.filter(processAlive)) process.kill(-pid, 'SIGKILL');
    rmSync(tmp, { recursive: true, force: true });
  });

  it('refuses a non-loopback --host with a one-line reason', async () => {
    const p = spawn(process.execPath, [join(ROOT, 'bin/spectune.js'), 'ui', '--host', '0.0.0.0', '--no-open', '--data-dir', tmp], { stdio: 'pipe' });
    let err = '';
    p.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
    expect(code).not.toBe(0);
    expect(err).toMatch(/--host: 0\.0\.0\.0 is not a loopback address/);
  });

  it.each(['SIGTERM', 'SIGHUP'] as const)(
    'prints the URL line, serves the built UI and the API, and on %s stops the servers it launched and exits',
    async (signal) => {
      ensureBuilt();
      child = spawn(process.execPath, [join(ROOT, 'bin/spectune.js'), 'ui', '--port', '0', '--no-open', '--data-dir', tmp], { stdio: 'pipe' });
      const url = await new Promise<string>((resolveUrl, reject) => {
        let out = '';
        child!.stdout!.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /^SpecTune UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64})$/m.exec(out);
          if (m) resolveUrl(m[1]);
        });
        child!.on('exit', (c) => reject(new Error(`spectune ui exited (${c}) before printing its URL: ${out}`)));
      });
      const u = new URL(url);
      const page = await fetch(`${u.origin}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<div id="root"|<html/i);
      const post = async (channel: string, args: unknown) =>
        (await (
          await fetch(`${u.origin}/api/${channel}`, {
            method: 'POST',
            headers: { 'X-SpecTune-Token': u.searchParams.get('token')!, 'Content-Type': 'application/json' },
            body: JSON.stringify(args),
          })
        ).json()) as { ok: boolean; result: any; error?: unknown };
      const info = (await post('app:info', {})).result;
      expect(info.dataDir).toBe(tmp);
      // The default demo command is `spectune sim`; launch it and make sure SIGTERM takes it down too.
      const started = await post('server:start', { command: info.simulatorCommand, model: 'sim/m', port: await freePort(), startupTimeoutMs: 30_000, stopGraceMs: 3000 });
      expect(started.ok).toBe(true);
      const pid = started.result.pid as number;
      launched.push(pid);
      expect(processAlive(pid)).toBe(true);
      child.kill(signal);
      const code = await new Promise<number | null>((r) => child!.on('exit', (c) => r(c)));
      expect(code).toBe(0);
      expect(processAlive(pid)).toBe(false);
    },
    300_000,
  );
});
