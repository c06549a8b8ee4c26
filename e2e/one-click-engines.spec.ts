/**
 * One click for each engine, from the first screen, in Debian's Chromium through
 * browser mode, each on its simulator persona: launched engines (vLLM,
 * llama.cpp, mlx_lm) restart on the winner; attached ones (LM Studio, Ollama, a
 * generic OpenAI-compatible server, whose demo is the vLLM persona)
 * get the exact setting with Copy. Short runs: one prompt type, one system
 * prompt, one repeat. Runs after the journey (file order), whose history counts
 * it would otherwise change.
 */
import { expect, test, type Page } from '@playwright/test';
import { ServerStateSchema, type ServerState } from '../src/shared/schemas';
import { SweepStateSchema } from '../src/shared/ipc-contract';
import { URL_WITH_TOKEN, BASE, freePort, api } from './browser-api';


test.describe.configure({ mode: 'serial' });

let page: Page;


const serverState = async (): Promise<ServerState> => ServerStateSchema.parse(await api('server:state'));
const sweepState = async () => SweepStateSchema.parse(await api('sweep:state'));

test.beforeAll(async ({ browser }) => {
  expect(URL_WITH_TOKEN, 'global setup must start spectune ui').toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
  const context = await browser.newContext({ colorScheme: 'light' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
  page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(URL_WITH_TOKEN);
  // The app opens on the guided flow.
  await expect(page.getByRole('heading', { name: 'Find the fastest setting for your server' })).toBeVisible();
  // Short runs: one prompt type (of four), the one default system prompt, one repeat, short answers.
  await page.getByTestId('nav-sweep').click();
  for (const name of [/Code generation/, /Technical explanation/, /Creative problem-solving/]) await page.getByRole('checkbox', { name }).uncheck();
  await page.getByLabel('Repeats', { exact: true }).fill('1');
  await page.getByLabel('Max tokens', { exact: true }).fill('24');
});

test.afterAll(async () => {
  await api('sweep:cancel').catch(() => undefined);
  await api('server:stop').catch(() => undefined);
  await api('demo:stop').catch(() => undefined);
  await page?.context().close();
});

/** Pick the engine, fill its demo, click once; returns when the answer is on screen. */
async function oneClick(engine: string, opts: { port?: number } = {}): Promise<string> {
  await page.getByTestId('nav-start').click();
  await page.locator(`[data-testid="engine-card"][data-engine="${engine}"]`).click();
  await page.getByRole('button', { name: 'Use the simulator' }).click();
  await expect(page.getByTestId('guide-demo')).toBeVisible();
  if (opts.port) await page.getByLabel('Port', { exact: true }).fill(String(opts.port));
  // The flow as a newcomer sees it, for the README and for a look at its layout.
  await page.screenshot({ path: `test-results/screens/get-started-${engine}.png`, fullPage: true });
  await page.getByRole('button', { name: 'Find the best setting' }).click();
  const headline = page.getByTestId('oneclick-headline');
  await expect(headline).toBeVisible({ timeout: 100_000 });
  // The answer is the first thing seen: in the viewport without scrolling, focused, and said once (no notice bar repeating it).
  await expect(headline).toBeInViewport();
  await expect(headline).toBeFocused();
  const text = (await headline.textContent()) ?? '';
  expect(text).toMatch(/faster with (\d+ draft tokens|the draft model \S+)|did not pay|Best setting found/);
  await expect(page.getByTestId('notice')).toHaveCount(0);
  await page.screenshot({ path: `test-results/screens/one-click-answer-${engine}.png` });
  return text;
}

/** A launched engine: the plan it ran was for that engine on the simulator, and the server restarted on the winner. */
async function expectRestartedOnWinner(engine: string): Promise<void> {
  const s = await sweepState();
  expect(s.report?.server.simulated).toBe(true);
  const k = s.report?.recommendation?.numSpeculativeTokens;
  expect(typeof k).toBe('number');
  await expect.poll(async () => {
    const st = await serverState();
    return st.phase === 'ready' && st.settings?.engine === engine && st.settings.numSpeculativeTokens === k;
  }, { timeout: 45_000, message: `${engine} should run on k = ${k}` }).toBe(true);
}

for (const engine of ['vllm', 'llama.cpp', 'mlx']) {
  test(`${engine} demo: one click restarts the simulated server on the winner`, async () => {
    test.setTimeout(150_000);
    await oneClick(engine, { port: await freePort() });
    await expectRestartedOnWinner(engine);
    await expect(page.getByTestId('oneclick-setting')).toBeVisible();
  });
}

for (const engine of ['lmstudio', 'ollama', 'openai']) {
  test(`${engine} demo: one click measures the attached simulated server and gives the exact setting with Copy`, async () => {
    test.setTimeout(150_000);
    await oneClick(engine);
    const s = await sweepState();
    expect(s.kind).toBe('sweep');
    const rec = s.report?.recommendation;
    expect(rec?.engine).toBe(engine);
    expect(s.report?.server.kind).toBe(engine);
    const setting = page.getByTestId('oneclick-setting');
    await expect(setting).toHaveText(rec?.command ?? rec?.setting ?? '<none>');
    await page.getByTestId('how-to-set').getByRole('button', { name: /^Copy (setting|command)$/ }).first().click();
    await expect(page.getByRole('status').filter({ hasText: /^(Setting|Command) copied$/ })).toBeVisible();
    const copied = await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText());
    expect(copied).toBe(await setting.textContent());
  });
}
