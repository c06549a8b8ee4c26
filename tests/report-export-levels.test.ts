/** Exports of a report measured under load: the per-level table, the schedule, the level of the recommended row. */
import { describe, expect, it } from 'vitest';
import { buildReport } from '../src/shared/report-builder';
import { reportToCsv, reportToHtml, summarizeReport } from '../src/shared/report-export';
import { input, measurements } from './helpers/load-levels';

const schedule = (outcome: 'confirmed' | 'not-run') => ({
  entries: [[1, 31, 3], [32, 32, 0]] as [number, number, number][],
  numSpeculativeTokens: 3,
  outcome,
  note: 'vLLM applies the last K to every larger batch',
  argv: ['vllm', 'serve', 'm'],
  command: 'vllm serve m --speculative-config SCHEDULED',
});

describe('exports over load levels', () => {
  it('HTML: a per-level table with the recommended level highlighted, and a confirmed schedule with its command', () => {
    const html = reportToHtml(buildReport(input([1, 32], measurements([1, 32]), { scheduleCheck: schedule('confirmed') })));
    const section = /<section id="by-load">[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    expect(section).toMatch(/<tr class="best"><th scope="row">1<\/th><td class="text">k = 3/);
    expect(section).toMatch(/<th scope="row">32<\/th><td class="text">no speculation \(k = 0\)/);
    expect(section).toMatch(/1–31 in flight: k = 3; 32 and more in flight: no speculation/);
    expect(section).toContain('vllm serve m --speculative-config SCHEDULED');
    // One "★ recommended" row: k = 3 at level 1, not k = 3 at 32 as well.
    expect(html.match(/★ recommended/g)).toHaveLength(1);
    expect(html).toContain('best at 32 in flight');
  });

  it('HTML: an unconfirmed schedule gives no command to run', () => {
    const html = reportToHtml(buildReport(input([1, 32], measurements([1, 32]), { scheduleCheck: schedule('not-run') })));
    expect(html).toMatch(/not measured with the schedule on/);
    expect(html).not.toContain('SCHEDULED');
  });

  it('a single-level report has no per-level section and no level in its labels', () => {
    const report = buildReport(input([1], measurements([1])));
    const html = reportToHtml(report);
    expect(html).not.toContain('id="by-load"');
    expect(html).not.toMatch(/1 parallel|Parallel requests/);
    expect(summarizeReport(report).details.join(' ')).not.toMatch(/Best k by load/);
  });

  it('CSV: the level, score, stability and latency percentiles of every row', () => {
    const [head, ...rows] = reportToCsv(buildReport(input([1, 32], measurements([1, 32])))).trim().split('\r\n').map((l) => l.split(','));
    const col = (name: string) => head.indexOf(name);
    for (const name of ['concurrency', 'aggregate_tokens_per_second', 'conservative_score', 'unstable', 'ttft_p99_seconds', 'itl_p99_seconds']) expect(col(name)).toBeGreaterThan(-1);
    const at32 = rows.filter((r) => r[col('concurrency')] === '32');
    expect(at32).toHaveLength(3);
    expect(at32.every((r) => Number(r[col('ttft_p50_seconds')]) === 0.4 && r[col('unstable')] === 'false')).toBe(true);
  });
});
