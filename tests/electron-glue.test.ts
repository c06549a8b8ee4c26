/**
 * The BUILT Electron bundle (out/main/index.js, out/preload/index.cjs) loaded
 * in plain Node with a stand-in `electron` module (tests/fixtures/electron-stub):
 * window security settings, CSP, navigation, the menu, one IPC handler per
 * contract channel, sender checks, real status probes, a real simulator server
 * started through IPC, a sweep with the native save dialog, a renderer crash
 * and quit stopping every process. Catches bundling and wiring mistakes that
 * typechecks miss. No Electron binary needed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { CONTENT_SECURITY_POLICY } from '../src/shared/csp';
import { EVENT_CHANNELS, REQUEST_CHANNELS } from '../src/shared/ipc-contract';
import { ReportSchema, type ServerState } from '../src/shared/schemas';
import { freePort, processAlive } from './helpers/processes';
import { ensureBuilt, OUT_MAIN, OUT_PRELOAD, OUT_RENDERER, ROOT } from './fixtures/electron-stub/ensure-built';

const STUB = join(ROOT, 'tests/fixtures/electron-stub');
const APP_URL = pathToFileURL(OUT_RENDERER).href;

/** Every live process in a process group (the simulator's API server and its EngineCore child). */
function groupPids(pgid: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') pids.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return pids;
}

interface Envelope<T = any> {
  ok: boolean;
  result?: T;
  error?: { code: string; message: string; hint?: string; logTail?: string[] };
}

/** One plain-Node process running the built main bundle under the stand-in electron. */
class Driver {
  private seq = 1;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private stderr = '';

  private constructor(readonly child: ChildProcess) {
    child.stderr!.on('data', (c: Buffer) => (this.stderr += c.toString()));
    child.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new Error(m.error));
      else p.resolve(m.result);
    });
    child.on('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`driver exited (${code}): ${this.stderr}`));
    });
  }

  static async start(userDataDir: string, saveTo = ''): Promise<Driver> {
    const child = fork(join(STUB, 'driver.mjs'), [OUT_MAIN], {
      execArgv: ['--import', pathToFileURL(join(STUB, 'register.mjs')).href],
      // The embedded engine's demo models are generated into the cache folder: keep them in the test's own.
      env: { ...process.env, SPECTUNE_TEST_USERDATA: userDataDir, SPECTUNE_TEST_SAVE_PATH: saveTo, ELECTRON_RENDERER_URL: '', XDG_CACHE_HOME: join(userDataDir, 'cache') },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const d = new Driver(child);
    await new Promise<void>((resolveUp, reject) => d.pending.set(0, { resolve: () => resolveUp(), reject }));
    return d;
  }

  send<T = any>(op: string, payload: Record<string, unknown> = {}): Promise<T> {
    const id = this.seq++;
    return new Promise<T>((resolveOp, reject) => {
      this.pending.set(id, { resolve: resolveOp, reject });
      this.child.send({ id, op, ...payload });
    });
  }

  invoke<T = any>(channel: string, args: unknown, senderUrl: string | null = APP_URL): Promise<Envelope<T>> {
    return this.send<Envelope<T>>('invoke', { channel, args, senderUrl });
  }

  async ok<T = any>(channel: string, args: unknown = {}): Promise<T> {
    const r = await this.invoke<T>(channel, args);
    if (!r.ok) throw new Error(`${channel} failed: ${JSON.stringify(r.error)}`);
    return r.result as T;
  }

  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await exited;
  }
}

let driver: Driver;
let userData: string;
let savePath: string;
const send = <T = any>(op: string, payload: Record<string, unknown> = {}) => driver.send<T>(op, payload);
const invoke = <T = any>(channel: string, args: unknown, senderUrl: string | null = APP_URL) => driver.invoke<T>(channel, args, senderUrl);
const ok = <T = any>(channel: string, args: unknown = {}) => driver.ok<T>(channel, args);

async function waitFor<T>(fn: () => Promise<T | undefined | null | false>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  ensureBuilt();
  userData = mkdtempSync(join(tmpdir(), 'spectune-electron-'));
  savePath = join(userData, 'saved', 'test_results.json');
  // Remembered window bounds from a previous launch.
  writeFileSync(join(userData, 'window-state.json'), JSON.stringify({ bounds: { x: 120, y: 80, width: 1100, height: 750 }, maximized: false }));
  driver = await Driver.start(userData, savePath);
}, 300_000);

afterAll(async () => {
  await driver?.kill();
  rmSync(userData, { recursive: true, force: true });
});

describe('built Electron main process', () => {
  let snapshot: any;

  it('takes the single-instance lock and wires app events before ready', async () => {
    const loaded = await send('load');
    expect(loaded.singleInstanceLock).toBe(true);
    expect(loaded.windows).toBe(0);
    expect(loaded.appEvents).toEqual(expect.arrayContaining(['second-instance', 'before-quit', 'window-all-closed', 'web-contents-created']));
  });

  it('on ready opens one hardened window on the built renderer, with remembered bounds and a menu', async () => {
    snapshot = await send('ready');
    expect(snapshot.windows).toHaveLength(1);
    const { options, loaded } = snapshot.windows[0];
    expect(options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(options.webPreferences.webSecurity).not.toBe(false);
    expect(options.webPreferences.preload).toBe(OUT_PRELOAD);
    expect(existsSync(options.webPreferences.preload)).toBe(true);
    expect(loaded).toEqual({ file: OUT_RENDERER });
    expect(options).toMatchObject({ x: 120, y: 80, width: 1100, height: 750 });
    const top = snapshot.menu.map((m: { label: string | null; role: string | null }) => m.label ?? m.role);
    expect(top).toEqual(expect.arrayContaining(['&File', 'editMenu', '&View', 'windowMenu', 'help']));
    const clicked = await send('menuClick', { label: 'Open Data Folder' });
    expect(clicked.openedPaths).toEqual([userData]);
  });

  it('installs the strict CSP on every response and denies permission requests', async () => {
    expect(snapshot.hasHeadersListener).toBe(true);
    const r = await send('csp', { responseHeaders: { 'content-security-policy': ["default-src *"], 'X-Other': ['1'] } });
    expect(r.responseHeaders['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
    expect(r.responseHeaders['content-security-policy']).toBeUndefined();
    expect(r.responseHeaders['X-Other']).toEqual(['1']);
    expect(CONTENT_SECURITY_POLICY).toMatch(/default-src 'self'; script-src 'self';.*object-src 'none'; base-uri 'none'; frame-ancestors 'none'/);
    expect(await send('permission', { permission: 'media' })).toBe(false);
    // file:// loads carry no headers: the built page holds the same policy in a meta tag, ahead of any script.
    const html = readFileSync(OUT_RENDERER, 'utf8').replaceAll('&#39;', "'");
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html);
    expect(meta?.[1]).toBe(CONTENT_SECURITY_POLICY.replace("; frame-ancestors 'none'", ''));
    expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<script'));
  });

  it('blocks navigation and new windows; http(s) links go to the system browser', async () => {
    expect(await send('navigate', { url: 'https://example.com/docs' })).toEqual({ prevented: true, opened: ['https://example.com/docs'] });
    expect(await send('navigate', { url: 'file:///etc/passwd' })).toEqual({ prevented: true, opened: [] });
    expect(await send('windowOpen', { url: 'https://vllm.ai/' })).toEqual({ result: { action: 'deny' }, opened: ['https://vllm.ai/'] });
    expect(await send('windowOpen', { url: 'javascript:alert(1)' })).toEqual({ result: { action: 'deny' }, opened: [] });
  });

  it('registers exactly one IPC handler per contract request channel', () => {
    expect([...snapshot.handlers].sort()).toEqual(REQUEST_CHANNELS.map((c) => `spectune:req:${c}`).sort());
  });

  it('rejects bad args with INVALID_INPUT naming the field, and calls from a foreign frame', async () => {
    const bad = await invoke('server:start', { model: '', port: 'eighty' });
    expect(bad.ok).toBe(false);
    expect(bad.error!.code).toBe('INVALID_INPUT');
    expect(bad.error!.message).toMatch(/model: give the model to serve/);
    expect(bad.error!.message).toMatch(/port: /);
    const rename = await invoke('presets:rename', { id: 'missing', name: 'x' });
    expect(rename.error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/no preset with id "missing"/) });
    for (const url of ['https://evil.example/', 'file:///tmp/other.html', null]) {
      const r = await invoke('app:info', {}, url);
      expect(r.ok).toBe(false);
      expect(r.error!.code).toBe('FORBIDDEN');
    }
    const link = await invoke('shell:openExternal', { url: 'file:///etc/passwd' });
    expect(link.error!.message).toMatch(/url: /);
  });

  it('answers app:info and status:probe for real', async () => {
    const info = await ok('app:info');
    expect(info).toMatchObject({ mode: 'electron', version: '0.1.0-stub', dataDir: userData });
    // Electron runs the bundled simulator on its own binary in Node mode.
    expect(info.simulatorCommand.slice(-2)).toEqual([process.execPath, join(ROOT, 'out/main/simulator.js')]);
    expect(info.simulatorCommand).toContain('ELECTRON_RUN_AS_NODE=1');

    const statuses = await ok<any[]>('status:probe', { endpoints: [{ name: 'Nothing here', url: `http://127.0.0.1:${await freePort()}` }] });
    expect(statuses.map((s) => s.url)).toEqual(expect.arrayContaining(['http://127.0.0.1:8000', 'http://127.0.0.1:1234', 'http://127.0.0.1:11434']));
    const nothing = statuses.find((s) => s.name === 'Nothing here');
    expect(nothing).toMatchObject({ running: false });
    expect(nothing.reason).toMatch(/refused/i);
  });

  it('runs the embedded engine from the bundle too: its compiled server in Electron’s Node mode answers a request', async () => {
    const prepared = await ok<{ command: string[]; model: string; draftModel: string }>('demo:prepare', { engine: 'embedded' });
    // Not bin/run-ts.js and a .ts source: the packaged app has neither.
    expect(prepared.command).toEqual(['/usr/bin/env', 'ELECTRON_RUN_AS_NODE=1', process.execPath, join(ROOT, 'out/main/embedded-server.js')]);
    const embeddedPort = await freePort();
    const settings = { engine: 'embedded', command: prepared.command, model: prepared.model, draftModel: prepared.draftModel, numSpeculativeTokens: 2, port: embeddedPort, startupTimeoutMs: 60_000, stopGraceMs: 5000 };
    const state = await ok<ServerState>('server:start', settings);
    expect(state).toMatchObject({ phase: 'ready', simulated: false });
    try {
      const res = await fetch(`http://127.0.0.1:${embeddedPort}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'Say something.' }], max_tokens: 8, temperature: 0 }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { usage: { completion_tokens: number }; timings: { draft_n?: number } };
      expect(body.usage.completion_tokens).toBeGreaterThan(0);
      expect(body.timings.draft_n).toBeGreaterThan(0);
    } finally {
      expect((await ok<ServerState>('server:stop')).phase).toBe('stopped');
    }
    expect(groupPids(state.pid!)).toEqual([]);
  }, 90_000);

  let simCommand: string[];
  let port: number;

  it('server:start launches the bundled simulator through IPC; state and logs reach the window', async () => {
    simCommand = (await ok('app:info')).simulatorCommand;
    port = await freePort();
    await send('sent', { clear: true });
    const state = await ok<ServerState>('server:start', { command: simCommand, model: 'sim/Qwen2.5-7B-Instruct', port, startupTimeoutMs: 30_000, stopGraceMs: 3000 });
    expect(state.phase).toBe('ready');
    expect(state.simulated).toBe(true);
    expect(processAlive(state.pid!)).toBe(true);
    expect(groupPids(state.pid!).length).toBeGreaterThanOrEqual(2); // API server + EngineCore

    const sent = await send<{ channel: string; payload: any }[]>('sent', { clear: true });
    const channels = new Set(sent.map((s) => s.channel));
    expect(channels.has('spectune:evt:server:state')).toBe(true);
    expect(channels.has('spectune:evt:server:log')).toBe(true);
    for (const s of sent) expect(EVENT_CHANNELS.map((c) => `spectune:evt:${c}`)).toContain(s.channel);

    const probe = await ok<any[]>('status:probe', { endpoints: [] });
    expect(probe.find((s) => s.url === `http://127.0.0.1:${port}`)).toMatchObject({ running: true, kind: 'vllm', simulated: true });
  }, 60_000);

  it('a renderer crash stops every server the app launched', async () => {
    const before = await ok<ServerState>('server:state');
    const pids = groupPids(before.pid!);
    const loadsBefore = (await send('snapshot')).windows[0].loads;
    await send('crashRenderer');
    await waitFor(async () => (await ok<ServerState>('server:state')).phase === 'stopped', 20_000, 'the server to stop');
    await waitFor(async () => pids.every((p) => !processAlive(p)), 10_000, 'every process to exit');
    // Then the UI comes back.
    await waitFor(async () => (await send('snapshot')).windows[0].loads === loadsBefore + 1, 10_000, 'the window to reload');
  }, 40_000);

  it('a window that keeps crashing is not reloaded forever: the third crash in a minute shows an error instead', async () => {
    const loadsBefore = (await send('snapshot')).windows[0].loads;
    await send('crashRenderer'); // the second within the minute: still reloaded
    await waitFor(async () => (await send('snapshot')).windows[0].loads === loadsBefore + 1, 10_000, 'the reload after the second crash');
    await send('crashRenderer');
    const snap = await waitFor(async () => {
      const s = await send('snapshot');
      return s.errorBoxes.length > 0 && s;
    }, 10_000, 'the error box');
    expect(snap.errorBoxes[0].title).toMatch(/keeps crashing/);
    expect(snap.errorBoxes[0].content).toMatch(/3 times within a minute.*servers? it launched has been stopped/s);
    expect(snap.windows[0].loads).toBe(loadsBefore + 1);
  }, 40_000);

  it('sweeps through IPC, saves the report with the native dialog and applies the recommendation', async () => {
    await send('sent', { clear: true });
    const { runId } = await ok<{ runId: string }>('sweep:start', {
      mode: 'managed',
      server: { command: simCommand, model: 'sim/Qwen2.5-7B-Instruct', method: 'ngram', port, startupTimeoutMs: 30_000, stopGraceMs: 3000 },
      tokens: [0, 3],
      promptTypes: ['code'],
      systemPrompts: ['direct'],
      repeats: 1,
      // One round each, however close k=0 and k=3 come out: what is counted below is the glue, not the search.
      maxRepeats: 1,
      maxTokens: 32,
      warmup: false,
    });
    expect((await invoke('sweep:start', { mode: 'attached', url: 'http://127.0.0.1:1', tokens: [0], promptTypes: ['code'], systemPrompts: ['direct'] })).error!.code).toBe('ALREADY_RUNNING');
    // The sweep owns the server: IPC refuses Stop with BUSY and says how to cancel.
    expect((await invoke('server:stop', {})).error).toMatchObject({ code: 'BUSY', hint: expect.stringMatching(/cancel it first/) });
    const done = await waitFor(
      async () => (await send<{ channel: string; payload: any }[]>('sent', {})).find((s) => s.channel === 'spectune:evt:sweep:done'),
      90_000,
      'sweep:done',
    );
    expect(done.payload).toMatchObject({ runId, status: 'complete', error: null });
    const sent = await send<{ channel: string }[]>('sent', { clear: true });
    expect(sent.some((s) => s.channel === 'spectune:evt:sweep:progress')).toBe(true);
    expect(sent.some((s) => s.channel === 'spectune:evt:sweep:measurement')).toBe(true);

    const history = await ok<any[]>('history:list');
    expect(history[0]).toMatchObject({ runId, status: 'complete', simulated: true });
    const report = ReportSchema.parse(await ok('history:get', { runId }));
    expect(report.measurements).toHaveLength(2);

    // The renderer cannot name the file: only the native dialog does.
    const named = await invoke('report:save', { runId, path: join(userData, 'chosen-by-page.json') });
    expect(named.error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/Unrecognized key.*path/) });
    expect(existsSync(join(userData, 'chosen-by-page.json'))).toBe(false);
    // Whatever the dialog picked is not overwritten unless it is a SpecTune report.
    mkdirSync(dirname(savePath), { recursive: true });
    writeFileSync(savePath, '{"presets": []}');
    expect((await invoke('report:save', { runId })).error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('is not a SpecTune report') });
    expect(readFileSync(savePath, 'utf8')).toBe('{"presets": []}');
    rmSync(savePath);
    const saved = await ok<{ path: string }>('report:save', { runId });
    expect(saved.path).toBe(savePath);
    expect(ReportSchema.parse(JSON.parse(readFileSync(savePath, 'utf8'))).status).toBe('complete');
    expect((await send<any[]>('saveDialogs'))[0].defaultPath).toMatch(new RegExp(`test_results-${runId}\\.json$`));

    const applied = await ok<ServerState>('report:apply', { runId });
    expect(applied.phase).toBe('ready');
    expect(applied.settings!.numSpeculativeTokens).toBe(report.recommendation!.numSpeculativeTokens);
  }, 120_000);

  it('remembers the window bounds when it closes', async () => {
    await send('closeWindow', { bounds: { x: 300, y: 200, width: 1000, height: 720 } });
    const saved = JSON.parse(readFileSync(join(userData, 'window-state.json'), 'utf8'));
    expect(saved).toMatchObject({ bounds: { x: 300, y: 200, width: 1000, height: 720 }, maximized: false });
    expect(await send('secondInstance')).toBe(true); // focusing the existing window must not throw
  });

  it('before-quit waits until every server is stopped: no process survives the app', async () => {
    const state = await ok<ServerState>('server:state');
    expect(state.phase).toBe('ready');
    const pids = groupPids(state.pid!);
    expect(pids.length).toBeGreaterThanOrEqual(2);
    const r = await send('quit');
    expect(r.quitted).toBe(true);
    // Quit completed only after the stop: nothing of the group may be left at this point.
    expect(pids.filter(processAlive)).toEqual([]);
    expect(groupPids(state.pid!)).toEqual([]);
  }, 60_000);
});

describe('built Electron main process, killed from a terminal', () => {
  it('SIGTERM quits the orderly way: the servers it launched are stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spectune-electron-term-'));
    const d = await Driver.start(dir);
    try {
      await d.send('load');
      await d.send('ready');
      const simCommand = (await d.ok('app:info')).simulatorCommand;
      const state = await d.ok<ServerState>('server:start', { command: simCommand, model: 'sim/m', port: await freePort(), startupTimeoutMs: 30_000, stopGraceMs: 3000 });
      const pids = groupPids(state.pid!);
      expect(pids.length).toBeGreaterThanOrEqual(2);
      d.child.kill('SIGTERM');
      await waitFor(async () => pids.every((p) => !processAlive(p)), 20_000, 'every server process to exit');
    } finally {
      await d.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('built preload (sandboxed: may require only electron)', () => {
  function loadPreload(invokeReply: (channel: string, args: unknown) => unknown) {
    const exposed: Record<string, any> = {};
    const listeners = new Map<string, Set<(...a: unknown[]) => void>>();
    const required: string[] = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
      ipcRenderer: {
        invoke: async (channel: string, args: unknown) => invokeReply(channel, args),
        on: (ch: string, fn: (...a: unknown[]) => void) => (listeners.get(ch) ?? listeners.set(ch, new Set()).get(ch)!).add(fn),
        removeListener: (ch: string, fn: (...a: unknown[]) => void) => listeners.get(ch)?.delete(fn),
      },
    };
    const sandboxRequire = (id: string) => {
      required.push(id);
      if (id === 'electron') return electron;
      throw new Error(`a sandboxed preload cannot require "${id}"`);
    };
    const code = readFileSync(OUT_PRELOAD, 'utf8');
    const module = { exports: {} };
    vm.runInNewContext(`(function (require, module, exports) {${code}\n})`, { console })(sandboxRequire, module, module.exports);
    return { api: exposed.spectune, required, listeners };
  }

  it('exposes one method per request channel plus on(), and nothing generic', () => {
    ensureBuilt();
    const { api, required } = loadPreload(() => ({ ok: true, result: null }));
    expect(required).toEqual(['electron']);
    expect(Object.keys(api).sort()).toEqual([...REQUEST_CHANNELS, 'on'].sort());
    expect(api.invoke).toBeUndefined();
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('unwraps results and rethrows errors with code, hint and log tail', async () => {
    const { api } = loadPreload((channel, args) =>
      channel === 'spectune:req:server:start'
        ? { ok: false, error: { code: 'PORT_IN_USE', message: 'port 8000 is in use', hint: 'pick another port', logTail: ['a'] } }
        : { ok: true, result: { echoed: args, channel } },
    );
    expect(await api['server:state']()).toEqual({ echoed: {}, channel: 'spectune:req:server:state' });
    await expect(api['server:start']({ model: 'm' })).rejects.toMatchObject({ code: 'PORT_IN_USE', message: 'port 8000 is in use', hint: 'pick another port', logTail: ['a'] });
  });

  it('on() accepts only contract events and returns an unsubscribe', () => {
    const { api, listeners } = loadPreload(() => null);
    const got: unknown[] = [];
    const off = api.on('server:state', (p: unknown) => got.push(p));
    const [fn] = listeners.get('spectune:evt:server:state')!;
    fn({}, { phase: 'ready' });
    expect(got).toEqual([{ phase: 'ready' }]);
    off();
    expect(listeners.get('spectune:evt:server:state')!.size).toBe(0);
    expect(() => api.on('spectune:req:app:info', () => {})).toThrow(/unknown event/);
    expect(() => api.on('__proto__', () => {})).toThrow(/unknown event/);
  });
});

describe('built renderer', () => {
  it('is minified: one script well under the 2.1 MB electron-vite emits by default, with the CSP in its page', () => {
    ensureBuilt();
    const html = readFileSync(OUT_RENDERER, 'utf8');
    expect(html).toContain('http-equiv="Content-Security-Policy"');
    const src = /<script[^>]+src="\.?\/?(assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(src, 'index.html loads the bundle').toBeTruthy();
    const code = readFileSync(join(OUT_RENDERER, '..', src!), 'utf8');
    expect(code.length).toBeLessThan(1_200_000);
    // Unminified output keeps one statement per line: tens of thousands of lines.
    expect(code.split('\n').length).toBeLessThan(200);
  });
});
