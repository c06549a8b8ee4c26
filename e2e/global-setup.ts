/**
 * Builds the renderer if needed, starts `spectune ui` on a free port with a
 * fresh data dir, and hands its URL to the tests through the environment.
 * The returned teardown SIGTERMs it and fails the run if any process it
 * launched (the simulator and its EngineCore) is still alive.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FullConfig } from '@playwright/test';
import { startUi, stopUi } from './ui-server';
import { ensureBuilt } from '../tests/fixtures/electron-stub/ensure-built';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function buildIfNeeded(): void {
  // The UI server runs src/ through tsx, but serves the renderer (and the shared code in it) from out/.
  if (process.env.SPECTUNE_E2E_REBUILD === '1') execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  else ensureBuilt();
}

export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  buildIfNeeded();
  const dataDir = mkdtempSync(join(tmpdir(), 'spectune-e2e-'));
  const ui = await startUi(ROOT, dataDir);
  process.env.SPECTUNE_UI_URL = ui.url;
  process.env.SPECTUNE_UI_BASE = ui.base;
  process.env.SPECTUNE_UI_TOKEN = ui.token;
  process.env.SPECTUNE_E2E_DATA = dataDir;

  return async () => {
    const { survivors, code, signal } = await stopUi(ui.proc);
    if (process.env.SPECTUNE_E2E_KEEP !== '1') rmSync(dataDir, { recursive: true, force: true });
    if (survivors.length) {
      throw new Error(`processes started by spectune ui survived its SIGTERM: ${survivors.join(', ')} (killed now)`);
    }
    if (code !== 0 && signal !== 'SIGTERM') throw new Error(`spectune ui exited with code ${code}, signal ${signal} on SIGTERM`);
  };
}
