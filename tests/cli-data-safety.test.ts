/**
 * Data safety of `spectune sweep`, as a user meets it: real CLI processes, the
 * simulator as the server, real (tiny, read-only) filesystems, real signals.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { ReportSchema } from '../src/shared/schemas';
import { freePort, liveProcesses, until } from './helpers/processes';
import { canMountTmpfs, mountTmpfs, type Tmpfs } from './helpers/tmpfs';

const BIN = resolve(import.meta.dirname, '..', 'bin', 'spectune.js');
const run = (args: string[]) => execa(process.execPath, [BIN, ...args], { reject: false, env: { NO_COLOR: '1' }, timeout: 120_000 });
const scratch = () => mkdtempSync(join(tmpdir(), 'spectune-safe-'));
/** One prompt, one system prompt, one repeat: a sweep of a few seconds. */
const SMALL = ['--prompt-types', 'code', '--system-prompts', 'empty', '--repeats', '1', '--max-tokens', '16'];
/** A Node stack trace line: what a user must never be shown for a disk problem. */
const STACK = /^\s+at .+[:(]/m;

const mounts: Tmpfs[] = [];
afterEach(() => {
  for (const m of mounts.splice(0)) m.unmount();
});

/** Pids of every live process in the group of a server launched with `--port PORT` (the simulator and its engine child). */
function launchedOnPort(port: number): number[] {
  const procs = liveProcesses();
  const groups = new Set(procs.filter((p) => p.pid === p.pgid && p.cmd.includes(`--port ${port}`)).map((p) => p.pgid));
  return procs.filter((p) => groups.has(p.pgid)).map((p) => p.pid);
}


const jsonLines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; runId?: string; status?: string });

describe('a new sweep never destroys the last report', () => {
  it('keeps a complete report and its log aside when the next sweep into the same file measures nothing', async () => {
    const dir = scratch();
    const out = join(dir, 'test_results.json');
    const first = await run(['sweep', '--demo', '--tokens', '0,3', ...SMALL, '--out', out]);
    expect(first.exitCode).toBe(0);
    const firstText = readFileSync(out, 'utf8');
    const firstLog = readFileSync(join(dir, 'test_results.jsonl'), 'utf8');
    const firstReport = ReportSchema.parse(JSON.parse(firstText));
    expect(firstReport.status).toBe('complete');
    expect(firstReport.runId).toBeTruthy();
    expect(jsonLines(join(dir, 'test_results.jsonl')).every((l) => l.runId === firstReport.runId)).toBe(true);

    // The server dies at start-up: nothing is measured.
    const second = await run(['sweep', '--demo', '--tokens', '0', ...SMALL, '--out', out, '--extra-args', '--sim-fail-startup']);
    expect(second.exitCode).toBe(1);
    const stamp = firstReport.createdAt.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
    const keptReport = join(dir, `test_results.${stamp}.json`);
    const keptLog = join(dir, `test_results.${stamp}.jsonl`);
    expect(second.stderr).toContain(`Kept the previous run's report as ${keptReport} and its log as ${keptLog}.`);
    expect(readFileSync(keptReport, 'utf8')).toBe(firstText);
    expect(readFileSync(keptLog, 'utf8')).toBe(firstLog);
    // The new files are a pair of their own, and say so.
    const secondReport = ReportSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    expect(secondReport.runId).toBeTruthy();
    expect(secondReport.runId).not.toBe(firstReport.runId);
    expect(jsonLines(join(dir, 'test_results.jsonl')).map((l) => l.runId)).toEqual(expect.arrayContaining([secondReport.runId]));
    expect(new Set(jsonLines(join(dir, 'test_results.jsonl')).map((l) => l.runId))).toEqual(new Set([secondReport.runId]));
  }, 120_000);

  it('after SIGKILL, an old report never sits beside the new log as if they were a pair', async () => {
    const dir = scratch();
    const out = join(dir, 'r.json');
    const old = { schemaVersion: 1, tool: { name: 'spectune', version: '0.1.0' }, createdAt: '2026-11-30T10:00:00.000Z', runId: 'old-run', status: 'complete' };
    writeFileSync(out, JSON.stringify(old));
    const port = await freePort();
    // A slow start-up: the CLI is killed while the new log exists and its first report does not.
    const child = run(['sweep', '--demo', '--port', String(port), '--tokens', '0', ...SMALL, '--out', out, '--extra-args', '--sim-startup-ms 20000']);
    try {
      await until(() => existsSync(join(dir, 'r.jsonl')) && readFileSync(join(dir, 'r.jsonl'), 'utf8').includes('"type":"start"'), 60_000);
      child.kill('SIGKILL');
      await child;
      expect(existsSync(out)).toBe(false);
      expect(JSON.parse(readFileSync(join(dir, 'r.2026-11-30T10-00-00Z.json'), 'utf8'))).toEqual(old);
      const [start] = jsonLines(join(dir, 'r.jsonl'));
      expect(start.type).toBe('start');
      expect(start.runId).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      child.kill('SIGKILL');
      for (const pid of launchedOnPort(port)) process.kill(pid, 'SIGKILL');
    }
  }, 120_000);
});

describe('an --out that cannot be written is refused before any server starts, in words', () => {
  it('under /proc: a plain message at once, no spinning', async () => {
    const t0 = performance.now();
    const r = await run(['sweep', '--demo', '--tokens', '0', ...SMALL, '--out', '/proc/spectune-nowhere/r.json']);
    expect(performance.now() - t0).toBeLessThan(30_000);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('spectune: cannot create the folder /proc/spectune-nowhere: this location does not accept new files or folders');
    expect(r.stderr).toContain('choose a folder you can write to');
    expect(r.stderr).not.toMatch(/starting-server|unexpected error/);
    expect(r.stderr).not.toMatch(STACK);
  }, 60_000);

  it.runIf(canMountTmpfs)('a missing folder on a read-only disk', async () => {
    const ro = mountTmpfs({ sizeKb: 40, readOnly: true });
    mounts.push(ro);
    const r = await run(['sweep', '--demo', '--tokens', '0', ...SMALL, '--out', join(ro.dir, 'missing', 'r.json')]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`spectune: cannot create the folder ${join(ro.dir, 'missing')}: the disk is read-only`);
    expect(r.stderr).not.toMatch(/starting-server|unexpected error/);
    expect(r.stderr).not.toMatch(STACK);
  }, 60_000);
});

describe.runIf(canMountTmpfs)('a full disk (a real 40 KB tmpfs)', () => {
  it('exits 1 with a plain message, leaves no invalid JSON, keeps the log in whole lines and no server running', async () => {
    const disk = mountTmpfs({ sizeKb: 40 });
    mounts.push(disk);
    const out = join(disk.dir, 'test_results.json');
    const port = await freePort();
    // About 20 KB of log per configuration: the disk fills during the second or third.
    const r = await run(['sweep', '--demo', '--port', String(port), '--tokens', '0,3,5', '--repeats', '1', '--max-tokens', '16', '--out', out]);
    try {
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/spectune: the disk is full writing .*test_results\.jsonl?\n/);
      expect(r.stderr).not.toMatch(/unexpected error/);
      expect(r.stderr).not.toMatch(STACK);
      // Only the report and its log: no temp file left behind.
      expect(readdirSync(disk.dir).sort()).toEqual(['test_results.json', 'test_results.jsonl']);
      const report = ReportSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
      expect(report.measurements.length).toBeGreaterThan(0);
      const lines = jsonLines(join(disk.dir, 'test_results.jsonl'));
      expect(lines[0].type).toBe('start');
      expect(lines.filter((l) => l.type === 'measurement').length).toBeGreaterThanOrEqual(report.measurements.length);
      expect(launchedOnPort(port)).toEqual([]);
    } finally {
      for (const pid of launchedOnPort(port)) process.kill(pid, 'SIGKILL');
    }
  }, 120_000);
});

describe('the folder of --out removed during a run', () => {
  it('is noticed and recreated: the report and the whole measurement log are written again, and the user is told', async () => {
    const dir = join(scratch(), 'out');
    const out = join(dir, 'r.json');
    const jsonl = join(dir, 'r.jsonl');
    const child = run(['sweep', '--demo', '--tokens', '0,3', '--repeats', '3', '--prompt-types', 'code,creative', '--system-prompts', 'empty', '--max-tokens', '16', '--out', out]);
    try {
      await until(() => existsSync(jsonl) && readFileSync(jsonl, 'utf8').includes('"type":"measurement"'), 60_000);
      rmSync(dir, { recursive: true, force: true });
      const r = await child;
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toContain(`${dir} was removed during the run`);
      const report = ReportSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
      const lines = jsonLines(jsonl);
      // Every line, the ones written before the folder went included: start, each measurement, configs, end.
      expect(lines[0]).toMatchObject({ type: 'start', runId: report.runId });
      expect(lines.filter((l) => l.type === 'measurement')).toHaveLength(report.measurements.length);
      expect(lines.at(-1)).toMatchObject({ type: 'end', status: 'complete', runId: report.runId });
    } finally {
      child.kill('SIGKILL');
    }
  }, 120_000);
});

describe('two Ctrl-C in a row still finish the report', () => {
  it.each([
    // At once: one keypress delivered twice (npm forwards the terminal's SIGINT too): taken as one.
    ['at once', 0, []],
    // Later: the server ignores SIGTERM (10 s grace); the second Ctrl-C kills it at once, and the files are still finished.
    ['after a pause', 1500, ['--extra-args', '--sim-ignore-sigterm']],
  ] as const)('second Ctrl-C %s: exit 130, report cancelled with its finish time, the log ends with its end line, no server left', async (_what, gapMs, extra) => {
    const dir = scratch();
    const out = join(dir, 'r.json');
    const jsonl = join(dir, 'r.jsonl');
    const port = await freePort();
    const child = run(['sweep', '--demo', '--port', String(port), '--tokens', '0,3', '--repeats', '20', '--out', out, ...extra]);
    try {
      await until(() => existsSync(jsonl) && readFileSync(jsonl, 'utf8').includes('"type":"measurement"'), 60_000);
      expect(launchedOnPort(port).length).toBeGreaterThanOrEqual(2);
      child.kill('SIGINT');
      if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      const t0 = performance.now();
      child.kill('SIGINT');
      const r = await child;
      expect(performance.now() - t0).toBeLessThan(gapMs > 1000 ? 5000 : 15_000);
      expect(r.exitCode).toBe(130);
      const report = ReportSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
      expect(report.status).toBe('cancelled');
      expect(report.finishedAt).not.toBeNull();
      const lines = jsonLines(jsonl);
      expect(lines.at(-1)).toMatchObject({ type: 'end', status: 'cancelled', runId: report.runId });
      await until(() => launchedOnPort(port).length === 0, 3000);
    } finally {
      child.kill('SIGKILL');
      for (const pid of launchedOnPort(port)) process.kill(pid, 'SIGKILL');
    }
  }, 120_000);
});

describe('a second Ctrl-C is taken unless it is the same keypress delivered twice', () => {
  it.each([
    // The README's promise: a second Ctrl-C stops the server at once, well within a second of the first.
    ['200 ms later', 200, true],
    // Back to back, as one keypress arrives twice: one cancel, no "Stopping now".
    ['back to back', 0, false],
  ] as const)('second SIGINT %s', async (_what, gapMs, taken) => {
    const dir = scratch();
    const out = join(dir, 'r.json');
    const jsonl = join(dir, 'r.jsonl');
    const port = await freePort();
    const child = run(['sweep', '--demo', '--port', String(port), '--tokens', '0,3', '--repeats', '20', '--out', out]);
    try {
      await until(() => existsSync(jsonl) && readFileSync(jsonl, 'utf8').includes('"type":"measurement"'), 60_000);
      child.kill('SIGINT');
      if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      child.kill('SIGINT');
      const r = await child;
      expect(r.exitCode).toBe(130);
      expect(r.stderr).toContain('Cancelling');
      if (taken) expect(r.stderr).toContain('Stopping now');
      else expect(r.stderr).not.toContain('Stopping now');
      await until(() => launchedOnPort(port).length === 0, 5000);
    } finally {
      child.kill('SIGKILL');
      for (const pid of launchedOnPort(port)) process.kill(pid, 'SIGKILL');
    }
  }, 120_000);
});

describe('the final message and exit code follow what the report holds', () => {
  it('a server that crashes after a few requests: no "nothing could be measured", exit 1, the counts of the report', async () => {
    const dir = scratch();
    const out = join(dir, 'r.json');
    // Warm-up plus two measured requests, then the server dies, in every configuration.
    const r = await run(['sweep', '--demo', '--tokens', '0,3', '--prompt-types', 'code', '--system-prompts', 'empty,concise', '--repeats', '2', '--max-tokens', '16', '--out', out, '--extra-args', '--sim-crash-after 3']);
    const report = ReportSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    const ok = report.measurements.filter((m) => m.ok).length;
    expect(ok).toBeGreaterThan(0);
    expect(report.configurations.every((c) => c.failed)).toBe(true);
    expect(report.recommendation).toBeNull();
    expect(r.stdout + r.stderr).not.toContain('nothing could be measured');
    expect(r.stdout).not.toContain('Best Use Case');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`spectune: no configuration finished (baseline: server exited during the measurements`);
    expect(r.stderr).toContain(`${ok} requests succeeded`);
    expect(r.stdout).toContain(`No recommendation: no configuration finished`);
  }, 120_000);
});
