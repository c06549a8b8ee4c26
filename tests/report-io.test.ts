import { execaSync } from 'execa';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assertReportPath, ensureFolder, MeasurementLog, writeFileAtomic, writeReport } from '../src/core/report-io';
import { readMeasurementLog } from './helpers/measurement-log';
import type { Report } from '../src/shared/schemas';
import { canMountTmpfs, mountTmpfs, type Tmpfs } from './helpers/tmpfs';

const scratch = () => mkdtempSync(join(tmpdir(), 'spectune-io-'));

/** Enough of a report for the writer (it only serialises) and for "is this a SpecTune report?". */
const fakeReport = (createdAt: string, padding = 0) => ({ tool: { name: 'spectune', version: '0' }, createdAt, padding: 'x'.repeat(padding) }) as unknown as Report;

const mounts: Tmpfs[] = [];
afterEach(() => {
  for (const m of mounts.splice(0)) m.unmount();
});
const tmpfs = (sizeKb: number, readOnly = false) => {
  const m = mountTmpfs({ sizeKb, readOnly });
  mounts.push(m);
  return m.dir;
};

describe('writeReport', () => {
  it('turns a folder that cannot be made into an IO_ERROR naming the path', async () => {
    const dir = scratch();
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const target = join(blocker, 'sub', 'test_results.json');
    await expect(writeReport(target, {} as Report)).rejects.toMatchObject({ code: 'IO_ERROR', message: expect.stringContaining(target) });
  });

  it('replaces the report whole and leaves no temp file', async () => {
    const dir = scratch();
    const path = join(dir, 'r.json');
    await writeReport(path, fakeReport('a'));
    await writeReport(path, fakeReport('b', 200_000));
    expect(JSON.parse(readFileSync(path, 'utf8')).createdAt).toBe('b');
    expect(readdirSync(dir)).toEqual(['r.json']);
  });
});

describe.runIf(canMountTmpfs)('a full disk (real 40 KB tmpfs)', () => {
  it('leaves the last good report untouched, removes the temp file and says the disk is full', async () => {
    const dir = tmpfs(40);
    const path = join(dir, 'test_results.json');
    await writeReport(path, fakeReport('first'));
    const before = readFileSync(path, 'utf8');
    // Bigger than the disk: the kernel writes what fits (a short write), then refuses.
    await expect(writeReport(path, fakeReport('second', 120_000))).rejects.toMatchObject({
      code: 'IO_ERROR',
      message: `the disk is full writing ${path}`,
    });
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(readdirSync(dir)).toEqual(['test_results.json']);
  });

  it('writeFileAtomic never renames a short write into place', async () => {
    const dir = tmpfs(40);
    const path = join(dir, 'data.txt');
    await expect(writeFileAtomic(path, 'y'.repeat(60_000))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keeps the measurement log as far as it got, in whole lines', async () => {
    const dir = tmpfs(40);
    const path = join(dir, 'r.jsonl');
    const log = await MeasurementLog.create(path, 'run-1');
    let appended = 0;
    let failure: unknown = null;
    for (let i = 0; i < 100 && !failure; i++) {
      try {
        await log.append({ type: 'config', numSpeculativeTokens: i, failed: true, error: 'e'.repeat(3000) });
        appended++;
      } catch (err) {
        failure = err;
      }
    }
    await log.close();
    expect(failure).toMatchObject({ code: 'IO_ERROR', message: `the disk is full writing ${path}` });
    expect(appended).toBeGreaterThan(3);
    const text = readFileSync(path, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(appended);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ type: 'config', runId: 'run-1' });
  });
});

describe('assertReportPath', () => {
  it('creates a missing folder and leaves nothing else in it', async () => {
    const dir = scratch();
    const path = join(dir, 'a', 'b', 'test_results.json');
    await assertReportPath(path);
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual([]);
  });

  it('refuses a folder under /proc at once instead of spinning in mkdir', async () => {
    const t0 = performance.now();
    await expect(ensureFolder('/proc/spectune-no-such/sub')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(assertReportPath('/proc/spectune-no-such/r.json')).rejects.toMatchObject({
      code: 'IO_ERROR',
      message: 'cannot create the folder /proc/spectune-no-such: this location does not accept new files or folders',
      hint: expect.stringContaining('choose a folder you can write to'),
    });
    await expect(assertReportPath('/proc/r.json')).rejects.toMatchObject({ message: expect.stringContaining('cannot write in the folder /proc') });
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('refuses /dev/null and a FIFO: neither is a report file', async () => {
    await expect(assertReportPath('/dev/null')).rejects.toMatchObject({ message: 'the report path /dev/null is not a regular file' });
    const fifo = join(scratch(), 'r.json');
    execaSync('mkfifo', [fifo]);
    await expect(assertReportPath(fifo)).rejects.toMatchObject({ message: `the report path ${fifo} is not a regular file` });
  });

  it('refuses to replace a file that is not a SpecTune report, accepts an earlier report', async () => {
    const dir = scratch();
    const other = join(dir, 'package.json');
    writeFileSync(other, '{"name":"mine"}');
    await expect(assertReportPath(other)).rejects.toMatchObject({ message: `${other} exists and is not a SpecTune report, so the sweep will not replace it` });
    const earlier = join(dir, 'test_results.json');
    writeFileSync(earlier, JSON.stringify(fakeReport('2026-01-01T00:00:00.000Z')));
    await expect(assertReportPath(earlier)).resolves.toBeUndefined();
  });

  it('gives up after its deadline instead of waiting on the disk', async () => {
    await expect(assertReportPath(join(scratch(), 'r.json'), 0)).rejects.toMatchObject({ message: expect.stringMatching(/^the folder .* did not answer within 0 s$/) });
  });

  it.runIf(canMountTmpfs)('names a read-only disk and the folder', async () => {
    const dir = tmpfs(40, true);
    await expect(assertReportPath(join(dir, 'missing', 'r.json'))).rejects.toMatchObject({
      message: `cannot create the folder ${join(dir, 'missing')}: the disk is read-only`,
    });
    await expect(assertReportPath(join(dir, 'r.json'))).rejects.toMatchObject({ message: `cannot write in the folder ${dir}: the disk is read-only` });
  });
});

describe('MeasurementLog', () => {
  it('names its run on every line and never truncates an existing log', async () => {
    const dir = scratch();
    const path = join(dir, 'r.jsonl');
    const log = await MeasurementLog.create(path, 'run-42');
    await log.append({ type: 'start', at: '2026-01-01T00:00:00.000Z', plan: {} });
    await log.append({ type: 'end', at: '2026-01-01T00:01:00.000Z', status: 'complete' });
    await log.close();
    const { records } = await readMeasurementLog(path);
    expect(records.map((r) => [r.type, r.runId])).toEqual([
      ['start', 'run-42'],
      ['end', 'run-42'],
    ]);
    await expect(MeasurementLog.create(path, 'run-43')).rejects.toMatchObject({ code: 'IO_ERROR' });
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
  });
});

describe('writeReport under SIGKILL', () => {
  it('a kill -9 at any moment of a rewrite leaves a complete report (the previous or the new one), never half of one', async () => {
    const { execa } = await import('execa');
    const dir = scratch();
    const path = join(dir, 'test_results.json');
    const runTs = join(import.meta.dirname, '..', 'bin', 'run-ts.js');
    const writer = join(import.meta.dirname, 'fixtures', 'write-reports-forever.ts');
    for (let round = 0; round < 4; round++) {
      const child = execa(process.execPath, [runTs, writer, path], { reject: false, stdout: 'pipe' });
      // After the first complete write, kill at a different moment of the rewrite loop each round.
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      await new Promise((r) => setTimeout(r, 15 + round * 37));
      child.kill('SIGKILL');
      await child;
      const parsed = JSON.parse(readFileSync(path, 'utf8'));
      expect(parsed.createdAt).toMatch(/^write-\d+$/);
      expect(parsed.padding.length).toBeGreaterThanOrEqual(3_000_000);
    }
  }, 60_000);
});

describe('MeasurementLog whose name goes during the run', () => {
  it('writes every line again under its name (its folder made again), says so, and goes on appending there', async () => {
    const dir = join(scratch(), 'out');
    const path = join(dir, 'r.jsonl');
    const log = await MeasurementLog.create(path, 'run-1');
    const told: string[] = [];
    log.onRecreated = (p) => told.push(p);
    await log.append({ type: 'start', at: 'now', plan: {} });
    await log.append({ type: 'end', at: 'later', status: 'partial' });
    expect(told).toEqual([]);
    rmSync(dir, { recursive: true });
    await log.append({ type: 'end', at: 'last', status: 'complete' });
    await log.close();
    expect(told).toEqual([path]);
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.at)).toEqual(['now', 'later', 'last']);
    expect(lines.every((l) => l.runId === 'run-1')).toBe(true);
  });

  it('never writes over a file that took its name meanwhile', async () => {
    const dir = scratch();
    const path = join(dir, 'r.jsonl');
    const log = await MeasurementLog.create(path);
    await log.append({ type: 'start', at: 'now', plan: {} });
    rmSync(path);
    writeFileSync(path, 'someone else\n');
    await expect(log.append({ type: 'end', at: 'x', status: 'complete' })).rejects.toThrow(/measurement log/);
    await log.close();
    expect(readFileSync(path, 'utf8')).toBe('someone else\n');
  });
});
