/**
 * Every main screen in light and dark, at 1280 and 900 px wide, against committed baselines:
 * a layout regression (a table cut off, a chart overflowing a 900 px window, a colour gone
 * wrong in dark) fails here. Each screen is also scanned with axe-core: no serious or critical
 * accessibility violation. Deterministic: its own `spectune ui` on a fresh data dir seeded
 * with the committed fixture report (no run, no timing), UTC and en-US, animations off; the
 * endpoint probes (whatever happens to listen on this machine's ports) are masked.
 *
 * Baselines: `npx playwright test --project screens --update-snapshots` after an intended
 * change; SPECTUNE_README_SHOTS=1 also writes the README's docs/screenshot-*.png from the run.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import axe from 'axe-core';
import { expect, test, type Browser, type Locator, type Page } from '@playwright/test';
import { startUi, stopUi, type UiServer } from './ui-server';
import { seedHistory } from './fixture-report';

const ROOT = resolve(import.meta.dirname, '..');
// The Start screen first: it is the first thing a user sees.
const SCREENS = ['start', 'servers', 'sweep', 'oneclick', 'presets', 'history', 'results'] as const;
type Screen = (typeof SCREENS)[number];
const WIDTHS = [1280, 900] as const;
const SCHEMES = ['light', 'dark'] as const;

test.describe.configure({ mode: 'serial' });

/** The little of the page's DOM these checks use (the Node tsconfig has no DOM lib, on purpose). */
interface El {
  tagName: string;
  classList: Iterable<string>;
  parentElement: { closest(sel: string): unknown } | null;
  getBoundingClientRect(): { right: number };
}
interface Win {
  document: {
    fonts: { ready: Promise<unknown> };
    documentElement: { clientWidth: number; scrollWidth: number };
    querySelectorAll(sel: string): Iterable<El>;
  };
  scrollTo(x: number, y: number): void;
  axe: typeof axe;
}

let ui: UiServer;
let dataDir: string;

test.beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'spectune-screens-'));
  seedHistory(dataDir);
  ui = await startUi(ROOT, dataDir);
});

test.afterAll(async () => {
  if (ui) {
    const { survivors } = await stopUi(ui.proc);
    expect(survivors, 'processes started by spectune ui outlived it').toEqual([]);
  }
  rmSync(dataDir, { recursive: true, force: true });
});

async function openApp(browser: Browser, width: number, scheme: 'light' | 'dark'): Promise<Page> {
  const page = await browser.newPage({
    viewport: { width, height: 900 },
    colorScheme: scheme,
    reducedMotion: 'reduce',
    timezoneId: 'UTC',
    locale: 'en-US',
  });
  await page.goto(ui.url);
  await expect(page.getByTestId('nav-servers')).toBeVisible();
  return page;
}

async function show(page: Page, screen: Screen): Promise<void> {
  if (screen === 'results') {
    // The fixture run, opened from History as a user would.
    await page.getByTestId('nav-history').click();
    await page.getByTestId('history-table').getByRole('button', { name: 'Open', exact: true }).click();
    await expect(page.getByTestId('results-view')).toBeVisible();
    await expect(page.getByTestId('chart-throughput').locator('svg.recharts-surface')).toBeVisible();
  } else {
    await page.getByTestId(`nav-${screen}`).click();
  }
  await expect(page.getByTestId(`nav-${screen}`)).toHaveAttribute('aria-current', 'page');
  if (screen === 'history') await expect(page.getByTestId('history-table')).toBeVisible();
  if (screen === 'start') await expect(page.getByTestId('engine-card').first()).toBeVisible();
  if (screen === 'servers') {
    // The probe has answered (what it found is masked), and app:info has: no vLLM on these machines, so its demo is offered.
    await expect(page.getByTestId('endpoint-card').first()).toBeVisible();
    await expect(page.getByTestId('server-demo')).toBeVisible();
  }
  // Web fonts and layout settle before the picture.
  await page.evaluate(() => (globalThis as unknown as Win).document.fonts.ready.then(() => undefined));
  await page.evaluate(() => (globalThis as unknown as Win).scrollTo(0, 0));
}

/**
 * Whatever depends on this machine rather than on the app: the ports probed on the Servers screen
 * (and which engines the user runs are offered on their simulator, for not answering), and on
 * Start which engine was found running.
 */
function masks(page: Page): Locator[] {
  return [page.getByTestId('endpoint-cards'), page.getByTestId('attached-demos'), page.getByTestId('engine-running')];
}

async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    const w = globalThis as unknown as Win;
    const r = await w.axe.run(w.document as unknown as Parameters<typeof axe.run>[0], { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.join(' | ')}`);
}

for (const scheme of SCHEMES) {
  for (const width of WIDTHS) {
    test(`main screens, ${scheme}, ${width} px wide`, async ({ browser }) => {
      const page = await openApp(browser, width, scheme);
      try {
        for (const screen of SCREENS) {
          await test.step(screen, async () => {
            await show(page, screen);
            // Issue 11, finding 10: nothing is cut at 900 px; wide tables scroll inside their own box.
            const overflow = await page.evaluate(() => {
              const { document } = globalThis as unknown as Win;
              const width = document.documentElement.clientWidth;
              // The elements that stick out (not those scrolled inside a table or a command), to name the culprit.
              const out = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > width + 0.5 && !e.parentElement?.closest('.table-wrap, pre'));
              const names = out.slice(0, 5).map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}[${Math.round(e.getBoundingClientRect().right)}]`);
              return { by: document.documentElement.scrollWidth - width, names };
            });
            expect(overflow.by, `${screen} is wider than a ${width} px window: ${overflow.names.join(', ')}`).toBeLessThanOrEqual(0);
            await expect(page).toHaveScreenshot(`${screen}-${scheme}-${width}.png`, {
              fullPage: true,
              animations: 'disabled',
              caret: 'hide',
              maxDiffPixelRatio: 0.02,
              mask: masks(page),
            });
            expect(await seriousViolations(page), `axe on ${screen} (${scheme})`).toEqual([]);
            if (process.env.SPECTUNE_README_SHOTS === '1' && width === 1280) {
              const readme: Record<string, string> = { 'results-light': 'screenshot-results.png', 'servers-dark': 'screenshot-servers-dark.png' };
              const name = readme[`${screen}-${scheme}`];
              if (name) {
                const tmp = test.info().outputPath(name);
                // Unmasked: the README shows the screen as a user sees it (probed ports included).
                await page.screenshot({ path: tmp, fullPage: true, animations: 'disabled' });
                copyFileSync(tmp, join(ROOT, 'docs', name));
              }
            }
          });
        }
      } finally {
        await page.close();
      }
    });
  }
}

test('a term explains itself on hover and on keyboard focus, and Escape hides it', async ({ browser }) => {
  const page = await openApp(browser, 900, 'light');
  try {
    await show(page, 'results');
    const info = page.getByTestId('config-table').getByRole('button', { name: 'What is 95% interval (CI)?' });
    const tip = page.locator(`[id="${await info.getAttribute('aria-describedby')}"]`);
    await expect(tip).toBeHidden();
    await info.hover();
    await expect(tip).toBeVisible();
    await expect(tip).toContainText('computed per prompt');
    await page.mouse.move(0, 0);
    await expect(tip).toBeHidden();
    await info.focus();
    await expect(tip).toBeVisible();
    // The accessible description a screen reader announces with the button.
    await expect(info).toHaveAccessibleDescription(/The range the true value very likely lies in/);
    await page.keyboard.press('Escape');
    await expect(tip).toBeHidden();
  } finally {
    await page.close();
  }
});

test('the accessibility scan does catch a serious violation (so its empty lists above mean something)', async ({ browser }) => {
  const page = await openApp(browser, 1280, 'light');
  try {
    await page.evaluate(() => {
      const d = (globalThis as unknown as { document: { body: { insertAdjacentHTML(where: string, html: string): void } } }).document;
      d.body.insertAdjacentHTML('beforeend', '<button type="button" data-testid="nameless"></button>');
    });
    expect((await seriousViolations(page)).join('\n')).toMatch(/critical button-name/);
  } finally {
    await page.close();
  }
});
