/** Load levels on the command line: flag errors through the real `spectune` process, and how a multi-level report prints. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { formatReport } from '../src/cli/output';
import { buildReport } from '../src/shared/report-builder';
import { input, measurements } from './helpers/load-levels';

const BIN = resolve(import.meta.dirname, '..', 'bin', 'spectune.js');
const run = (args: string[]) => execa(process.execPath, [BIN, ...args], { reject: false, env: { NO_COLOR: '1' }, timeout: 120_000 });

describe('spectune sweep --concurrency / --target-concurrency', () => {
  it.each([
    [['--concurrency', '0'], /--concurrency: concurrency must be a whole number from 1 to 1024.*\(got 0\)/],
    [['--concurrency', '1,-1'], /--concurrency: concurrency must be a whole number from 1 to 1024.*\(got -1\)/],
    [['--concurrency=-1'], /--concurrency: .*\(got -1\)/],
    [['--concurrency', '1,1.5'], /--concurrency: concurrency must be a whole number .*\(got 1\.5\)/],
    [['--concurrency', '2000'], /--concurrency: concurrency above 1024 .*give at most 1024 \(got 2000\)/],
    [['--concurrency', '1,8,8'], /--concurrency: each concurrency level only once/],
    [['--concurrency', '1,eight'], /--concurrency.*"eight" is not a number/],
    [['--concurrency', '1,8,32', '--target-concurrency', '16'], /--target-concurrency: target concurrency 16 is not among the measured levels \(1,8,32\)/],
    [['--target-concurrency', '8'], /--target-concurrency: target concurrency 8 is not among the measured levels \(1\)/],
  ])('refuses %j with exit 2, naming the flag, before anything starts', async (flags, message) => {
    const r = await run(['sweep', '--demo', ...flags]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/Server Status Check|starting-server/);
  });

  it('exports a multi-level report with the level of each row and the per-level table (spectune report --format md)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spectune-levels-'));
    const file = join(dir, 'levels.json');
    writeFileSync(file, JSON.stringify(buildReport(input([1, 32], measurements([1, 32]), { target: 32 }))));
    const md = await run(['report', file, '--format', 'md']);
    expect(md.exitCode).toBe(0);
    // At 32 in flight no speculation wins: said for that level, with the level picks beside it.
    expect(md.stdout).toMatch(/### Speculation did not pay: keep it off\./);
    expect(md.stdout).toMatch(/With 32 requests in flight, the best setting with speculation, 3 draft tokens, ran at 9\d\d\.\d tok\/s in all against 12\d\d\.\d tok\/s/);
    expect(md.stdout).toMatch(/Best k by load: 1 in flight: k = 3; 32 in flight: no speculation \(k = 0\)\./);
    expect(md.stdout).toMatch(/\*\*Best k per load level\*\*/);
    expect(md.stdout).toMatch(/\| 1 \| k = 3 \|/);
    expect(md.stdout).toMatch(/\| 32 ★ \| no speculation \(k = 0\) \|/);
    // The recommended row is k = 0 at 32 only; k = 3 is marked as level 1's best, not as the recommendation.
    const rows = md.stdout.split('\n').filter((l) => l.startsWith('| No speculation') || l.startsWith('| k = 3'));
    expect(rows.filter((l) => l.includes('★'))).toEqual([expect.stringMatching(/^\| No speculation \| 32 \|/)]);
    expect(rows.find((l) => /^\| k = 3 \| 1 \|/.test(l))).toMatch(/best at 1 in flight/);
    const csv = await run(['report', file, '--format', 'csv']);
    const lines = csv.stdout.trim().split('\r\n');
    const header = lines[0].split(',');
    const rec = lines.slice(1).map((l) => l.split(',')).filter((c) => c[header.indexOf('recommended')] === 'true');
    expect(rec.map((c) => [c[header.indexOf('k')], c[header.indexOf('concurrency')]])).toEqual([['0', '32']]);
  });
});

describe('the terminal report over load levels', () => {
  it('prints a block per level, the per-level picks, and the one-k fallback with its cost elsewhere', () => {
    process.env.NO_COLOR = '1';
    const out = stripVTControlCharacters(formatReport(buildReport(input([1, 32], measurements([1, 32]))), 'r.json'));
    expect(out).toMatch(/One request at a time \(1 in flight\)/);
    expect(out).toMatch(/32 requests in flight/);
    expect(out).toMatch(/TTFT p50\/p99/);
    expect(out).toMatch(/Best k per load level/);
    expect(out).toMatch(/One k for 1 in flight:.* k=3/);
    expect(out).toMatch(/At 32 in flight k=3 is 2\d% slower than k=0/);
  });

  it('prints a confirmed schedule with its startup line, and marks unstable cells', () => {
    const swing = (k: number, level: number, round: number) => (k === 5 && level === 32 ? [1, 1.4, 0.6][round] : 1);
    const report = buildReport(
      input([1, 32], measurements([1, 32], { noise: swing }), {
        scheduleCheck: { entries: [[1, 31, 3], [32, 32, 0]], numSpeculativeTokens: 3, outcome: 'confirmed', note: 'held up at every level', argv: ['vllm', 'serve', 'm'], command: 'vllm serve m --speculative-config …' },
      }),
    );
    const out = stripVTControlCharacters(formatReport(report, 'r.json'));
    expect(out).toMatch(/Per-batch-size schedule \(confirmed\): 1–31 in flight: k=3, 32 in flight: k=0; num_speculative_tokens = 3/);
    // The confirmed schedule's line is the recommended startup command (printed once, not twice).
    expect(out).toMatch(/Startup command:\nvllm serve m --speculative-config …/);
    expect(out).not.toMatch(/Startup command with the schedule/);
    expect(report.recommendation?.argv).toEqual(['vllm', 'serve', 'm']);
    expect(out).not.toMatch(/One k for/);
    expect(out).toMatch(/unstable/);
  });
});
