import { mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeKept, fileStamp, keepPreviousRun, startRunFiles } from '../src/core/report-keeper';
import { readMeasurementLog } from './helpers/measurement-log';

const scratch = () => mkdtempSync(join(tmpdir(), 'spectune-keep-'));
const report = (createdAt: string, status = 'complete') => JSON.stringify({ tool: { name: 'spectune', version: '0' }, createdAt, status }) + '\n';
const logOf = (at: string) => JSON.stringify({ type: 'start', at, plan: {} }) + '\n';

describe('keepPreviousRun', () => {
  it('stamps names with the run time, legal on every filesystem', () => {
    expect(fileStamp('2026-12-01T22:13:13.123Z')).toBe('2026-12-01T22-13-13Z');
  });

  it('renames the previous report and its log beside them, under the time of the run that wrote them', async () => {
    const dir = scratch();
    const out = join(dir, 'test_results.json');
    writeFileSync(out, report('2026-11-30T10:00:00.000Z'));
    writeFileSync(join(dir, 'test_results.jsonl'), logOf('2026-11-30T10:00:00.000Z'));
    const kept = await keepPreviousRun(out);
    expect(kept).toEqual({
      report: { from: out, to: join(dir, 'test_results.2026-11-30T10-00-00Z.json') },
      log: { from: join(dir, 'test_results.jsonl'), to: join(dir, 'test_results.2026-11-30T10-00-00Z.jsonl') },
    });
    expect(readdirSync(dir).sort()).toEqual(['test_results.2026-11-30T10-00-00Z.json', 'test_results.2026-11-30T10-00-00Z.jsonl']);
    expect(readFileSync(kept!.report!.to, 'utf8')).toBe(report('2026-11-30T10:00:00.000Z'));
    expect(describeKept(kept!)).toBe(`Kept the previous run's report as ${kept!.report!.to} and its log as ${kept!.log!.to}.`);
  });

  it('never overwrites a kept file: a second report of the same time gets its own name', async () => {
    const dir = scratch();
    const out = join(dir, 'r.json');
    writeFileSync(out, report('2026-11-30T10:00:00.000Z', 'partial'));
    await keepPreviousRun(out);
    writeFileSync(out, report('2026-11-30T10:00:00.000Z'));
    const kept = await keepPreviousRun(out);
    expect(kept?.report?.to).toBe(join(dir, 'r.2026-11-30T10-00-00Z-2.json'));
    expect(readdirSync(dir).sort()).toEqual(['r.2026-11-30T10-00-00Z-2.json', 'r.2026-11-30T10-00-00Z.json']);
  });

  it('keeps a lone log (a run killed before its first report) by its start time, or its mtime when torn', async () => {
    const dir = scratch();
    const out = join(dir, 'r.json');
    writeFileSync(join(dir, 'r.jsonl'), logOf('2026-11-29T08:30:00.000Z'));
    expect(await keepPreviousRun(out)).toEqual({ report: null, log: { from: join(dir, 'r.jsonl'), to: join(dir, 'r.2026-11-29T08-30-00Z.jsonl') } });
    writeFileSync(join(dir, 'r.jsonl'), '{"type":"sta');
    utimesSync(join(dir, 'r.jsonl'), new Date('2026-11-28T07:00:00Z'), new Date('2026-11-28T07:00:00Z'));
    expect((await keepPreviousRun(out))?.log?.to).toBe(join(dir, 'r.2026-11-28T07-00-00Z.jsonl'));
  });

  it('has nothing to keep in an empty folder', async () => {
    expect(await keepPreviousRun(join(scratch(), 'r.json'))).toBeNull();
  });
});

describe('startRunFiles', () => {
  it('keeps the previous run first, then opens a new log whose lines name the new run', async () => {
    const dir = scratch();
    const out = join(dir, 'r.json');
    writeFileSync(out, report('2026-11-30T10:00:00.000Z'));
    writeFileSync(join(dir, 'r.jsonl'), logOf('2026-11-30T10:00:00.000Z'));
    const { log, runId, kept } = await startRunFiles(out);
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(kept?.report?.to).toBe(join(dir, 'r.2026-11-30T10-00-00Z.json'));
    await log.append({ type: 'start', at: '2026-12-01T00:00:00.000Z', plan: {} });
    await log.close();
    const { records } = await readMeasurementLog(join(dir, 'r.jsonl'));
    expect(records).toEqual([{ type: 'start', at: '2026-12-01T00:00:00.000Z', plan: {}, runId }]);
    // The kept log is the old one, whole.
    expect(readFileSync(join(dir, 'r.2026-11-30T10-00-00Z.jsonl'), 'utf8')).toBe(logOf('2026-11-30T10:00:00.000Z'));
  });
});
