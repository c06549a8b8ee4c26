/**
 * A run SpecTune launches checks its command first, with the engine's own detection: a command
 * that is not there, or is not the engine, is refused in the app's words before History gets a
 * row, and a command too long to start says so instead of "exit code undefined".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppServices, type AppServices } from '../src/core/app-services';

let dir: string;
let services: AppServices;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spectune-cmd-'));
  services = createAppServices({ dataDir: dir, mode: 'browser', emit: () => undefined });
});

afterAll(async () => {
  await services?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const plan = (command: string[]) => ({
  mode: 'managed',
  server: { engine: 'vllm', command, model: 'm', method: 'ngram', numSpeculativeTokens: 0, port: 18_431 },
  tokens: [0, 3],
  promptTypes: ['code'],
  systemPrompts: ['direct'],
  repeats: 1,
  maxTokens: 8,
});

/** What the app shows: the message and the hint, never the CLI's advice. */
function expectAppWords(e: { message: string; hint?: string }) {
  const text = `${e.message} ${e.hint ?? ''}`;
  expect(text).toMatch(/Use the simulator/);
  expect(text).toMatch(/choose the file that starts vLLM/);
  expect(text).not.toMatch(/spectune |--demo|undefined|pip install/);
}

describe('a bad Command is refused before the run', () => {
  it('a program that is not installed: named, with the fix in the app’s terms, and no History row', async () => {
    const err = await services.handle('sweep:start', plan(['abc-spectune-missing'])).catch((e: unknown) => e as { code: string; message: string; hint?: string });
    expect(err).toMatchObject({ code: 'COMMAND_NOT_FOUND', message: expect.stringMatching(/^"abc-spectune-missing" does not start vLLM: no program by that name is installed here/) });
    expectAppWords(err as { message: string; hint?: string });
    expect(await services.handle('history:list', {})).toEqual([]);
    // Nothing holds the run slot: the next try is checked again.
    await expect(services.handle('sweep:start', plan(['abc-spectune-missing']))).rejects.toMatchObject({ code: 'COMMAND_NOT_FOUND' });
  });

  it('a program that is not the engine: its own detection says so', async () => {
    const err = (await services.handle('sweep:start', plan(['true'])).catch((e: unknown) => e)) as { code: string; message: string; hint?: string };
    expect(err.code).toBe('VERSION_UNKNOWN');
    expect(err.message).toMatch(/^"true" does not answer as vLLM does/);
    expectAppWords(err);
    expect(await services.handle('history:list', {})).toEqual([]);
  });

  it('a 5,000-character command is shortened in the message and never reads "exit code undefined"', async () => {
    const long = `/${'x'.repeat(5000)}`;
    const err = (await services.handle('sweep:start', plan([long])).catch((e: unknown) => e)) as { code: string; message: string; hint?: string };
    expect(err.code).toBe('COMMAND_NOT_FOUND');
    expect(err.message.length).toBeLessThan(300);
    expect(err.message).toMatch(/5001 characters/);
    expectAppWords(err);
  });
});
