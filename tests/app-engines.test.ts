/**
 * The app's engine channels against real processes: the descriptors it serves,
 * the LM Studio simulator persona started by demo:start, its models and draft
 * candidates read through the engine, and the demo stopped when the app goes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAppServices, type AppServices } from '../src/core/app-services';
import { EngineDescriptorSchema } from '../src/shared/engine-descriptor';
import { freePort } from './helpers/processes';
import { engineDescriptors } from '../src/engines';
import rendererFixture from './renderer/fixtures/engines.json';

let services: AppServices | null = null;
let dir = '';

function open(): AppServices {
  dir = mkdtempSync(join(tmpdir(), 'spectune-app-engines-'));
  services = createAppServices({ dataDir: dir, mode: 'browser', emit: () => undefined });
  return services;
}

afterEach(async () => {
  await services?.dispose();
  services = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/api/v0/models`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

describe('engine channels', () => {
  it('demo:prepare writes (and caches) a model pair for the embedded engine and answers its real command', async () => {
    const app = open();
    const cache = mkdtempSync(join(tmpdir(), 'spectune-demo-cache-'));
    const before = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = cache;
    try {
      const r = await app.handle('demo:prepare', { engine: 'embedded' });
      expect(r.model).toBe(join(cache, 'spectune', 'gguf-demo', 'target.gguf'));
      expect(r.draftModel).toBe(join(cache, 'spectune', 'gguf-demo', 'draft.gguf'));
      expect(existsSync(r.model) && existsSync(r.draftModel!)).toBe(true);
      expect(r.command.join(' ')).toMatch(/src\/engines\/embedded\/server\/main\.ts$/);
      expect(r.note).toMatch(/generated now/);
      // Cached: the second call reuses the files.
      expect((await app.handle('demo:prepare', { engine: 'embedded' })).note).not.toMatch(/generated now/);
      await expect(app.handle('demo:prepare', { engine: 'lmstudio' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    } finally {
      if (before === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = before;
      rmSync(cache, { recursive: true, force: true });
    }
  }, 60_000);

  it("the renderer tests' engine fixture is the registry's descriptors (the embedded command's paths aside, which are this machine's)", () => {
    const machineFree = (list: unknown[]) => (list as { id: string; defaultCommand: string[] }[]).map((d) => (d.id === 'embedded' ? { ...d, defaultCommand: [] } : d));
    expect(machineFree(rendererFixture)).toEqual(machineFree(engineDescriptors()));
  });

  it('engines:list serves every engine as a descriptor the contract accepts', async () => {
    const app = open();
    const { engines } = await app.handle('engines:list', {});
    expect(engines.map((e) => e.id)).toEqual(expect.arrayContaining(['vllm', 'llama.cpp', 'mlx', 'lmstudio', 'ollama']));
    for (const e of engines) expect(EngineDescriptorSchema.safeParse(e).success).toBe(true);
    expect(engines.find((e) => e.id === 'lmstudio')).toMatchObject({ lifecycle: 'attached', draftPerRequest: true });
  });

  it('demo:start runs the LM Studio persona; engines:models reads its models and draft candidates; dispose stops it', { timeout: 40_000 }, async () => {
    const app = open();
    const { url } = await app.handle('demo:start', { engine: 'lmstudio' });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // Asking again reuses the running demo.
    expect((await app.handle('demo:start', { engine: 'lmstudio' })).url).toBe(url);

    const listed = await app.handle('engines:models', { engine: 'lmstudio', url });
    expect(listed.models).toContain('qwen2.5-7b-instruct');
    expect(listed.draftCandidates).toEqual(expect.arrayContaining(['qwen2.5-0.5b-instruct', 'qwen2.5-1.5b-instruct', 'llama-3.2-1b-instruct']));
    // The status probe now finds it, named by its API.
    const statuses = await app.handle('status:probe', { endpoints: [{ name: 'demo', url }] });
    expect(statuses.find((s) => s.url === url)).toMatchObject({ running: true, kind: 'lmstudio', simulated: true });

    await app.dispose();
    expect(await answers(url)).toBe(false);
  });

  it('refuses a demo server for a launched engine, and names what does not answer', async () => {
    const app = open();
    await expect(app.handle('demo:start', { engine: 'vllm' })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('launched by SpecTune') });
    const port = await freePort();
    await expect(app.handle('engines:models', { engine: 'ollama', url: `http://127.0.0.1:${port}` })).rejects.toMatchObject({
      code: 'NOT_RUNNING',
      message: `no Ollama answers at http://127.0.0.1:${port}`,
    });
    await expect(app.handle('engines:models', { engine: 'nope', url: 'http://127.0.0.1:1' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
