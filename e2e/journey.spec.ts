/**
 * The whole user journey in Debian's Chromium, through browser mode, against
 * the simulator launched by the app itself: status → start → sweep → charts and
 * recommendation → save → apply → preset → cancel midway → crashed server.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { ReportSchema, ServerStateSchema, type ServerState } from '../src/shared/schemas';
import { URL_WITH_TOKEN, BASE, freePort, api } from './browser-api';

const DATA = process.env.SPECTUNE_E2E_DATA ?? '';
const SHOTS = 'test-results/screens';

test.describe.configure({ mode: 'serial' });

let page: Page;
let port = 0;
let recommendedK = -1;


async function serverState(): Promise<ServerState> {
  return ServerStateSchema.parse(await api('server:state'));
}

async function shot(name: string, info: TestInfo): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  // A full-page shot of a scrolled page would draw the sticky sidebar mid-page.
  await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
  await page.screenshot({ path, fullPage: true });
  await info.attach(name, { path, contentType: 'image/png' });
}

async function nav(id: 'servers' | 'sweep' | 'results' | 'oneclick' | 'presets' | 'history'): Promise<void> {
  await page.getByTestId(`nav-${id}`).click();
  await expect(page.getByTestId(`nav-${id}`)).toHaveAttribute('aria-current', 'page');
}

async function setField(label: string, value: string): Promise<void> {
  await page.getByLabel(label, { exact: true }).fill(value);
}

async function waitForPhase(phase: ServerState['phase'], k?: number): Promise<ServerState> {
  let last: ServerState | null = null;
  await expect
    .poll(
      async () => {
        last = await serverState();
        return last.phase === phase && (k === undefined || last.settings?.numSpeculativeTokens === k);
      },
      { timeout: 45_000, message: `server should reach ${phase}${k === undefined ? '' : ` with k = ${k}`}` },
    )
    .toBe(true);
  return last!;
}

test.beforeAll(async ({ browser }) => {
  expect(URL_WITH_TOKEN, 'global setup must start spectune ui').toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
  port = await freePort();
  const context = await browser.newContext({ colorScheme: 'light' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
  page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
});

test.afterAll(async () => {
  // Leave nothing running for the next project; global teardown checks the process tree too.
  await api('sweep:cancel').catch(() => undefined);
  await api('server:stop').catch(() => undefined);
  await page?.context().close();
});

test('status: endpoint cards and the simulator offered for an engine not installed; the token leaves the address bar', async ({}, info) => {
  await page.goto(URL_WITH_TOKEN);
  // The app opens on the guided flow; the Servers screen is one click away.
  await expect(page.getByRole('heading', { name: 'Find the fastest setting for your server' })).toBeVisible();
  await nav('servers');
  await expect(page.getByRole('heading', { name: 'Servers' })).toBeVisible();
  expect(page.url()).not.toContain('token=');
  const cards = page.getByTestId('endpoint-card');
  await expect(cards.first()).toBeVisible();
  expect(await cards.count()).toBeGreaterThanOrEqual(3);
  await expect(page.getByTestId('endpoint-card').filter({ hasText: 'LM Studio' }).getByTestId('endpoint-status')).toBeVisible();
  // No vLLM on this machine (its own --version check says so): the app offers its simulator beside the launch form.
  await expect(page.getByTestId('server-demo')).toContainText('No vLLM found on this machine?');
  await shot('01-servers-status', info);
});

test('start the simulator launched by the app', async ({}, info) => {
  await page.getByTestId('server-demo').getByRole('button', { name: 'Use the simulator' }).click();
  await expect(page.getByLabel('vLLM command', { exact: true })).toHaveValue(/spectune\.js sim$/);
  await expect(page.getByTestId('server-demo')).toContainText('built-in simulator standing in for vLLM');
  // The demo fills vLLM's draft model; this run guesses with n-gram instead.
  await setField('Model', 'demo/simulated-7b');
  await setField('Draft model', '');
  await page.getByLabel('Speculation method', { exact: true }).selectOption('ngram');
  await setField('Draft tokens (k)', '3');
  await setField('Port', String(port));
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByTestId('server-phase')).toHaveText('ready', { timeout: 45_000 });
  await expect(page.getByTestId('server-k')).toHaveText('k = 3');
  await expect(page.getByTestId('server-log')).toContainText('num_spec_tokens=3');
  // The status poll finds it and tells what really listens, labelled simulated.
  const card = page.getByTestId('endpoint-card').filter({ hasText: `127.0.0.1:${port}` });
  await expect(card.getByTestId('endpoint-status')).toHaveText('RUNNING', { timeout: 20_000 });
  await expect(card.getByTestId('endpoint-kind')).toContainText('vLLM');
  await expect(card.getByTestId('simulated-label')).toBeVisible();
  await shot('02-servers-running', info);
});

test('run a sweep: live charts, then the recommendation and results', async ({}, info) => {
  await nav('sweep');
  await setField('Configurations (k list)', '0, 3, 5');
  await page.getByRole('checkbox', { name: /Technical explanation/ }).uncheck();
  await page.getByRole('checkbox', { name: /Creative problem-solving/ }).uncheck();
  await setField('Repeats', '1');
  // One round per k, however close two come out: the dots counted below are the rounds, not the search.
  await setField('Max repeats', '1');
  await setField('Max tokens', '24');
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await expect(page.getByTestId('sweep-progress')).toBeVisible();
  await expect(page.getByTestId('sweep-status')).toContainText('Sweep complete', { timeout: 75_000 });
  // Live chart got a dot per measured request.
  await expect(page.getByTestId('chart-live').locator('.recharts-scatter-symbol')).toHaveCount(6);
  await shot('03-sweep-complete', info);

  await page.getByRole('button', { name: 'Open in Results' }).click();
  const rec = page.getByTestId('recommendation');
  await expect(rec).toBeVisible();
  const kText = (await page.getByTestId('rec-k').textContent()) ?? '';
  recommendedK = Number(/k = (\d+)/.exec(kText)?.[1]);
  expect([0, 3, 5]).toContain(recommendedK);
  await expect(page.getByTestId('rec-tps')).toContainText('tok/s');
  await expect(rec.getByTestId('simulated-label')).toBeVisible();
  await expect(page.getByTestId('config-table').locator('tbody tr')).toHaveCount(3);
  await expect(page.getByTestId('prompt-type-table').locator('tbody tr')).toHaveCount(2);
  for (const id of ['chart-throughput', 'chart-by-prompt', 'chart-by-system', 'chart-ttft', 'chart-acceptance']) {
    await expect(page.getByTestId(id).locator('.recharts-wrapper > svg.recharts-surface'), id).toBeVisible();
  }
  await expect(page.getByTestId('chart-throughput').locator('.recharts-bar-rectangle')).toHaveCount(3);
  await shot('04-results', info);
});

test('copy the command and save test_results.json (checked on disk)', async ({}, info) => {
  await page.getByRole('button', { name: 'Copy command' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Command copied' })).toBeVisible();
  const command = await page.getByTestId('rec-command').textContent();
  // Runs in the page; typed by hand because the e2e tsconfig has no DOM lib.
  expect(await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText())).toBe(command);

  // Browser mode: the browser downloads the report; the server is never told a path.
  const target = join(DATA, 'saved', 'test_results.json');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download test_results.json' }).click()]);
  expect(download.suggestedFilename()).toMatch(/^test_results-.+\.json$/);
  await download.saveAs(target);
  const saved = ReportSchema.parse(JSON.parse(readFileSync(target, 'utf8')));
  expect(saved.configurations.map((c) => c.numSpeculativeTokens)).toEqual([0, 3, 5]);
  expect(saved.server.simulated).toBe(true);
  expect(saved.recommendation?.numSpeculativeTokens).toBe(recommendedK);
  await shot('05-results-saved', info);
});

test('download the report as HTML, CSV and Markdown (real downloads from the Results screen)', async () => {
  const got: Record<string, string> = {};
  for (const [name, ext] of [['HTML', 'html'], ['CSV', 'csv'], ['Markdown', 'md']] as const) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: `Download ${name}` }).click()]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^spectune-simulated-7b-\\d{8}-\\d{4}\\.${ext}$`));
    got[ext] = readFileSync(await download.path(), 'utf8');
  }
  expect(got.html).toMatch(/^<!doctype html>/);
  expect(got.html).toContain('<svg');
  expect(got.html).not.toMatch(/<script/i);
  // The simulator here drafts by n-gram lookup (no draft model): the headline names the whole setting.
  expect(got.html).toContain(recommendedK === 0 ? 'Speculation did not pay' : `with n-gram drafting, ${recommendedK} tokens — no draft model needed`);
  const csvLines = got.csv.split('\r\n');
  expect(csvLines[0]).toMatch(/^k,label,/);
  expect(csvLines.slice(1, -1).map((l) => Number(l.split(',')[0]))).toEqual([0, 3, 5]);
  expect(got.md.split('\n').filter((l) => l.startsWith('| '))).toHaveLength(2 + 3);
});

test('apply: the server restarts on the recommended k', async () => {
  await page.getByRole('button', { name: /^Apply/ }).click();
  await expect(page.getByTestId('notice')).toHaveText(`Server restarted with k = ${recommendedK}`, { timeout: 45_000 });
  const s = await waitForPhase('ready', recommendedK);
  expect(s.simulated).toBe(true);
  await nav('servers');
  await expect(page.getByTestId('server-k')).toHaveText(`k = ${recommendedK}`);
  await expect(page.getByLabel('Draft tokens (k)', { exact: true })).toHaveValue(String(recommendedK));
  if (recommendedK > 0) await expect(page.getByTestId('server-log')).toContainText(`num_spec_tokens=${recommendedK}`);
});

test('save a preset, move away from it, and re-apply it', async ({}, info) => {
  await nav('presets');
  await page.getByLabel('Preset name').fill('E2E winner');
  await page.getByRole('button', { name: 'Save current settings' }).click();
  const row = page.getByTestId('preset-row').filter({ hasText: 'E2E winner' });
  await expect(row).toContainText(`k = ${recommendedK}`);

  const other = recommendedK === 5 ? 3 : 5;
  await nav('servers');
  await setField('Draft tokens (k)', String(other));
  await page.getByRole('button', { name: 'Restart', exact: true }).click();
  await waitForPhase('ready', other);
  await expect(page.getByTestId('server-k')).toHaveText(`k = ${other}`);

  await nav('presets');
  await row.getByRole('button', { name: 'Apply' }).click();
  await waitForPhase('ready', recommendedK);
  await expect(page.getByTestId('notice')).toContainText(`k = ${recommendedK}`);
  await shot('06-presets', info);
});

test('one click: find the optimal k, restart on it, save it as a preset', async ({}, info) => {
  await nav('oneclick');
  await page.getByRole('button', { name: 'Find the best setting' }).click();
  const winner = page.getByTestId('oneclick-winner');
  await expect(winner).toBeVisible({ timeout: 75_000 });
  const k = Number(/k = (\d+)/.exec((await winner.textContent()) ?? '')?.[1]);
  await expect(page.getByTestId('rec-k')).toHaveText(`k = ${k}`);
  const s = await waitForPhase('ready', k);
  expect(s.simulated).toBe(true);
  await page.getByLabel('Preset name').fill('One-click winner');
  await page.getByRole('button', { name: 'Save as preset' }).click();
  await expect(page.getByTestId('notice')).toHaveText('Preset “One-click winner” saved');
  await shot('07a-oneclick', info);
  await nav('presets');
  await expect(page.getByTestId('preset-row').filter({ hasText: 'One-click winner' })).toContainText(`k = ${k}`);
  // The Servers form follows the server one click restarted.
  await nav('servers');
  await expect(page.getByLabel('Draft tokens (k)', { exact: true })).toHaveValue(String(k));
});

test('cancel a sweep midway: finished configurations are kept and shown', async ({}, info) => {
  await nav('sweep');
  await setField('Configurations (k list)', '0, 3, 5, 7');
  await page.getByRole('checkbox', { name: /Technical explanation/ }).check();
  await page.getByRole('checkbox', { name: /Creative problem-solving/ }).check();
  await setField('Repeats', '3');
  await setField('Max repeats', '');
  await setField('Max tokens', '64');
  await page.getByRole('button', { name: 'Run sweep' }).click();
  // Charts fill in while it runs: dots, labelled simulated, before anything is finished.
  const live = page.getByTestId('chart-live');
  await expect(live.locator('.recharts-scatter-symbol').first()).toBeVisible({ timeout: 60_000 });
  await expect(live.getByTestId('simulated-label')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Running…' })).toBeDisabled();
  // First configuration done (a partial report arrived), later ones still to go.
  await expect(page.getByTestId('sweep-partial')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'Running…' })).toBeDisabled();
  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(page.getByTestId('sweep-status')).toContainText('Sweep cancelled', { timeout: 30_000 });
  await expect(page.getByTestId('sweep-status')).toContainText('the finished configurations are kept');
  const rows = await page.getByTestId('sweep-partial').locator('tbody tr').count();
  expect(rows).toBeGreaterThanOrEqual(1);
  expect(rows).toBeLessThan(4);
  // What was measured is on disk, not only on screen.
  const reportPath = (await page.getByTestId('sweep-status').locator('code').textContent()) ?? '';
  const kept = ReportSchema.parse(JSON.parse(readFileSync(reportPath, 'utf8')));
  expect(kept.status).toBe('cancelled');
  expect(kept.measurements.length).toBeGreaterThanOrEqual(12); // the whole baseline: 4 prompt types × 1 system prompt × 3 repeats
  expect(kept.configurations.find((c) => c.numSpeculativeTokens === 0)?.tokensPerSecond).toBeGreaterThan(0);
  expect(kept.measurements.length).toBeLessThan(48);
  await shot('07-sweep-cancelled', info);

  await page.getByRole('button', { name: 'Open in Results' }).click();
  await expect(page.getByTestId('report-status')).toHaveText('cancelled');
  await nav('history');
  await expect(page.getByTestId('history-table').locator('tbody tr').filter({ hasText: 'cancelled' })).toHaveCount(1);
  await expect(page.getByTestId('history-table').locator('tbody tr').filter({ hasText: 'complete' })).toHaveCount(2);
  await shot('08-history', info);

  // Compare the cancelled run with the first complete one, side by side.
  const rowsOf = page.getByTestId('history-table').locator('tbody tr');
  await rowsOf.filter({ hasText: 'cancelled' }).getByRole('button', { name: 'Compare as A' }).click();
  await rowsOf.filter({ hasText: 'complete' }).last().getByRole('button', { name: 'Compare as B' }).click();
  const compare = page.getByTestId('compare');
  await expect(compare.getByTestId('results-view')).toHaveCount(2);
  await expect(compare.getByTestId('recommendation')).toHaveCount(2);
  await expect(compare.getByTestId('report-status')).toHaveText('cancelled');
  await expect(compare.getByTestId('config-table').nth(1).locator('tbody tr')).toHaveCount(3);
  const statusRow = page.getByTestId('compare-table').getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Status' }) });
  await expect(statusRow.getByRole('cell')).toHaveText(['cancelled', 'complete']);
  await expect(page.getByTestId('compare-table').getByRole('row').filter({ hasText: 'Baseline (k = 0) tok/s' }).getByRole('cell')).toHaveText([/ tok\/s$/, / tok\/s$/]);
  await shot('08a-history-compare', info);
});

test('a server that dies on startup shows its error and last log lines', async ({}, info) => {
  await nav('servers');
  const s = await serverState();
  if (s.phase === 'ready' || s.phase === 'starting') {
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await waitForPhase('stopped');
  }
  await setField('Extra arguments', '--sim-fail-startup');
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  const panel = page.getByTestId('server-error');
  await expect(panel).toBeVisible({ timeout: 45_000 });
  await expect(panel).toContainText(/out of memory/i);
  await expect(panel.getByTestId('server-error-log')).not.toBeEmpty();
  await expect(page.getByTestId('server-log')).toContainText(/out of memory/i);
  await expect(page.getByTestId('server-phase')).not.toHaveText('ready');
  await shot('09-servers-failed-startup', info);
  await setField('Extra arguments', '');
});

test('a server that crashes after it was ready shows the crash and its log tail', async ({}, info) => {
  await nav('servers');
  await setField('Extra arguments', '--sim-crash-after 1');
  await setField('Draft tokens (k)', '3');
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await expect(page.getByTestId('server-phase')).toHaveText('ready', { timeout: 45_000 });

  // One request through an attached sweep is enough to make it die.
  await nav('sweep');
  await page.getByLabel(/Attached/).check();
  await setField('Server URL', `http://127.0.0.1:${port}`);
  await setField('Configurations (k list)', '3');
  await setField('Repeats', '1');
  await setField('Max tokens', '16');
  await page.getByRole('button', { name: 'Run sweep' }).click();
  await expect(page.getByTestId('sweep-status')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('sweep-status')).not.toContainText('Sweep complete');

  await nav('servers');
  await expect(page.getByTestId('server-phase')).toHaveText('crashed');
  const panel = page.getByTestId('server-error');
  await expect(panel).toContainText('The server crashed');
  await expect(panel.getByTestId('server-error-log')).not.toBeEmpty();
  await shot('10-servers-crashed-after-ready', info);
  await setField('Extra arguments', '');
  await nav('sweep');
  await page.getByLabel(/Managed/).check();
});

test('every screen in light and dark', async ({}, info) => {
  // Show a complete run on Results.
  await nav('history');
  await page.getByTestId('history-table').locator('tbody tr').filter({ hasText: 'complete' }).first().getByRole('button', { name: 'Open' }).click();
  // History's side-by-side compare (from an earlier test) holds two result views until the screen changes:
  // wait for the Results screen's one.
  await expect(page.getByTestId('results-view')).toHaveCount(1);
  await expect(page.getByTestId('results-view')).toBeVisible();
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const id of ['servers', 'sweep', 'results', 'oneclick', 'presets', 'history'] as const) {
      await nav(id);
      await shot(`theme-${scheme}-${id}`, info);
    }
    const bg = await page.evaluate(() => {
      const w = globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string }; document: { body: unknown } };
      return w.getComputedStyle(w.document.body).backgroundColor;
    });
    expect(bg, `${scheme} background`).toBe(scheme === 'dark' ? 'rgb(15, 20, 27)' : 'rgb(246, 247, 249)');
  }
  // The toggle pins a theme against the system's: dark on a light system, light on a dark one.
  const toggle = page.getByRole('button', { name: /^Theme: / });
  const background = () =>
    page.evaluate(() => {
      const w = globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string }; document: { body: unknown } };
      return w.getComputedStyle(w.document.body).backgroundColor;
    });
  await toggle.click(); // system → light
  await expect(toggle).toHaveText('Theme: light');
  expect(await background(), 'light pinned on a dark system').toBe('rgb(246, 247, 249)');
  await page.emulateMedia({ colorScheme: 'light' });
  await toggle.click(); // light → dark
  await expect(toggle).toHaveText('Theme: dark');
  expect(await background(), 'dark pinned on a light system').toBe('rgb(15, 20, 27)');
  await toggle.click(); // back to following the system
  await expect(toggle).toHaveText('Theme: system');
  expect(await background()).toBe('rgb(246, 247, 249)');
});
