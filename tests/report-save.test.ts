/**
 * report:save in the app: the file comes only from the (stand-in) native dialog, a file
 * that is not a SpecTune report is never overwritten, and browser mode takes no path.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppServices, type AppServices } from '../src/core/app-services';
import { ReportSchema } from '../src/shared/schemas';
import { freePort, until } from './helpers/processes';

let dir: string;
let services: AppServices;
let runId: string;
let dialogAnswer: string | null = null;
const dialogs: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spectune-save-'));
  let done = false;
  services = createAppServices({
    dataDir: dir,
    mode: 'electron',
    emit: (channel) => {
      if (channel === 'sweep:done') done = true;
    },
    engineCommands: { vllm: ['spectune-no-such-vllm'] },
    saveDialog: async (defaultPath) => {
      dialogs.push(defaultPath);
      return dialogAnswer;
    },
  });
  // Any run will do: attached to nothing, it fails at once but leaves a report.
  const plan = { mode: 'attached', url: `http://127.0.0.1:${await freePort()}`, tokens: [0], promptTypes: ['code'], systemPrompts: ['direct'], repeats: 1, maxTokens: 8, warmup: false };
  runId = (await services.handle('sweep:start', plan)).runId;
  await until(() => done, 30_000);
});

afterAll(async () => {
  await services?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('report:save', () => {
  it('takes no path from the caller: only the dialog names the file', async () => {
    await expect(services.handle('report:save', { runId, path: join(dir, 'x.json') })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/Unrecognized key.*path/) });
    dialogAnswer = join(dir, 'out', 'test_results.json');
    const r = await services.handle('report:save', { runId });
    expect(r).toEqual({ path: dialogAnswer });
    expect(dialogs.at(-1)).toMatch(new RegExp(`test_results-${runId}\\.json$`));
    expect(ReportSchema.parse(JSON.parse(readFileSync(dialogAnswer, 'utf8'))).measurements).toEqual([]);
    // Saving over a SpecTune report (the same one, or an older one) is allowed.
    expect(await services.handle('report:save', { runId })).toEqual({ path: dialogAnswer });
  });

  it('refuses to overwrite a file that is not a SpecTune report, and leaves it as it was', async () => {
    // The real presets file, as the app writes it: the attack overwrote exactly this one.
    await services.handle('presets:save', { name: 'Mine', settings: { command: ['vllm'], model: 'm', method: 'ngram', numSpeculativeTokens: 3 } });
    const presets = join(dir, 'presets.json');
    const before = readFileSync(presets, 'utf8');
    expect(before).toContain('"Mine"');
    for (const [file, content] of [
      [presets, before],
      [join(dir, 'notes.json'), '{"hello": "world"}'],
      [join(dir, 'broken.json'), '{ not json'],
    ] as const) {
      writeFileSync(file, content);
      dialogAnswer = file;
      await expect(services.handle('report:save', { runId })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        message: `${file} exists and is not a SpecTune report; SpecTune only replaces its own reports`,
      });
      expect(readFileSync(file, 'utf8')).toBe(content);
    }
    dialogAnswer = dir;
    await expect(services.handle('report:save', { runId })).rejects.toMatchObject({ message: expect.stringContaining('is not a file') });
  });

  it('a cancelled dialog writes nothing; a folder that cannot be made says what to do in the app', async () => {
    dialogAnswer = null;
    expect(await services.handle('report:save', { runId })).toEqual({ path: null });
    writeFileSync(join(dir, 'secret.txt'), 'x');
    dialogAnswer = join(dir, 'secret.txt', 'report.json');
    await expect(services.handle('report:save', { runId })).rejects.toMatchObject({
      code: 'IO_ERROR',
      message: expect.stringContaining('cannot write the report to'),
      hint: expect.stringMatching(/folder you can write to/),
    });
    expect(existsSync(dialogAnswer)).toBe(false);
  });
});

describe('report:save in browser mode', () => {
  it('is refused before anything is written: the page downloads the report instead', async () => {
    const d = mkdtempSync(join(tmpdir(), 'spectune-save-browser-'));
    const svc = createAppServices({ dataDir: d, mode: 'browser', emit: () => {}, engineCommands: { vllm: ['spectune-no-such-vllm'] } });
    try {
      await expect(svc.handle('report:save', { runId: 'any' })).rejects.toMatchObject({ code: 'INVALID_INPUT', hint: expect.stringMatching(/Download/) });
    } finally {
      await svc.dispose();
      rmSync(d, { recursive: true, force: true });
    }
  });
});
