/**
 * Where the browser e2e tests find Chromium or Chrome. Shared by
 * scripts/ensure-browser.mjs (run first by `npm test`) and playwright.config.ts,
 * so the browser the set-up found is the one Playwright launches. Plain ESM
 * JavaScript: it must run before anything is built or type-checked.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Names looked up on PATH, most specific first. */
export const BROWSER_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];

/** Fixed install locations that may not be on PATH (Debian, Chrome's .deb, macOS). */
export const BROWSER_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/opt/google/chrome/chrome',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

function isExecutableFile(path) {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` on PATH, or null. */
export function onPath(name, env = process.env) {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutableFile(join(dir, name))) return join(dir, name);
  }
  return null;
}

/**
 * The browser to use: CHROME_PATH when set (an error if it is not an executable file: the user
 * asked for that one), else a fixed location, else a name on PATH; null when there is none.
 */
export function findBrowser(env = process.env) {
  const wanted = env.CHROME_PATH?.trim();
  if (wanted) {
    if (!isExecutableFile(wanted)) throw new Error(`CHROME_PATH=${wanted} is not an executable file; point it at Chromium or Chrome, or unset it`);
    return wanted;
  }
  // SPECTUNE_BROWSER_PATHS replaces the fixed list (tests use it to simulate a machine without a browser).
  const fixed = env.SPECTUNE_BROWSER_PATHS !== undefined ? env.SPECTUNE_BROWSER_PATHS.split(delimiter).filter(Boolean) : BROWSER_PATHS;
  for (const path of fixed) if (isExecutableFile(path)) return path;
  for (const name of BROWSER_NAMES) {
    const found = onPath(name, env);
    if (found) return found;
  }
  return null;
}

/** For playwright.config.ts: the browser, or an error that says how to get one. */
export function requireBrowser(env = process.env) {
  const found = findBrowser(env);
  if (!found) throw new Error('no Chromium or Chrome found for the browser tests: run `node scripts/ensure-browser.mjs` (npm test runs it first), or set CHROME_PATH');
  return found;
}
