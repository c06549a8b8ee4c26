/**
 * Server controls during a sweep, over real HTTP with the real app services and a
 * real simulator: Stop, Restart, Start, preset Apply and report Apply are refused
 * with 409 BUSY (saying how to cancel) while the sweep owns the server, and the
 * sweep carries on untouched. Also the app's runs:list / runs:stop channels.
 */
import { request } from 'node:http';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppServices, type AppServices } from '../src/core/app-services';
import { createEventHub, startBrowserServer, type BrowserServer } from '../src/http';
import { processStartTime, runsDir } from '../src/core/run-registry';
import { freePort, groupPids, processAlive, until } from './helpers/processes';

const ROOT = resolve(import.meta.dirname, '..');
const SIM = [process.execPath, join(ROOT, 'bin/run-ts.js'), join(ROOT, 'src/simulator/main.ts')];

let dataDir: string;
let services: AppServices;
let server: BrowserServer;
const events: { event: string; data: any }[] = [];
let unsubscribe: () => void;

function call(channel: string, args: unknown): Promise<{ status: number; json: any }> {
  return new Promise((resolveReply, reject) => {
    const body = JSON.stringify(args);
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: `/api/${channel}`,
        method: 'POST',
        headers: { Host: `127.0.0.1:${server.port}`, 'Content-Type': 'application/json', 'X-SpecTune-Token': server.token },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolveReply({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'spectune-busy-'));
  // A registry of this file's own: other test files launch servers in parallel.
  process.env.SPECTUNE_STATE_DIR = join(dataDir, 'state');
  const hub = createEventHub();
  unsubscribe = hub.subscribe((event, data) => events.push({ event, data }));
  services = createAppServices({ dataDir, mode: 'browser', emit: hub.emit, simulator: { command: SIM, env: {} }, engineCommands: { vllm: ['spectune-no-such-vllm'] } });
  server = await startBrowserServer({ handle: (c, a) => services.handle(c, a), hub, staticDir: dataDir, port: 0 });
});

afterAll(async () => {
  unsubscribe();
  await server?.close();
  await services?.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('server controls while a sweep runs', { timeout: 120_000 }, () => {
  it('are refused with 409 BUSY naming the way out, and the sweep is not disturbed', async () => {
    const port = await freePort();
    const settings = { command: SIM, model: 'sim/Qwen2.5-7B-Instruct', method: 'ngram', port, startupTimeoutMs: 30_000, stopGraceMs: 3000 };
    const preset = (await call('presets:save', { name: 'Sim k=3', settings: { ...settings, numSpeculativeTokens: 3 } })).json.result;
    const started = await call('sweep:start', {
      mode: 'managed',
      server: settings,
      tokens: [0, 3],
      promptTypes: ['code', 'creative'],
      systemPrompts: ['direct'],
      repeats: 3,
      maxTokens: 96,
      warmup: false,
    });
    expect(started.status).toBe(200);
    const { runId } = started.json.result;
    await until(() => events.some((e) => e.event === 'sweep:measurement'), 60_000);
    const pidBefore = (await call('server:state', {})).json.result.pid;

    const refusals = await Promise.all([
      call('server:stop', {}),
      call('server:restart', settings),
      call('server:start', settings),
      call('presets:apply', { id: preset.id }),
      call('report:apply', { runId }),
    ]);
    for (const r of refusals) {
      expect(r.status).toBe(409);
      expect(r.json.error).toMatchObject({ code: 'BUSY', message: expect.stringContaining(`a sweep is running (run ${runId})`), hint: expect.stringMatching(/cancel it first/) });
    }
    // Nothing reached the server: same process, still serving the sweep.
    const during = (await call('server:state', {})).json.result;
    expect(during.pid).toBe(pidBefore);
    expect(processAlive(pidBefore)).toBe(true);

    // Reading is never refused.
    expect((await call('sweep:state', {})).status).toBe(200);
    expect((await call('server:logs', {})).status).toBe(200);

    expect((await call('sweep:cancel', {})).json.result).toEqual({ cancelled: true });
    await until(() => events.some((e) => e.event === 'sweep:done' && e.data.runId === runId), 30_000);
    expect(events.find((e) => e.event === 'sweep:done')?.data).toMatchObject({ status: 'cancelled', error: null });

    // Once it is over, the controls work again.
    const again = await call('server:start', settings);
    expect(again.status).toBe(200);
    expect((await call('server:stop', {})).status).toBe(200);
  });
});

describe('runs:list and runs:stop (servers an earlier session left running)', { timeout: 60_000 }, () => {
  it('lists an orphan with its pids and stops its group; this session’s own server is not an orphan and is left alone', async () => {
    // An "earlier session's" server: a process leading its own group, recorded with an owner that is gone.
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { detached: true, stdio: 'ignore' });
    child.unref();
    const pid = child.pid as number;
    try {
      await until(() => processStartTime(pid) !== null, 5000);
      mkdirSync(runsDir(), { recursive: true });
      writeFileSync(
        join(runsDir(), `${pid}.json`),
        JSON.stringify({
          version: 1,
          pid,
          pgid: pid,
          port: 45111,
          url: 'http://127.0.0.1:45111',
          engine: 'vllm',
          command: ['vllm', 'serve', 'm'],
          ownerPid: 2 ** 22 + 11,
          startTime: processStartTime(pid),
          ownerStartTime: '1',
          bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
          createdAt: new Date().toISOString(),
        }),
      );
      const port = await freePort();
      const own = (await call('server:start', { command: SIM, model: 'sim/m', port, startupTimeoutMs: 30_000 })).json.result;

      const listed = (await call('runs:list', {})).json.result as { pid: number; orphan: boolean; pids: number[] }[];
      expect(listed.find((s) => s.pid === pid)).toMatchObject({ orphan: true, pids: [pid] });
      expect(listed.find((s) => s.pid === own.pid)).toMatchObject({ orphan: false });

      // Its own server by port: refused, the Servers card owns it.
      const ownRefused = await call('runs:stop', { port });
      expect(ownRefused.status).toBe(400);
      expect(ownRefused.json.error).toMatchObject({ code: 'INVALID_INPUT', hint: expect.stringMatching(/Stop on the Servers screen/) });
      expect(processAlive(own.pid)).toBe(true);
      const stopped = (await call('runs:stop', {})).json.result;
      expect(stopped.stopped).toEqual([{ pid, port: 45111, forced: false, survivors: [] }]);
      expect(groupPids(pid)).toEqual([]);
      expect(processAlive(own.pid)).toBe(true);
      expect((await call('runs:list', {})).json.result.map((s: { pid: number }) => s.pid)).toEqual([own.pid]);
      expect((await call('runs:stop', { port: 70000 })).status).toBe(400);
    } finally {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* stopped */
      }
      await call('server:stop', {});
    }
  });
});
