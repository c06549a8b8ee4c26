/** app:info's "installed?" per engine: each launched engine's own --version check, never a second copy of the app. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppServices, type AppServices } from '../src/core/app-services';

let dir: string;
let services: AppServices | null = null;

afterEach(async () => {
  await services?.dispose();
  services = null;
  rmSync(dir, { recursive: true, force: true });
});

function open(mode: 'electron' | 'browser', engineCommands: Record<string, string[]>): AppServices {
  dir = mkdtempSync(join(tmpdir(), 'spectune-info-'));
  services = createAppServices({ dataDir: dir, mode, emit: () => {}, engineCommands });
  return services;
}

describe('app:info engines', () => {
  it('asks each launched engine its own command: found, not found, and not applicable for engines the user runs', async () => {
    const info = await open('browser', { vllm: ['spectune-no-such-vllm'], mlx: ['spectune-no-such-mlx'] }).handle('app:info', {});
    expect(info.engines.map((e) => e.engine)).toEqual(expect.arrayContaining(['vllm', 'llama.cpp', 'mlx', 'lmstudio', 'ollama', 'embedded']));
    expect(info.engines).toContainEqual({ engine: 'vllm', installed: false, version: null });
    expect(info.engines).toContainEqual({ engine: 'mlx', installed: false, version: null });
    expect(info.engines).toContainEqual({ engine: 'lmstudio', installed: null, version: null });
    // The embedded engine's command is this Node running SpecTune's own server: it answers.
    expect(info.engines.find((e) => e.engine === 'embedded')).toMatchObject({ installed: true, version: expect.stringMatching(/^embedded 1 \(node-llama-cpp /) });
  });

  it('in the desktop app, does not run its own executable as a command (Electron would start a second app)', async () => {
    const info = await open('electron', { vllm: ['spectune-no-such-vllm'] }).handle('app:info', {});
    expect(info.engines).toContainEqual({ engine: 'embedded', installed: null, version: null });
    expect(info.engines).toContainEqual({ engine: 'vllm', installed: false, version: null });
  });
});
