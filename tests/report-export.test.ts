/**
 * Reports to share: the HTML, CSV and Markdown exports of a real report (the fixture
 * the renderer tests use), read back the way their readers read them — the HTML in real
 * Chromium with the network watched, the CSV through an RFC 4180 parser, the Markdown
 * table cell by cell — plus `spectune report` as a real process.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppServices } from '../src/core/app-services';
import { SpecTuneError } from '../src/shared/errors';
import { CSV_COLUMNS, plainNumber } from '../src/shared/report-export/csv';
import { escapeHtml } from '../src/shared/report-export/escape';
import { niceStep } from '../src/shared/report-export/svg-chart';
import { exportReport, parseReportText, reportToCsv, reportToHtml, reportToMarkdown, summarizeReport } from '../src/shared/report-export';
import { settingWords } from '../src/shared/report-export/text';
import { settingWordsAmong } from '../src/shared/level-picks';
import { REPORT_SCHEMA_VERSION, ReportSchema, type Report } from '../src/shared/schemas';

const ROOT = resolve(import.meta.dirname, '..');
const FIXTURE = join(ROOT, 'tests/renderer/fixtures/report.json');
/** The same report as SpecTune wrote it before schema version 2 (server.vllmVersion). */
const V1_FIXTURE = join(ROOT, 'tests/fixtures/report-v1.json');
const BIN = join(ROOT, 'bin/spectune.js');
const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Report;
const report = ReportSchema.parse(fixture);
const rec = report.recommendation!;
const EVIL = '<img src=x onerror=alert(1)>';

/** A copy of the fixture; `edit` changes it in place. */
function variant(edit: (r: Record<string, any>) => void): Report {
  const r = structuredClone(fixture) as Record<string, any>;
  edit(r);
  return r as Report;
}

/** Untrusted text everywhere a report carries text, including the cells a CSV or Markdown table must contain. */
const hostile = variant((r) => {
  r.server.model = EVIL;
  r.configurations[1].label = `${EVIL} | "q", x\r\ny`;
  r.byPromptType[0].label = EVIL;
  r.bySystemPrompt[0].label = `</style><script>alert(2)</script>`;
  r.warnings.push({ kind: 'output-mismatch', message: EVIL });
  r.recommendation.reason = EVIL;
  r.recommendation.command = `vllm serve '${EVIL}' --x "</pre><script>alert(3)</script>"`;
});

/** Fields newer reports carry that this schema does not know. */
const withNewFields = variant((r) => {
  r.configurations = r.configurations.flatMap((c: Record<string, any>) => [
    { ...c, engine: 'llamacpp', draftModel: 'Qwen/Qwen2.5-0.5B', concurrency: 1, aggregateTokensPerSecond: c.tokensPerSecond },
    { ...c, engine: 'llamacpp', draftModel: 'Qwen/Qwen2.5-0.5B', concurrency: 4, aggregateTokensPerSecond: (c.tokensPerSecond ?? 0) * 3.5 },
  ]);
  // k = 5 is a prediction at both levels; k = 3 at 4 has no acceptance and says why.
  Object.assign(r.configurations[4], { predicted: true });
  Object.assign(r.configurations[5], { predicted: true });
  Object.assign(r.configurations[3], { acceptanceRate: null, acceptanceSource: 'LM Studio 0.3 does not report draft statistics' });
  r.recommendation.engine = 'llamacpp';
  r.recommendation.draftModel = 'Qwen/Qwen2.5-0.5B';
});

// ---------------------------------------------------------------------------------------------
// A tiny RFC 4180 reader: quoted fields, doubled quotes, CR/LF inside quotes, CRLF records.
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (ch === '"') {
        quoted = false;
        i++;
      } else {
        field += ch;
        i++;
      }
    } else if (ch === '"') {
      if (field !== '') throw new Error(`quote inside an unquoted field at ${i}`);
      quoted = true;
      i++;
    } else if (ch === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 2;
    } else if (ch === '\r' || ch === '\n') {
      throw new Error(`bare ${ch === '\r' ? 'CR' : 'LF'} outside quotes at ${i}`);
    } else {
      field += ch;
      i++;
    }
  }
  if (quoted) throw new Error('unterminated quoted field');
  if (field !== '' || row.length) throw new Error('last record lacks its CRLF');
  return rows;
}

/** Cells of one Markdown table row, honouring backslash escapes (`\|` is text, not a separator). */
function markdownCells(line: string): string[] {
  expect(line.startsWith('| ') && line.endsWith(' |'), line).toBe(true);
  const cells: string[] = [];
  let cur = '';
  for (let i = 1; i < line.length - 1; i++) {
    if (line[i] === '\\') {
      cur += line[i] + line[i + 1];
      i++;
    } else if (line[i] === '|') {
      cells.push(cur.trim());
      cur = '';
    } else cur += line[i];
  }
  cells.push(cur.trim());
  return cells;
}

function tableLines(md: string): string[] {
  return md.split('\n').filter((l) => l.startsWith('|'));
}

// ---------------------------------------------------------------------------------------------
describe('plain-words summary', () => {
  it('leads with the answer: how much faster, with how many draft tokens', () => {
    const s = summarizeReport(report);
    expect(s.verdict).toBe('faster');
    expect(s.headline).toBe(`Your simulated vLLM server answers about ${(1 + rec.speedupPercent! / 100).toFixed(1)}× faster with ${rec.numSpeculativeTokens} draft tokens.`);
    expect(s.details.join(' ')).toContain('simulator');
  });

  it('says "keep it off" when no speculation wins, and never invents an answer when nothing was measured', () => {
    const off = summarizeReport(variant((r) => Object.assign(r.recommendation, { numSpeculativeTokens: 0, speedupPercent: 0 })));
    expect(off.verdict).toBe('keep-off');
    expect(off.headline).toBe('Speculation did not pay: keep it off.');
    expect(off.details[0]).toContain('5 draft tokens');

    const nothing = summarizeReport(variant((r) => Object.assign(r, { configurations: [], recommendation: null, status: 'cancelled' })));
    expect(nothing.verdict).toBe('nothing');
    expect(nothing.headline).toMatch(/^No answer yet/);
    expect(nothing.details.join(' ')).toMatch(/cancelled/);
  });

  it('says the whole setting: a method without a draft model, a cut-off, and which setting wins for each prompt type', () => {
    const ngram = summarizeReport(variant((r) => Object.assign(r.recommendation, { method: 'ngram-simple', draftModel: null, draftPMin: null, numSpeculativeTokens: 4 })));
    expect(ngram.headline).toMatch(/ with n-gram drafting, 4 tokens — no draft model needed\.$/);
    const cut = summarizeReport(variant((r) => Object.assign(r.recommendation, { method: 'draft-simple', draftModel: 'qwen-0.5b', draftPMin: 0.3, numSpeculativeTokens: 6 })));
    expect(cut.headline).toMatch(/ with 6 draft tokens \(draft model qwen-0\.5b, cut-off p_min 0\.3\)\.$/);
    // A cut-off of 0 is no cut-off; the draft model's own method is not named.
    expect(settingWords({ numSpeculativeTokens: 3, draftModel: 'd', method: 'draft-simple', draftPMin: 0 })).toBe('3 draft tokens (draft model d)');
    expect(settingWords({ numSpeculativeTokens: 3, draftModel: 'head', method: 'eagle3', draftPMin: null })).toBe('3 draft tokens (method eagle3, draft model head)');

    const split = summarizeReport(
      variant((r) => {
        Object.assign(r.byPromptType[0], { bestNumSpeculativeTokens: 5, bestDraftModel: null, bestMethod: 'ngram-simple', bestDraftPMin: null });
        Object.assign(r.byPromptType[1], { bestNumSpeculativeTokens: 3, bestDraftModel: 'qwen-0.5b', bestMethod: 'draft-simple', bestDraftPMin: null });
      }),
    );
    const said = split.details.find((d) => d.startsWith('The best setting depends on the prompt: '));
    expect(said).toContain(`n-gram drafting, 5 tokens — no draft model needed for ${fixture.byPromptType[0].label}; 3 draft tokens (draft model qwen-0.5b) for ${fixture.byPromptType[1].label}; 5 draft tokens for ${fixture.byPromptType[2].label}`);
    // Decisions between arms name the knobs that differ, so they never read "k=3 over k=3".
    const words = settingWordsAmong([{ numSpeculativeTokens: 0 }, { numSpeculativeTokens: 3, method: 'draft-simple', draftModel: 'd', draftPMin: 0 }, { numSpeculativeTokens: 3, method: 'ngram-simple', draftModel: null, draftPMin: null }]);
    expect(words({ numSpeculativeTokens: 3, method: 'ngram-simple', draftModel: null, draftPMin: null })).toBe('k=3 · ngram-simple');
    expect(words({ numSpeculativeTokens: 3, method: 'draft-simple', draftModel: 'd', draftPMin: 0 })).toBe('k=3 · draft-simple · d · p_min 0');
    expect(words({ numSpeculativeTokens: 0 })).toBe('k=0');
    expect(settingWordsAmong([{ numSpeculativeTokens: 2, draftModel: 'd' }, { numSpeculativeTokens: 3, draftModel: 'd' }])({ numSpeculativeTokens: 3, draftModel: 'd' })).toBe('k=3');
    // The same kind of setting everywhere (only k differs): nothing to say.
    expect(summarizeReport(report).details.join(' ')).not.toMatch(/depends on the prompt/);
  });

  it('marks a predicted answer as predicted and names the engine and draft model it came with', () => {
    const s = summarizeReport(withNewFields);
    expect(s.predicted).toBe(true);
    expect(s.headline).toMatch(/^Your simulated llama\.cpp server should answer about 1\.4× faster with 5 draft tokens \(draft model Qwen\/Qwen2\.5-0\.5B\) \(predicted, not measured\)\.$/);
    expect(s.details[0]).toMatch(/^Predicted: /);
    expect(s.details.join(' ')).not.toMatch(/The gain is clear/);
    // The answer is for one request in flight (no target level given): its row at that level being measured makes it measured.
    const partlyMeasured = structuredClone(withNewFields);
    Object.assign(partlyMeasured.configurations[4], { predicted: false });
    const measured = summarizeReport(partlyMeasured);
    expect(measured.predicted).toBe(false);
    expect(measured.headline).toMatch(/ answers about 1\.4× faster with 5 draft tokens \(draft model Qwen\/Qwen2\.5-0\.5B\)\.$/);
  });
});

describe('HTML export', () => {
  const html = reportToHtml(report);

  it('is one self-contained file: no script, no reference to anything outside it', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script/i);
    // No attribute or CSS that could load anything: no src/href/srcset/action at all, no url(), no @import.
    expect(html).not.toMatch(/\s(src|href|xlink:href|srcset|action|poster)\s*=/i);
    expect(html).not.toMatch(/url\(|@import/i);
    expect(html).not.toMatch(/<(link|img|iframe|object|embed|audio|video|base)\b/i);
    // Text may name the server's URL; nothing may point at one.
    for (const m of html.matchAll(/https?:\/\/[^\s<"']*/g)) expect(html.slice(Math.max(0, m.index - 40), m.index)).not.toMatch(/[=(]\s*["']?$/);
    expect(html).toContain(`content="default-src &#39;none&#39;;`);
  });

  it('says the answer, gives the command, draws inline SVG and the three tables', () => {
    expect(html).toContain(`with ${rec.numSpeculativeTokens} draft tokens`);
    expect(html).toContain(escapeHtml(rec.command!));
    expect(html.match(/<svg\b/g)).toHaveLength(2);
    // Labels are whole where they fit (the chart makes room up to a limit).
    for (const g of report.byPromptType) expect(html).toContain(`>${g.label}</text>`);
    for (const id of ['configurations', 'prompt-types', 'system-prompts']) expect(html).toContain(`<table id="${id}"`);
    expect(html).toMatch(/@media \(prefers-color-scheme: dark\)/);
    expect(html).toMatch(/@media print/);
    expect(html).not.toMatch(/NaN|undefined|\bnull\b/);
  });

  it('escapes every string from the report', () => {
    const out = reportToHtml(hostile);
    expect(out).not.toContain('<img');
    expect(out).not.toMatch(/<script/i);
    expect(out).not.toContain('</style><');
    expect(out).not.toContain('</pre><script');
    expect(out).toContain(escapeHtml(EVIL));
  });

  it('shows predicted figures as predicted (hollow, dashed bar) and "not reported" with its reason instead of an acceptance', () => {
    const out = reportToHtml(withNewFields);
    // Only the recommended configuration at the recommendation's level (1 in flight) is the best bar.
    expect(out.match(/<rect class="bar best predicted"[^>]*fill="none"[^>]*stroke-dasharray/g)).toHaveLength(1);
    expect(out).toContain('52.3 tok/s <em>(predicted)</em>');
    expect(out).toContain('not reported</span> <span class="muted">(LM Studio 0.3 does not report draft statistics)');
    // The concurrency has its own column in the table; the chart's labels carry it.
    expect(out).toContain('<th scope="row">k = 3 · Qwen/Qwen2.5-0.5B</th><td class="text">llama.cpp</td><td>1</td>');
    expect(out).toContain('>k = 3 · Qwen/Qwen2.5-0.5B · 1 parallel</text>');
    expect(out).toContain('Total tokens/s');
  });

  it('copes with a report that has nothing in it', () => {
    const empty = variant((r) => Object.assign(r, { configurations: [], byPromptType: [], bySystemPrompt: [], recommendation: null, bestUseCase: null, theory: null, warnings: [], measurements: [] }));
    const out = reportToHtml(empty);
    expect(out).toContain('No answer yet');
    expect(out).not.toMatch(/<svg|NaN|undefined/);
    expect(reportToMarkdown(empty)).toContain('No answer yet');
    expect(parseCsv(reportToCsv(empty))).toEqual([[...CSV_COLUMNS]]);
  });

  it('picks readable axis steps', () => {
    expect([niceStep(64.16), niceStep(65.9), niceStep(9), niceStep(302.8), niceStep(0)]).toEqual([20, 20, 2, 100, 1]);
  });
});

describe('HTML export in real Chromium', () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spectune-html-'));
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Open the file with every request and console error recorded; anything but the file itself fails the test. */
  async function open(r: Report, opts: { width?: number; colorScheme?: 'light' | 'dark' } = {}) {
    const file = join(dir, `report-${Math.random().toString(36).slice(2)}.html`);
    writeFileSync(file, reportToHtml(r));
    const url = pathToFileURL(file).href;
    const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: 900 }, colorScheme: opts.colorScheme ?? 'light' });
    const requests: string[] = [];
    const problems: string[] = [];
    await context.route('**/*', (route) => {
      const u = route.request().url();
      if (u === url) return route.continue();
      requests.push(u);
      return route.abort();
    });
    const page = await context.newPage();
    page.on('request', (req) => req.url() !== url && requests.push(req.url()));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(url, { waitUntil: 'load' });
    return { page, context, requests, problems };
  }

  it('opens offline: no request but the file, no error, the answer at the top and the command verbatim', async () => {
    const { page, context, requests, problems } = await open(report, { width: 900 });
    try {
      expect(requests).toEqual([]);
      expect(problems).toEqual([]);
      const h1 = page.locator('h1');
      expect(await h1.textContent()).toBe(summarizeReport(report).headline);
      const box = (await h1.boundingBox())!;
      expect(box.y + box.height).toBeLessThan(900);
      expect(await page.locator('#command pre').textContent()).toBe(rec.command);
      expect(await page.locator('svg.chart').count()).toBe(2);
      expect(await page.locator('#configurations tbody tr').count()).toBe(report.configurations.length);
      // Nothing wider than a 900 px window: wide tables scroll inside their own box.
      expect(await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth')).toBe(true);
      // The page's own CSP is in force: the browser refuses any load even if a reference slipped in.
      expect(await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')).toMatch(/^default-src 'none';/);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('runs nothing from a hostile report: no image, no script, no dialog, the text shown as text', async () => {
    const { page, context, requests, problems } = await open(hostile);
    try {
      expect(requests).toEqual([]);
      expect(problems).toEqual([]);
      expect(await page.locator('img, script').count()).toBe(0);
      expect(await page.locator('.eyebrow').textContent()).toContain(EVIL);
      expect(await page.locator('#command pre').textContent()).toBe(hostile.recommendation!.command);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('follows the reader: dark colours in dark mode, black on white in print', async () => {
    const bg = async (scheme: 'light' | 'dark', media: 'screen' | 'print') => {
      const { page, context } = await open(report, { colorScheme: scheme });
      try {
        await page.emulateMedia({ media, colorScheme: scheme });
        return await page.evaluate('[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]');
      } finally {
        await context.close();
      }
    };
    expect(await bg('light', 'screen')).toEqual(['rgb(255, 255, 255)', 'rgb(29, 33, 37)']);
    expect(await bg('dark', 'screen')).toEqual(['rgb(22, 25, 29)', 'rgb(230, 233, 236)']);
    expect(await bg('dark', 'print')).toEqual(['rgb(255, 255, 255)', 'rgb(0, 0, 0)']);
  }, 60_000);
});

describe('CSV export', () => {
  const csv = reportToCsv(report);
  const rows = parseCsv(csv);
  const [header, ...data] = rows;
  const col = (name: string) => header.indexOf(name);

  it('has a header row, one row per configuration, CRLF line ends and the same cell count everywhere', () => {
    expect(header).toEqual([...CSV_COLUMNS]);
    expect(data).toHaveLength(report.configurations.length);
    for (const r of data) expect(r).toHaveLength(header.length);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  it('reads back to the report\'s numbers, plain (no unit, no thousands separator)', () => {
    const numeric: [string, (c: Report['configurations'][number]) => number | null][] = [
      ['k', (c) => c.numSpeculativeTokens],
      ['requests', (c) => c.requests],
      ['tokens_per_second', (c) => c.tokensPerSecond],
      ['tokens_per_second_ci_low', (c) => c.tokensPerSecondCI?.[0] ?? null],
      ['tokens_per_second_ci_high', (c) => c.tokensPerSecondCI?.[1] ?? null],
      ['total_seconds', (c) => c.totalSeconds],
      ['ttft_seconds', (c) => c.ttftSeconds],
      ['speedup_percent', (c) => c.speedupPercent],
      ['speedup_percent_ci_low', (c) => c.speedupPercentCI?.[0] ?? null],
      ['acceptance_rate', (c) => c.acceptanceRate],
      ['mean_acceptance_length', (c) => c.meanAcceptanceLength],
      ['output_match_rate', (c) => c.outputMatchRate],
    ];
    report.configurations.forEach((c, i) => {
      for (const [name, get] of numeric) {
        const cell = data[i][col(name)];
        const want = get(c);
        if (want === null) expect(cell, `${name} of ${c.label}`).toBe('');
        else {
          expect(cell, `${name} of ${c.label}`).toMatch(/^-?\d+(\.\d+)?$/);
          expect(Number(cell), `${name} of ${c.label}`).toBe(want);
        }
      }
      expect(data[i][col('recommended')]).toBe(String(c.numSpeculativeTokens === rec.numSpeculativeTokens));
    });
    expect(csv).not.toMatch(/tok\/s|%|\bms\b/);
  });

  it('quotes per RFC 4180 and keeps a label with comma, quote and line break intact; formulas stay text', () => {
    const out = parseCsv(reportToCsv(hostile));
    expect(out[2][col('label')]).toBe(hostile.configurations[1].label);
    expect(reportToCsv(hostile)).toContain('"<img src=x onerror=alert(1)> | ""q"", x\r\ny"');
    const formula = parseCsv(reportToCsv(variant((r) => (r.configurations[0].label = '=HYPERLINK("http://x")'))));
    expect(formula[1][col('label')]).toBe(`'=HYPERLINK("http://x")`);
    // Negative numbers are numbers, not formulas: no apostrophe.
    const negative = parseCsv(reportToCsv(variant((r) => (r.configurations[3].speedupPercent = -5.3))));
    expect(negative[4][col('speedup_percent')]).toBe('-5.3');
  });

  it('writes one row per configuration × concurrency level, with the new fields, predicted marked', () => {
    const out = parseCsv(reportToCsv(withNewFields));
    expect(out).toHaveLength(1 + withNewFields.configurations.length);
    expect(out.slice(1).map((r) => r[col('concurrency')])).toEqual(['1', '4', '1', '4', '1', '4', '1', '4']);
    expect(out[5][col('predicted')]).toBe('true');
    expect(out[4][col('acceptance_rate')]).toBe('');
    expect(out[4][col('acceptance_not_reported')]).toBe('LM Studio 0.3 does not report draft statistics');
    expect(out[2][col('aggregate_tokens_per_second')]).toBe(plainNumber(37.72 * 3.5));
  });

  it('never writes exponent notation', () => {
    expect([plainNumber(1e-7), plainNumber(1.5e21), plainNumber(-2.5e-8), plainNumber(0.1 + 0.2)]).toEqual(['0.0000001', '1500000000000000000000', '-0.000000025', '0.30000000000000004']);
  });
});

describe('Markdown export', () => {
  it('has the summary, the command in a code block and a table with the same column count on every row', () => {
    const md = reportToMarkdown(report);
    expect(md.split('\n')[0]).toBe(`### ${summarizeReport(report).headline}`);
    expect(md).toContain('```sh\n' + rec.command + '\n```');
    const lines = tableLines(md);
    expect(lines).toHaveLength(2 + report.configurations.length);
    const width = markdownCells(lines[0]).length;
    for (const l of lines) expect(markdownCells(l), l).toHaveLength(width);
    expect(markdownCells(lines[1]).every((c) => /^:?-{3,}:?$/.test(c))).toBe(true);
    const best = lines.find((l) => l.includes('★'))!;
    expect(markdownCells(best)[0]).toBe(`k = ${rec.numSpeculativeTokens}`);
  });

  it('escapes pipes, line breaks and markup from the report so the table holds', () => {
    const md = reportToMarkdown(hostile);
    const lines = tableLines(md);
    expect(lines).toHaveLength(2 + hostile.configurations.length);
    const width = markdownCells(lines[0]).length;
    for (const l of lines) expect(markdownCells(l), l).toHaveLength(width);
    expect(md).toContain('\\<img src=x onerror=alert(1)\\> \\| "q", x y');
    // Raw markup only inside the command's code block, where it is shown, not rendered.
    expect(md.replace(/```sh\n[^\n]*\n```/, '')).not.toMatch(/(?<!\\)<(img|script)/);
  });

  it('fences a command holding backticks with a longer fence', () => {
    const md = reportToMarkdown(variant((r) => (r.recommendation.command = 'echo ```not a fence```')));
    expect(md).toContain('````sh\necho ```not a fence```\n````');
  });

  it('adds the engine and concurrency columns when the report has them, and marks predicted figures', () => {
    const md = reportToMarkdown(withNewFields);
    const lines = tableLines(md);
    expect(markdownCells(lines[0])).toEqual(expect.arrayContaining(['Engine', 'Parallel', 'Total tokens/s']));
    for (const l of lines) expect(markdownCells(l)).toHaveLength(markdownCells(lines[0]).length);
    expect(md).toContain('52.3 tok/s *(predicted)*');
    expect(md).toContain('not reported (LM Studio 0.3 does not report draft statistics)');
  });
});

describe('reading a file that may not be a report', () => {
  const refusal = (text: string) => {
    try {
      parseReportText(text, 'x.json');
    } catch (err) {
      expect(err).toBeInstanceOf(SpecTuneError);
      expect((err as SpecTuneError).code).toBe('INVALID_INPUT');
      return `${(err as SpecTuneError).message} — ${(err as SpecTuneError).hint}`;
    }
    throw new Error('accepted');
  };

  it('names what is wrong', () => {
    expect(refusal('')).toMatch(/x\.json is not a SpecTune report: the file is empty/);
    expect(refusal('{"a":')).toMatch(/not valid JSON/);
    expect(refusal('{"type":"start"}\n{"type":"measurement"}\n')).toMatch(/measurement log \(\.jsonl\)/);
    expect(refusal('[1,2]')).toMatch(/a JSON array, not a report object/);
    expect(refusal('{"name":"pkg"}')).toMatch(/neither "schemaVersion" nor "tool"/);
    expect(refusal(JSON.stringify({ ...fixture, schemaVersion: REPORT_SCHEMA_VERSION + 1 }))).toMatch(new RegExp(`newer SpecTune \\(report schemaVersion ${REPORT_SCHEMA_VERSION + 1}\\)`));
    const broken = variant((r) => {
      r.configurations[1].tokensPerSecond = 'fast';
      delete r.status;
    });
    expect(refusal(JSON.stringify(broken))).toMatch(/status: .*; configurations\.1\.tokensPerSecond: .*expected number/);
  });

  it('reads a version-1 report (server.vllmVersion) as the current version, and exports it exactly as its current twin', () => {
    const v1Text = readFileSync(V1_FIXTURE, 'utf8');
    expect(JSON.parse(v1Text)).toMatchObject({ schemaVersion: 1, server: { vllmVersion: '0.15.1' } });
    const v1 = parseReportText(v1Text, V1_FIXTURE);
    expect(v1.schemaVersion).toBe(REPORT_SCHEMA_VERSION);
    expect(v1.server.engineVersion).toBe('0.15.1');
    expect(v1.server).not.toHaveProperty('vllmVersion');
    for (const render of [reportToHtml, reportToMarkdown, reportToCsv]) expect(render(v1)).toBe(render(report));
    expect(reportToHtml(v1)).toContain('vLLM 0.15.1');
  });

  it('keeps fields newer than the schema, so the exporters see them', () => {
    const r = parseReportText(JSON.stringify(withNewFields), 'x.json');
    expect((r.configurations[4] as Record<string, unknown>).predicted).toBe(true);
  });
});

describe('report:export request', () => {
  it('answers with the exporter\'s file, and refuses an unknown format naming the field', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'spectune-export-'));
    const services = createAppServices({ dataDir, mode: 'browser', emit: () => {}, engineCommands: { vllm: ['spectune-no-such-vllm'] } });
    try {
      const file = await services.handle('report:export', { report, format: 'md' });
      expect(file).toEqual(exportReport(report, 'md'));
      expect(file.filename).toBe('spectune-simulated-7b-20261128-1800.md');
      await expect(services.handle('report:export', { report, format: 'pdf' })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/^format: must be one of html, csv, md/) });
      await expect(services.handle('report:export', { report: { hello: 1 }, format: 'csv' })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/report\.schemaVersion/) });
    } finally {
      await services.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('spectune report (real process)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'spectune-report-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (...args: string[]) => execa(process.execPath, [BIN, 'report', ...args], { reject: false, env: { NO_COLOR: '1' }, timeout: 60_000 });

  it('prints the CSV on stdout, which parses back to the report', async () => {
    const r = await run(FIXTURE, '--format', 'csv');
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    // execa strips the final newline; the file itself ends in CRLF.
    const rows = parseCsv(r.stdout + '\r\n');
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows.slice(1).map((row) => Number(row[CSV_COLUMNS.indexOf('tokens_per_second')]))).toEqual(report.configurations.map((c) => c.tokensPerSecond));
  }, 60_000);

  it('opens a version-1 report: the same Markdown as its current twin, the engine version included', async () => {
    const [old, now] = await Promise.all([run(V1_FIXTURE, '--format', 'md'), run(FIXTURE, '--format', 'md')]);
    expect(old.exitCode).toBe(0);
    expect(old.stderr).toBe('');
    expect(old.stdout).toBe(now.stdout);
    expect(old.stdout).toContain('0.15.1');
  }, 60_000);

  it('refuses a file that is not a report with exit 2 and says what is wrong', async () => {
    const notReport = join(dir, 'package.json');
    writeFileSync(notReport, JSON.stringify({ name: 'x', version: '1.0.0' }));
    const r = await run(notReport, '--format', 'html');
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${notReport} is not a SpecTune report: it is JSON, but has neither "schemaVersion" nor "tool"`);

    const missing = await run(join(dir, 'nope.json'), '--format', 'md');
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('nope.json: no such file or folder');
  }, 60_000);

  it('writes -o OUT (format from its extension), and exits 1 when OUT cannot be written', async () => {
    const out = join(dir, 'shared.html');
    const ok = await run(FIXTURE, '-o', out);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(reportToHtml(parseReportText(readFileSync(FIXTURE, 'utf8'), FIXTURE)));

    // A regular file used as a folder: unwritable even for root.
    const bad = await run(FIXTURE, '--format', 'md', '-o', join(out, 'report.md'));
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain(`cannot write ${join(out, 'report.md')}: a part of the path is a file, not a folder`);
  }, 60_000);
});
