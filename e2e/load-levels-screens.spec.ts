/**
 * The Results screen of a multi-level report (1, 8 and 32 concurrent requests, recommended for 8,
 * with a confirmed schedule) against committed baselines, light at 1280 px and dark at 900 px:
 * the load chart, the per-level table, the schedule and the level picker must fit and read in
 * both. Its own `spectune ui` on a data dir seeded with the hand-built fixture of the renderer
 * tests. Baselines: `npx playwright test --project screens --update-snapshots` after `npm run build`.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import axe from 'axe-core';
import { expect, test, type Page } from '@playwright/test';
import { startUi, stopUi, type UiServer } from './ui-server';
import { multiLevelReport } from '../tests/renderer/fixtures/multi-level-report';
import { ReportSchema } from '../src/shared/schemas';

const ROOT = resolve(import.meta.dirname, '..');

/** Serious or critical axe violations on the page (the main screens spec holds every screen to the same). */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axe.source);
  const found = await page.evaluate(async () => {
    const w = globalThis as unknown as { axe: typeof axe; document: unknown };
    const r = await w.axe.run(w.document as Parameters<typeof axe.run>[0], { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.join(' | ')}`);
}

let ui: UiServer;
let dataDir: string;

test.beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'spectune-levels-'));
  const dir = join(dataDir, 'runs', 'levels-run');
  mkdirSync(dir, { recursive: true });
  const base = ReportSchema.parse(JSON.parse(readFileSync(join(ROOT, 'tests/renderer/fixtures/report.json'), 'utf8')));
  writeFileSync(join(dir, 'test_results.json'), `${JSON.stringify(multiLevelReport(base), null, 2)}\n`);
  ui = await startUi(ROOT, dataDir);
});

test.afterAll(async () => {
  if (ui) {
    const { survivors } = await stopUi(ui.proc);
    expect(survivors, 'processes started by spectune ui outlived it').toEqual([]);
  }
  rmSync(dataDir, { recursive: true, force: true });
});

for (const [scheme, width] of [
  ['light', 1280],
  ['dark', 900],
] as const) {
  test(`multi-level results, ${scheme}, ${width} px wide`, async ({ browser }) => {
    const page = await browser.newPage({ viewport: { width, height: 900 }, colorScheme: scheme, reducedMotion: 'reduce', timezoneId: 'UTC', locale: 'en-US' });
    try {
      await page.goto(ui.url);
      await page.getByTestId('nav-history').click();
      await page.getByTestId('history-table').getByRole('button', { name: 'Open', exact: true }).click();
      await expect(page.getByTestId('load-levels')).toBeVisible();
      await expect(page.getByTestId('chart-load').locator('.recharts-wrapper > svg.recharts-surface')).toBeVisible();
      await expect(page.getByTestId('level-picker')).toHaveValue('8');
      await expect(page.getByTestId('schedule-entries')).toContainText('batch 5–16: k=3');
      const overflow = await page.evaluate(() => {
        const d = (globalThis as unknown as { document: { documentElement: { clientWidth: number; scrollWidth: number } } }).document;
        return d.documentElement.scrollWidth - d.documentElement.clientWidth;
      });
      expect(overflow, `the multi-level results are wider than a ${width} px window`).toBeLessThanOrEqual(0);
      await page.evaluate(() => (globalThis as unknown as { document: { fonts: { ready: Promise<unknown> } } }).document.fonts.ready.then(() => undefined));
      await expect(page).toHaveScreenshot(`results-levels-${scheme}-${width}.png`, { fullPage: true, animations: 'disabled', caret: 'hide', maxDiffPixelRatio: 0.02 });
      expect(await seriousViolations(page), `axe on the multi-level results (${scheme})`).toEqual([]);
    } finally {
      await page.close();
    }
  });
}
