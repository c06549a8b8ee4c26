/**
 * Terminal rendering of a sweep over load levels: one results block per level,
 * the per-level pick table, and the schedule (or the one-k fallback and what
 * that k costs at the other levels). Only used when a report has a level above 1.
 */
import Table from 'cli-table3';
import pc from 'picocolors';
import type { ConfigurationResult, Report } from '../shared/schemas';
import { isBaseline, launchKey } from '../shared/config-key';
import { costElsewhere, kWords } from '../shared/level-picks';
import { hasLoadLevels as reportHasLevels } from '../shared/report-export/fields';

const fmt = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? '—' : x.toFixed(digits));
const pct = (x: number | null) => (x === null ? '—' : `${x >= 0 ? '+' : ''}${x.toFixed(0)}%`);
const colourPct = (x: number | null) => (x === null ? '—' : x >= 0 ? pc.green(pct(x)) : pc.red(pct(x)));
const msPair = (a: number | null | undefined, b: number | null | undefined) =>
  a === null || a === undefined ? '—' : `${(a * 1000).toFixed(0)}/${b === null || b === undefined ? '—' : (b * 1000).toFixed(0)}ms`;

function table(head: string[], aligns: ('left' | 'right' | 'center')[]): Table.Table {
  return new Table({ head: head.map((h) => pc.bold(h)), colAligns: aligns, style: { head: [], border: [] } });
}

/** True when the report measured more than one level, or one above 1: the per-level layout applies. */
export function hasLoadLevels(report: Report): boolean {
  return reportHasLevels(report.configurations);
}

const levelOf = (c: ConfigurationResult) => c.concurrency ?? 1;

export function formatLevelBlocks(report: Report): string {
  const levels = [...new Set(report.configurations.map(levelOf))].sort((a, b) => a - b);
  const picks = report.recommendation?.byConcurrency ?? [];
  const blocks = levels.map((level) => {
    const t = table(
      ['Config', 'Tok/Sec/req', '95% CI', 'Aggregate', 'TTFT p50/p99', 'ITL p50/p99', 'Speedup', 'Accept', 'Pick'],
      ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'center'],
    );
    const pick = picks.find((p) => p.concurrency === level);
    for (const c of report.configurations.filter((e) => levelOf(e) === level)) {
      if (c.predicted) {
        t.push([pc.dim(`${c.label} (predicted)`), '—', '—', '—', '—', '—', '—', '—', '']);
        continue;
      }
      const picked = pick && !c.failed && launchKey(c) === launchKey(pick);
      t.push([
        c.label,
        c.failed ? pc.red('failed') : fmt(c.tokensPerSecond),
        c.tokensPerSecondCI ? `${fmt(c.tokensPerSecondCI[0])}–${fmt(c.tokensPerSecondCI[1])}` : '—',
        `${fmt(c.aggregateTokensPerSecond)}${c.unstable && level > 1 ? pc.yellow(' unstable') : ''}`,
        msPair(c.latency?.ttftP50, c.latency?.ttftP99),
        msPair(c.latency?.itlP50, c.latency?.itlP99),
        isBaseline(c) ? 'baseline' : colourPct(c.speedupPercent),
        c.acceptanceRate !== null ? `${(c.acceptanceRate * 100).toFixed(0)}%` : '—',
        picked ? '⭐' : '',
      ]);
    }
    const title = level === 1 ? 'One request at a time (1 in flight)' : `${level} requests in flight`;
    return `${pc.bold(title)}${report.server.simulated ? pc.yellow(' (SIMULATED)') : ''}\n${t.toString()}`;
  });
  const note = pc.dim(
    'Tok/Sec/req: median per request; Aggregate: tok/s of the whole server (in flight × tokens / request time). Speedup: vs no speculation at the same level (per request). Above 1 in flight the pick weighs aggregate rounds: median − 1.4826 × MAD; "unstable": rounds spread over 10%.',
  );
  return [pc.bold('Speculative Decoding Performance by Load'), ...blocks, note].join('\n\n');
}

export function formatLevelPicks(report: Report): string {
  const picks = report.recommendation?.byConcurrency ?? [];
  if (!picks.length) return '';
  const t = table(['In flight', 'Pick', 'Tok/Sec/req', 'Aggregate', 'vs no spec', 'Score', 'Confidence'], ['right', 'left', 'right', 'right', 'right', 'right', 'left']);
  for (const p of picks) {
    t.push([
      String(p.concurrency),
      `${kWords(p)}${p.unstable ? pc.yellow(' (unstable)') : ''}`,
      fmt(p.tokensPerSecond),
      fmt(p.aggregateTokensPerSecond),
      colourPct(p.speedupPercent),
      p.concurrency > 1 ? fmt(p.conservativeScore) : '—',
      p.confidence,
    ]);
  }
  return `${pc.bold('Best k per load level')}\n${t.toString()}\n${pc.dim('Score: median − 1.4826 × MAD of the aggregate round scores (levels above 1); level 1 uses the paired per-request rule.')}`;
}

/** The schedule when the engine takes one, else the one k and what it costs at each other level. */
export function formatLoadAdvice(report: Report): string {
  const r = report.recommendation;
  if (!r?.byConcurrency || r.byConcurrency.length < 2) return '';
  const lines: string[] = [];
  const s = r.schedule;
  if (s && s.entries.length) {
    const ranges = s.entries.map(([a, b, k]) => `${a === b ? `${a}` : `${a}–${b}`} in flight: k=${k}`).join(', ');
    const status = s.confirmed === true ? pc.green('confirmed') : s.confirmed === false ? pc.red('did not hold up') : pc.yellow('not confirmed');
    lines.push(`📐 ${pc.bold('Per-batch-size schedule')} (${status}): ${ranges}; num_speculative_tokens = ${s.numSpeculativeTokens}`);
    lines.push(`   ${pc.dim(s.note)}`);
    // Usually the recommended startup line already is this one (printed above).
    if (s.command && s.command !== r.command) lines.push('', pc.bold('Startup command with the schedule:'), s.command);
  }
  if (!s || s.confirmed !== true) {
    const level = r.concurrency ?? 1;
    lines.push(`${lines.length ? '\n' : ''}🎯 ${pc.bold(`One k for ${level} in flight:`)} ${kWords(r)}. What it costs elsewhere:`);
    for (const l of costElsewhere(r, level, r.byConcurrency, report.configurations)) lines.push(`   • ${l}`);
  }
  return lines.join('\n');
}
