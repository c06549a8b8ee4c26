/**
 * Screenshots of the shareable HTML report (tests/renderer/fixtures/report.json) in
 * Debian's Chromium, for the README: `node bin/run-ts.js scripts/report-html-screenshot.ts
 * [OUT_DIR]` writes report-html.png (light, the one the README shows; default OUT_DIR:
 * docs) and report-html-dark.png to the system's temp folder, to look at, not to commit.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { parseReportText, reportToHtml } from '../src/shared/report-export';

const root = resolve(import.meta.dirname, '..');
const outDir = resolve(process.argv[2] ?? join(root, 'docs'));
const fixture = join(root, 'tests/renderer/fixtures/report.json');
const tmp = mkdtempSync(join(tmpdir(), 'spectune-shot-'));
const page = join(tmp, 'report.html');
writeFileSync(page, reportToHtml(parseReportText(readFileSync(fixture, 'utf8'), fixture)));

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  for (const [scheme, path] of [['light', join(outDir, 'report-html.png')], ['dark', join(tmpdir(), 'report-html-dark.png')]] as const) {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, colorScheme: scheme, deviceScaleFactor: 1 });
    const tab = await context.newPage();
    await tab.goto(pathToFileURL(page).href);
    await tab.screenshot({ path, fullPage: true });
    await context.close();
    console.log(`wrote ${path}`);
  }
} finally {
  await browser.close();
  rmSync(tmp, { recursive: true, force: true });
}
