/**
 * Start or Apply refused for a port in use says what holds it, in the app's words: a server
 * SpecTune launched (the run registry; "Stop it" is offered), or another program; never a shell
 * command. Real processes hold the ports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppServices, type AppServices } from '../src/core/app-services';
import { freePort, until } from './helpers/processes';
import { writeRunEntry } from './helpers/registry';
import { connect } from 'node:net';

let dir: string;
let services: AppServices;
const held: ChildProcess[] = [];
const stateDir = process.env.SPECTUNE_STATE_DIR;

/** A real listener on `port`, in its own process group (as SpecTune launches servers). */
async function listener(port: number): Promise<ChildProcess> {
  const p = spawn(process.execPath, ['-e', `require('node:net').createServer((s) => s.end()).listen(${port}, '127.0.0.1')`], { detached: true, stdio: 'ignore' });
  held.push(p);
  let up = false;
  await until(() => {
    const c = connect(port, '127.0.0.1', () => ((up = true), c.destroy()));
    c.on('error', () => c.destroy());
    return up;
  }, 10_000);
  return p;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spectune-port-'));
  process.env.SPECTUNE_STATE_DIR = join(dir, 'state');
  services = createAppServices({ dataDir: dir, mode: 'browser', emit: () => undefined });
});

afterAll(async () => {
  for (const p of held) if (p.pid) process.kill(-p.pid, 'SIGKILL');
  await services?.dispose();
  if (stateDir === undefined) delete process.env.SPECTUNE_STATE_DIR;
  else process.env.SPECTUNE_STATE_DIR = stateDir;
  rmSync(dir, { recursive: true, force: true });
});

/** The simulator as vLLM (the command has to start the engine before the port matters). */
const settings = async (port: number) => ({ engine: 'vllm', command: (await services.handle('app:info', {})).simulatorCommand, model: 'm', method: 'ngram', numSpeculativeTokens: 0, port });

describe('PORT_IN_USE names the holder', () => {
  it("SpecTune's own server left running: named from the run registry, with Stop it offered", async () => {
    const port = await freePort();
    const p = await listener(port);
    writeRunEntry({ pid: p.pid!, port, url: `http://127.0.0.1:${port}` });
    const err = (await services.handle('server:start', await settings(port)).catch((e: unknown) => e)) as { code: string; message: string; hint?: string };
    expect(err.code).toBe('PORT_IN_USE');
    expect(err.message).toBe(`port ${port} is taken by SpecTune's own vLLM server (pid ${p.pid}), left running by an earlier SpecTune session`);
    expect(err.hint).toMatch(/^Stop it/);
    expect(`${err.message} ${err.hint}`).not.toMatch(/\bss\b|lsof|netstat|`/);
  });

  it('another engine answering there: named by probing the port', async () => {
    const { url } = await services.handle('demo:start', { engine: 'ollama' });
    const port = Number(new URL(url).port);
    const err = (await services.handle('server:start', await settings(port)).catch((e: unknown) => e)) as { code: string; message: string; hint?: string };
    expect(err.code).toBe('PORT_IN_USE');
    expect(err.message).toMatch(new RegExp(`^port ${port} is taken by a simulated Ollama serving \\S+`));
    expect(err.hint).toMatch(/stop that server, or choose another port/);
    await services.handle('demo:stop', {});
  });

    it('another program: said so, with the fix in the app (another port), no shell command', async () => {
    const port = await freePort();
    await listener(port);
    const err = (await services.handle('server:start', await settings(port)).catch((e: unknown) => e)) as { code: string; message: string; hint?: string };
    expect(err).toMatchObject({ code: 'PORT_IN_USE', message: `port ${port} is taken by another program` });
    expect(err.hint).toMatch(/choose another port/);
    expect(`${err.message} ${err.hint}`).not.toMatch(/\bss\b|lsof|netstat|`/);
  });
});
