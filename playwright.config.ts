import { defineConfig } from '@playwright/test';
import { requireBrowser } from './scripts/find-browser.mjs';

// The system's Chromium or Chrome, never a downloaded one (no browser download here):
// the one scripts/ensure-browser.mjs found (or installed) when `npm test` began.
process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD = '1';

export default defineConfig({
  testDir: 'e2e',
  globalSetup: './e2e/global-setup.ts',
  // One UI server and one managed simulator are shared by the journey: run in order.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 20_000 },
  outputDir: 'test-results/e2e',
  reporter: [['list']],
  // Ends the run with the slowest spec files (the list reporter prints them): where e2e time goes.
  reportSlowTests: { max: 5, threshold: 10_000 },
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    viewport: { width: 1280, height: 900 },
  },
  projects: [
    {
      name: 'browser',
      // The journey first: the engines' one-click runs would change its history counts.
      testMatch: /(journey|one-click-engines)\.spec\.ts/,
      use: {
        browserName: 'chromium',
        launchOptions: {
          executablePath: requireBrowser(),
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      },
    },
    {
      // Screenshot baselines and the axe scan of every main screen (e2e/screens.spec.ts).
      name: 'screens',
      testMatch: /screens\.spec\.ts/,
      snapshotPathTemplate: '{testDir}/screens.spec.ts-snapshots/{arg}{ext}',
      use: {
        browserName: 'chromium',
        launchOptions: {
          executablePath: requireBrowser(),
          args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--font-render-hinting=none'],
        },
      },
    },
    { name: 'electron', testMatch: /electron\.spec\.ts/ },
  ],
});
