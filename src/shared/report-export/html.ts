/**
 * A report as one self-contained HTML file to mail, attach or archive: it opens offline
 * in any browser, loads nothing (no script at all, no font, no image; a CSP meta tag
 * forbids it even if something slipped in), follows the reader's light or dark setting
 * and prints cleanly. The answer comes first in plain words, then the command, then the
 * evidence. Every string from the report is escaped: a report is untrusted input.
 */
import type { ConfigurationResult, GroupComparison, Report } from '../schemas';
import { escapeHtml as esc } from './escape';
import { configurationExtras, finite, hasLoadLevels, interval, isRecommendedRow, levelOf, levelPickMark } from './fields';
import { configurationRowLabel, speedupByGroupChartSvg, throughputChartSvg } from './svg-chart';
import { summarizeReport } from './summary';
import { levelRows, scheduleWords } from './levels';
import { DASH, engineName, ms, ratePct, secs, signedPct, tps, tpsInterval, utcDate, kLabel } from './text';
import { configKey, isBaseline } from '../config-key';

/** Blocks every fetch: the file must look the same on a plane as at the desk. */
const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const STYLE = `
:root { color-scheme: light dark;
  --bg: #ffffff; --fg: #1d2125; --muted: #5b636b; --line: #d8dde3; --card: #f5f7f9; --accent: #4a6fa5;
  --good: #1f8a4c; --bad: #c0392b; --warn-bg: #fff6db; --warn-fg: #6b5200; --code-bg: #eef1f4; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #16191d; --fg: #e6e9ec; --muted: #a2abb4; --line: #343b43; --card: #1f242a; --accent: #7fa6dc;
    --good: #4cc47f; --bad: #ef6b5d; --warn-bg: #3a3212; --warn-fg: #f3dc8a; --code-bg: #232a31; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 28px 20px 48px; }
h1 { font-size: 1.75rem; line-height: 1.25; margin: 0.2em 0 0.4em; }
h2 { font-size: 1.15rem; margin: 0 0 0.6em; }
section { margin: 28px 0; }
.eyebrow { color: var(--muted); margin: 0; font-size: 0.9rem; }
.answer { background: var(--card); border: 1px solid var(--line); border-left: 6px solid var(--accent); border-radius: 8px; padding: 18px 22px; }
.answer.verdict-faster { border-left-color: var(--good); }
.answer.verdict-keep-off, .answer.verdict-nothing { border-left-color: var(--bad); }
.answer ul { margin: 0; padding-left: 1.2em; }
.badge { display: inline-block; font-size: 0.75rem; font-weight: 600; letter-spacing: 0.04em; padding: 1px 8px; border-radius: 999px;
  border: 1px solid currentColor; vertical-align: middle; }
.badge.sim { color: var(--warn-fg); background: var(--warn-bg); }
.badge.predicted { color: var(--accent); border-style: dashed; }
pre { background: var(--code-bg); border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; overflow-x: auto;
  font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; white-space: pre; }
.warnings { background: var(--warn-bg); color: var(--warn-fg); border-radius: 6px; padding: 10px 14px 10px 34px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; font-variant-numeric: tabular-nums; }
caption { text-align: left; color: var(--muted); font-size: 0.85rem; padding-bottom: 4px; caption-side: bottom; padding-top: 6px; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: right; white-space: nowrap; vertical-align: top; }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
td.text { white-space: normal; min-width: 10em; }
thead th { white-space: normal; vertical-align: bottom; }
td .sub { display: block; font-size: 0.85em; }
thead th { color: var(--muted); font-weight: 600; border-bottom: 2px solid var(--line); }
tr.best td, tr.best th { background: rgba(31, 138, 76, 0.12); background: color-mix(in srgb, var(--good) 12%, transparent); font-weight: 600; }
tr.predicted td, tr.predicted th { font-style: italic; }
.up { color: var(--good); } .down { color: var(--bad); }
.muted { color: var(--muted); }
.nowrap { white-space: nowrap; }
/* A narrow window (a laptop split in two, a phone): cells wrap between words and tighten, so every
   column of a table is on screen without scrolling sideways. */
@media (max-width: 1000px) {
  th, td { white-space: normal; padding: 4px 4px; }
  td.text { min-width: 6em; }
  table { font-size: 0.85rem; }
}
figure { margin: 0; }
figcaption { color: var(--muted); font-size: 0.85rem; margin-top: 4px; }
svg.chart { display: block; width: 100%; max-width: 760px; height: auto; }
svg.chart text { fill: var(--fg); font-family: inherit; }
svg.chart .tick, svg.chart .unit { fill: var(--muted); }
svg.chart .grid { stroke: var(--line); }
svg.chart .axis { stroke: var(--muted); }
svg.chart .whisker { stroke: var(--fg); }
svg.chart .bar { fill: var(--accent); }
svg.chart .bar.best { fill: var(--good); }
svg.chart .bar.negative { fill: var(--bad); }
svg.chart .bar.predicted { fill: none; stroke: var(--accent); }
svg.chart .missing { fill: var(--bad); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
footer { color: var(--muted); font-size: 0.85rem; border-top: 1px solid var(--line); padding-top: 12px; margin-top: 36px; }
@media print {
  :root { --bg: #fff; --fg: #000; --muted: #444; --line: #bbb; --card: #fff; --code-bg: #fff; --warn-bg: #fff; --warn-fg: #000; }
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  section, figure, tr, .answer, pre { break-inside: avoid; }
  h2 { break-after: avoid; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; }
  .table-wrap { overflow: visible; }
}
`;

function signedClass(n: unknown): string {
  const v = finite(n);
  return v === null || v === 0 ? '' : v > 0 ? 'up' : 'down';
}

function acceptanceCell(c: ConfigurationResult): string {
  const rate = finite(c.acceptanceRate);
  if (rate !== null) return esc(ratePct(rate));
  const reason = configurationExtras(c).acceptanceNotReported;
  if (reason) return `<span class="muted">not reported</span> <span class="muted">(${esc(reason)})</span>`;
  return DASH;
}

function configurationTable(report: Report): string {
  const configs = report.configurations ?? [];
  if (!configs.length) return '<p class="muted">No configuration finished measuring.</p>';
  const extras = configs.map(configurationExtras);
  const hasEngine = extras.some((e) => e.engine);
  const hasParallel = hasLoadLevels(configs);
  const rec = report.recommendation;
  const head = [
    '<th scope="col">Setting</th>',
    hasEngine ? '<th scope="col" class="text">Engine</th>' : '',
    hasParallel ? '<th scope="col">Parallel requests</th>' : '',
    '<th scope="col">Tokens/s (median)</th>',
    '<th scope="col">95% interval</th>',
    hasParallel ? '<th scope="col">Total tokens/s</th>' : '',
    '<th scope="col">vs no speculation</th>',
    '<th scope="col">Time per answer</th>',
    '<th scope="col">First token</th>',
    '<th scope="col">Drafts accepted</th>',
    '<th scope="col">Same output</th>',
    '<th scope="col">Requests</th>',
    '<th scope="col" class="text">Note</th>',
  ].join('');
  const rows = configs.map((c, i) => {
    const e = extras[i];
    const best = !c.failed && isRecommendedRow(c, rec);
    const notes: string[] = [];
    if (best) notes.push('<span class="nowrap">★ recommended</span>');
    else if (levelPickMark(c, rec)) notes.push(`<span class="nowrap">${esc(levelPickMark(c, rec))}</span>`);
    if (hasParallel && levelOf(c) > 1 && c.unstable) notes.push('<span class="down">unstable</span> (rounds spread over 10%)');
    if (e.predicted) notes.push('<span class="badge predicted">predicted</span> not measured');
    if (c.failed) notes.push(`<span class="down">failed</span>${c.error ? `: ${esc(c.error)}` : ''}`);
    else if (c.error) notes.push(esc(c.error));
    const tpsText = c.failed ? DASH : `${esc(tps(c.tokensPerSecond))}${e.predicted ? ' <em>(predicted)</em>' : ''}`;
    const speed = isBaseline(c) && !e.predicted ? '<span class="muted">baseline</span>' : `<span class="${signedClass(c.speedupPercent)}">${esc(signedPct(c.speedupPercent))}</span>`;
    const cls = [best ? 'best' : '', e.predicted ? 'predicted' : ''].filter(Boolean).join(' ');
    return (
      `<tr${cls ? ` class="${cls}"` : ''}>` +
      `<th scope="row">${esc(configurationRowLabel(c, { concurrency: false }))}</th>` +
      (hasEngine ? `<td class="text">${esc(engineName(e.engine) ?? DASH)}</td>` : '') +
      (hasParallel ? `<td>${e.concurrency ?? DASH}</td>` : '') +
      `<td>${tpsText}</td>` +
      `<td>${esc(tpsInterval(interval(c.tokensPerSecondCI)))}</td>` +
      (hasParallel ? `<td>${esc(tps(e.aggregateTokensPerSecond))}</td>` : '') +
      `<td>${speed}</td>` +
      `<td>${esc(secs(c.totalSeconds))}</td>` +
      `<td>${esc(ms(c.ttftSeconds))}</td>` +
      `<td>${acceptanceCell(c)}</td>` +
      `<td>${esc(ratePct(c.outputMatchRate))}</td>` +
      `<td>${finite(c.requests) ?? DASH}${finite(c.errors) ? ` <span class="down">(${c.errors} failed)</span>` : ''}</td>` +
      `<td class="text">${notes.join('; ')}</td>` +
      `</tr>`
    );
  });
  return (
    `<div class="table-wrap"><table id="configurations"><caption>Median over every prompt; the interval is where the true median lies with 95% confidence.</caption>` +
    `<thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`
  );
}

function groupTable(groups: readonly GroupComparison[], id: string, what: string): string {
  if (!groups?.length) return '<p class="muted">Nothing to compare: the run has no measurement without speculation.</p>';
  const ks = [...new Map(groups.flatMap((g) => (g.byTokens ?? []).map((t) => [configKey(t), t] as const))).values()];
  const head =
    `<th scope="col">${esc(what)}</th><th scope="col">No speculation</th>` +
    ks.map((k) => `<th scope="col">${esc(kLabel(k.numSpeculativeTokens, k.draftModel))}</th>`).join('') +
    '<th scope="col">Best</th>';
  const rows = groups.map((g) => {
    const cells = ks.map((k) => {
      const t = (g.byTokens ?? []).find((x) => configKey(x) === configKey(k));
      if (!t) return `<td>${DASH}</td>`;
      return `<td>${esc(tps(t.tokensPerSecond))}<span class="sub ${signedClass(t.speedupPercent)}">${esc(signedPct(t.speedupPercent))}</span></td>`;
    });
    const best =
      g.bestNumSpeculativeTokens === null || g.bestNumSpeculativeTokens === undefined
        ? DASH
        : `${esc(kLabel(g.bestNumSpeculativeTokens, g.bestDraftModel))}, <span class="${signedClass(g.speedupPercent)}">${esc(signedPct(g.speedupPercent))}</span>`;
    return `<tr><th scope="row">${esc(g.label || g.id)}</th><td>${esc(tps(g.baselineTokensPerSecond))}</td>${cells.join('')}<td>${best}</td></tr>`;
  });
  return `<div class="table-wrap"><table id="${esc(id)}"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

/** Best k per load level, and the schedule or the one-k answer: only for reports measured under load. */
function loadSection(report: Report): string {
  const rows = levelRows(report);
  if (!rows.length) return '';
  const body = rows
    .map(
      (l) =>
        `<tr${l.recommended ? ' class="best"' : ''}><th scope="row">${l.concurrency}</th><td class="text">${esc(l.pick)}${l.unstable ? ' <span class="down">(unstable)</span>' : ''}</td>` +
        `<td>${esc(l.perRequest)}</td><td>${esc(l.aggregate)}</td><td>${esc(l.vsBaseline)}</td><td class="text">${esc(l.confidence)}</td></tr>`,
    )
    .join('');
  const s = scheduleWords(report);
  const schedule = s
    ? `<p><strong>Per-batch-size schedule</strong> (${esc(s.status)}): ${esc(s.ranges)}.</p><p class="muted">${esc(s.note)}</p>${s.command ? `<pre><code>${esc(s.command)}</code></pre>` : ''}`
    : '';
  return (
    `<section id="by-load"><h2>Best k per load level</h2>` +
    `<div class="table-wrap"><table id="load-levels"><caption>Requests in flight at once. Above 1 the pick weighs the server's total throughput per round (median − 1.4826 × MAD); the highlighted level is the one the recommendation is for.</caption>` +
    `<thead><tr><th scope="col">In flight</th><th scope="col" class="text">Best k</th><th scope="col">Per request</th><th scope="col">Total</th><th scope="col">vs no speculation</th><th scope="col" class="text">Confidence</th></tr></thead>` +
    `<tbody>${body}</tbody></table></div>${schedule}</section>`
  );
}

function facts(report: Report): string {
  const s = report.server ?? ({} as Partial<Report['server']>);
  const items: [string, string | null | undefined][] = [
    ['Model', s.model],
    ['Draft model', s.draftModel],
    ['Method', s.method],
    ['Engine', [engineName(s.kind), s.engineVersion].filter(Boolean).join(' ') || null],
    ['Server', s.url],
    ['Started', utcDate(report.createdAt)],
    ['Finished', report.finishedAt ? utcDate(report.finishedAt) : null],
    ['Status', report.status],
    ['Requests measured', String((report.measurements ?? []).length)],
    ['Made by', report.tool ? `${report.tool.name} ${report.tool.version}` : null],
  ];
  return `<dl class="facts">${items
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`)
    .join('')}</dl>`;
}

const GLOSSARY: [string, string][] = [
  ['Speculative decoding', 'a small, fast guesser proposes the next few tokens and the big model checks them all in one step; every accepted guess is a token gained for free.'],
  ['k (draft tokens)', 'how many tokens are guessed ahead per step. k = 0 means no speculation: the baseline everything is compared with.'],
  ['Tokens/s', 'tokens of answer per second of waiting, start to finish of each request; the median over all requests.'],
  ['95% interval', 'the range the true median lies in, with 95% confidence. Two settings whose ranges overlap may be equally fast.'],
  ['First token', 'time until the first token of the answer arrives (TTFT).'],
  ['Drafts accepted', 'share of guessed tokens the big model kept. Some engines do not report it.'],
  ['Same output', 'share of answers identical to the answer without speculation (expected: 100% at temperature 0).'],
  ['Predicted', 'a figure computed from the measured ones, not measured itself.'],
];

export function reportToHtml(report: Report): string {
  const summary = summarizeReport(report);
  const configs = report.configurations ?? [];
  const model = report.server?.model ?? 'unknown model';
  const title = `SpecTune report: ${model} (${utcDate(report.createdAt)})`;
  const k = summary.k;

  const commandSection = summary.command
    ? `<section id="command"><h2>Start your server with it</h2><pre><code>${esc(summary.command)}</code></pre></section>`
    : k !== null && k > 0
      ? `<section id="command"><h2>Put your server on it</h2><p>Set <strong>${k} draft tokens</strong> (k = ${k}) in your server's speculative-decoding setting. SpecTune did not launch this server, so it has no exact command for it.</p></section>`
      : '';

  const warnings = report.warnings ?? [];
  const warningList = warnings.length
    ? `<section id="warnings"><h2>Before you rely on it</h2><ul class="warnings">${warnings.map((w) => `<li>${esc(w.message)}</li>`).join('')}</ul></section>`
    : '';

  const anyPredicted = configs.some((c) => configurationExtras(c).predicted);
  const shownRec = summary.verdict === 'nothing' ? null : report.recommendation;
  const throughput = configs.length
    ? `<figure>${throughputChartSvg(configs, shownRec)}<figcaption>Bars: median tokens/s; lines: 95% interval. Green: the recommended setting.${anyPredicted ? ' Hollow, dashed bars are predicted, not measured.' : ''}</figcaption></figure>`
    : '';
  const byPrompt = report.byPromptType?.length
    ? `<figure>${speedupByGroupChartSvg(report.byPromptType, 'chart-by-prompt', 'Speedup per prompt type')}<figcaption>Speedup of each prompt type's best k against no speculation.</figcaption></figure>`
    : '';

  // The builder often ends its reason with the theory note; do not print it twice.
  const note = report.theory?.note;
  const theory = note && !(summary.why ?? '').includes(note) ? `<p class="muted">${esc(note)}</p>` : '';
  const why = summary.why ? `<section id="why"><h2>Why this setting</h2><p>${esc(summary.why)}</p>${theory}</section>` : '';

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta http-equiv="Content-Security-Policy" content="${esc(REPORT_CSP)}">
<meta name="generator" content="SpecTune ${esc(report.tool?.version ?? '')}">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header class="answer verdict-${summary.verdict}" id="answer">
<p class="eyebrow">SpecTune report · ${esc(model)} · ${esc(utcDate(report.createdAt))}${summary.simulated ? ' <span class="badge sim">SIMULATED</span>' : ''}${summary.predicted ? ' <span class="badge predicted">predicted</span>' : ''}</p>
<h1>${esc(summary.headline)}</h1>
<ul>${summary.details.map((d) => `<li>${esc(d)}</li>`).join('')}</ul>
</header>
${commandSection}
${warningList}
${loadSection(report)}
<section id="speed"><h2>Speed per setting</h2>${throughput}${configurationTable(report)}</section>
<section id="by-prompt-type"><h2>By prompt type</h2>${byPrompt}${groupTable(report.byPromptType ?? [], 'prompt-types', 'Prompt type')}</section>
<section id="by-system-prompt"><h2>By system prompt</h2>${groupTable(report.bySystemPrompt ?? [], 'system-prompts', 'System prompt')}</section>
${why}
<section id="run"><h2>The run</h2>${facts(report)}</section>
<section id="glossary"><h2>Words used here</h2><dl class="facts">${GLOSSARY.map(([t, d]) => `<dt>${esc(t)}</dt><dd>${esc(d)}</dd>`).join('')}</dl></section>
<footer>Made with SpecTune ${esc(report.tool?.version ?? '')}. This page is self-contained: it loads nothing from the network.</footer>
</main>
</body>
</html>
`;
}
