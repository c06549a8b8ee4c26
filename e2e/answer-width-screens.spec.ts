/**
 * Nothing that names the answer needs sideways scrolling in a 900 px window (issue 20, item 14):
 * the Configurations table with its ★ column (at 1280 too), History with "Compare as A / B", and
 * the HTML report's tables. Each is
 * checked as the browser lays it out: its scrollWidth is at most its clientWidth.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { startUi, stopUi, type UiServer } from './ui-server';
import { fixtureReport, seedHistory } from './fixture-report';
import { exportReport } from '../src/shared/report-export';

const ROOT = resolve(import.meta.dirname, '..');
let ui: UiServer;
let dataDir: string;

test.beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'spectune-width-'));
  seedHistory(dataDir);
  ui = await startUi(ROOT, dataDir);
});

test.afterAll(async () => {
  if (ui) await stopUi(ui.proc);
  rmSync(dataDir, { recursive: true, force: true });
});

/** How far an element's content reaches past its own box (0 = it fits). */
async function sideways(el: Locator): Promise<number> {
  return el.evaluate((e) => e.scrollWidth - e.clientWidth);
}

async function openApp(page: Page, width: number): Promise<void> {
  await page.setViewportSize({ width, height: 700 });
  await page.goto(ui.url);
  await expect(page.getByTestId('nav-history')).toBeVisible();
  await page.getByTestId('nav-history').click();
  await expect(page.getByTestId('history-table')).toBeVisible();
}

async function openRun(page: Page, row: number): Promise<void> {
  await page.getByTestId('history-table').getByRole('button', { name: 'Open', exact: true }).nth(row).click();
  await expect(page.getByTestId('results-view')).toBeVisible();
}

for (const width of [1280, 900]) {
  test(`the Configurations table shows its ★ column whole at ${width} px`, async ({ page }) => {
    await openApp(page, width);
    await openRun(page, 0);
    const table = page.getByTestId('config-table');
    await expect(table).toBeVisible();
    expect(await sideways(table.locator('xpath=ancestor::div[contains(@class,"table-wrap")][1]'))).toBeLessThanOrEqual(0);
    // The ★ mark is inside the window's width (below the fold is fine: that is scrolling down).
    const star = await table.getByText('★', { exact: false }).first().boundingBox();
    expect(star!.x + star!.width).toBeLessThanOrEqual(width);
  });
}

test('History keeps "Compare as A / B" on screen at 900 px', async ({ page }) => {
  await openApp(page, 900);
  const wrap = page.getByTestId('history-table').locator('xpath=ancestor::div[contains(@class,"table-wrap")][1]');
  expect(await sideways(wrap)).toBeLessThanOrEqual(0);
  await expect(page.getByRole('button', { name: 'Compare as A' }).first()).toBeInViewport({ ratio: 1 });
  await expect(page.getByRole('button', { name: 'Compare as B' }).first()).toBeInViewport({ ratio: 1 });
});

test("the HTML report's tables fit a 900 px window", async ({ page }) => {
  await page.setViewportSize({ width: 900, height: 700 });
  await page.setContent(exportReport(fixtureReport(), 'html').content);
  for (const wrap of await page.locator('.table-wrap').all()) expect(await sideways(wrap)).toBeLessThanOrEqual(0);
  // The Node tsconfig has no DOM lib, on purpose: the little used here, typed by hand.
  const over = await page.evaluate(() => {
    const e = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return e.scrollWidth - e.clientWidth;
  });
  expect(over).toBeLessThanOrEqual(0);
});
