/**
 * A report as Markdown to paste into an issue, a pull request or a chat: the answer in
 * plain words, the startup command, and the configuration table. Text from the report is
 * escaped so it cannot break the table (`|`), open a code span or emphasis, or slip raw
 * HTML into a renderer that allows it.
 */
import type { ConfigurationResult, Report } from '../schemas';
import { configurationExtras, finite, hasLoadLevels, interval, isRecommendedRow, levelPickMark } from './fields';
import { configurationRowLabel } from './svg-chart';
import { summarizeReport } from './summary';
import { levelRows, scheduleWords } from './levels';
import { DASH, engineName, ms, ratePct, secs, signedPct, tps, tpsInterval, utcDate } from './text';
import { isBaseline } from '../config-key';
import { visibleControls } from '../safe-text';

/**
 * Escape Markdown's active characters in inline text; line breaks would end a table row,
 * and other control characters are made visible (the Markdown may be printed on a terminal).
 */
export function escapeMarkdown(value: unknown): string {
  return visibleControls(String(value ?? '').replace(/\r\n|\r|\n/g, ' ')).replace(/([\\`*_[\]<>|])/g, '\\$1');
}

/** A fence longer than any run of backticks inside, so the command cannot close it early. */
function codeBlock(raw: string): string {
  const text = visibleControls(raw, { multiline: true });
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}sh\n${text}\n${fence}`;
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function acceptance(c: ConfigurationResult): string {
  const rate = finite(c.acceptanceRate);
  if (rate !== null) return ratePct(rate);
  const reason = configurationExtras(c).acceptanceNotReported;
  return reason ? `not reported (${escapeMarkdown(reason)})` : DASH;
}

export function configurationTableMarkdown(report: Report): string {
  const configs = report.configurations ?? [];
  const extras = configs.map(configurationExtras);
  const hasEngine = extras.some((e) => e.engine);
  const hasMethod = extras.some((e) => e.method);
  const hasPMin = extras.some((e) => e.draftPMin !== null);
  const hasParallel = hasLoadLevels(configs);
  const rec = report.recommendation;
  type Column = { name: string; right: boolean; cell: (c: ConfigurationResult, i: number) => string; show?: boolean };
  const all: Column[] = [
    { name: 'Setting', right: false, cell: (c) => escapeMarkdown(configurationRowLabel(c, { concurrency: false })) },
    { name: 'Engine', right: false, cell: (_c, i) => escapeMarkdown(engineName(extras[i].engine) ?? DASH), show: hasEngine },
    { name: 'Method', right: false, cell: (_c, i) => escapeMarkdown(extras[i].method ?? DASH), show: hasMethod },
    { name: 'p_min', right: true, cell: (_c, i) => (extras[i].draftPMin === null ? DASH : String(extras[i].draftPMin)), show: hasPMin },
    { name: 'Parallel', right: true, cell: (_c, i) => String(extras[i].concurrency ?? DASH), show: hasParallel },
    { name: 'Tokens/s', right: true, cell: (c, i) => (c.failed ? 'failed' : `${tps(c.tokensPerSecond)}${extras[i].predicted ? ' *(predicted)*' : ''}`) },
    { name: '95% interval', right: true, cell: (c) => tpsInterval(interval(c.tokensPerSecondCI)) },
    { name: 'Total tokens/s', right: true, cell: (_c, i) => tps(extras[i].aggregateTokensPerSecond), show: hasParallel },
    { name: 'vs no speculation', right: true, cell: (c, i) => (isBaseline(c) && !extras[i].predicted ? 'baseline' : signedPct(c.speedupPercent)) },
    { name: 'Time per answer', right: true, cell: (c) => secs(c.totalSeconds) },
    { name: 'First token', right: true, cell: (c) => ms(c.ttftSeconds) },
    { name: 'Drafts accepted', right: true, cell: acceptance },
    { name: 'Best', right: false, cell: (c) => (!c.failed && isRecommendedRow(c, rec) ? '★' : levelPickMark(c, rec)) },
  ];
  const columns = all.filter((col) => col.show !== false);
  const lines = [
    row(columns.map((col) => col.name)),
    row(columns.map((col) => (col.right ? '---:' : ':---'))),
    ...configs.map((c, i) => row(columns.map((col) => col.cell(c, i)))),
  ];
  return lines.join('\n');
}

export function reportToMarkdown(report: Report): string {
  const summary = summarizeReport(report);
  const model = report.server?.model;
  const out: string[] = [];
  out.push(`### ${escapeMarkdown(summary.headline)}`);
  out.push('');
  out.push(...summary.details.map((d) => `- ${escapeMarkdown(d)}`));
  if (summary.command) out.push('', 'Start the server with:', '', codeBlock(summary.command));
  else if (summary.k !== null && summary.k > 0) out.push('', `Set **k = ${summary.k}** (draft tokens) in your server's speculative-decoding setting.`);
  const levels = levelRows(report);
  if (levels.length) {
    out.push('', '**Best k per load level** (requests in flight; above 1, aggregate throughput decides):', '');
    out.push(row(['In flight', 'Best k', 'Per request', 'Total', 'vs no speculation', 'Confidence']), row([':---', ':---', '---:', '---:', '---:', ':---']));
    for (const l of levels) {
      out.push(row([`${l.concurrency}${l.recommended ? ' ★' : ''}`, `${escapeMarkdown(l.pick)}${l.unstable ? ' (unstable)' : ''}`, l.perRequest, l.aggregate, l.vsBaseline, escapeMarkdown(l.confidence)]));
    }
  }
  const schedule = scheduleWords(report);
  if (schedule) {
    out.push('', `**Per-batch-size schedule** (${schedule.status}): ${escapeMarkdown(schedule.ranges)}. ${escapeMarkdown(schedule.note)}`);
    if (schedule.command) out.push('', codeBlock(schedule.command));
  }
  if (report.configurations?.length) out.push('', configurationTableMarkdown(report));
  const warnings = (report.warnings ?? []).filter((w) => w.kind !== 'simulated' || !summary.simulated);
  if (warnings.length) out.push('', ...warnings.map((w) => `> ⚠ ${escapeMarkdown(w.message)}`));
  const meta = [model ? escapeMarkdown(model) : null, engineName(report.server?.kind), report.server?.engineVersion ? escapeMarkdown(report.server.engineVersion) : null, utcDate(report.createdAt), report.status !== 'complete' ? escapeMarkdown(report.status) : null]
    .filter(Boolean)
    .join(' · ');
  out.push('', `*SpecTune ${escapeMarkdown(report.tool?.version ?? '')} · ${meta}*`);
  return out.join('\n') + '\n';
}
