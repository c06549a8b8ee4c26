/**
 * The app's status list: every engine's default address (the same list `spectune status` probes),
 * and a launched server named by its own engine, here llama-server's persona as a real process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppServices, type AppServices } from '../src/core/app-services';
import { simulatorCommand } from '../src/core/simulator-command';
import { DEFAULT_ENDPOINTS } from '../src/shared/schemas';
import { ENGINE_IDENTITY, ENGINE_IDS } from '../src/shared/engine-descriptor';
import { freePort } from './helpers/processes';

let services: AppServices | null = null;
let dir = '';

afterEach(async () => {
  await services?.dispose();
  services = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('status:probe', () => {
  it("lists every engine's default address once, and a launched llama-server as 'Managed llama.cpp (llama-server)'", { timeout: 60_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'spectune-app-status-'));
    services = createAppServices({ dataDir: dir, mode: 'browser', emit: () => undefined });
    const port = await freePort();
    const state = await services.handle('server:start', {
      engine: 'llama.cpp',
      command: [...simulatorCommand(), 'llama-server', '--sim-startup-ms', '0', '--sim-step-ms', '1'],
      model: '/models/target.gguf',
      port,
    });
    expect(state.phase).toBe('ready');

    const statuses = await services.handle('status:probe', { endpoints: [] });
    const managed = statuses.find((s) => s.url === state.url);
    expect(managed).toMatchObject({ name: 'Managed llama.cpp (llama-server)', running: true, kind: 'llama.cpp' });
    expect(statuses.some((s) => /vLLM/.test(s.name) && s.url === state.url)).toBe(false);

    const defaults = statuses.filter((s) => s !== managed);
    expect(defaults.map((s) => s.url)).toEqual(DEFAULT_ENDPOINTS.map((e) => e.url));
    for (const id of ENGINE_IDS) expect(defaults.map((s) => s.url)).toContain(ENGINE_IDENTITY[id].defaultUrl);
    expect(new Set(defaults.map((s) => s.url)).size).toBe(defaults.length);
  });
});
