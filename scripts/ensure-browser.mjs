#!/usr/bin/env node
/**
 * First step of `npm test`: make sure the browser e2e tests have a Chromium or
 * Chrome before minutes of type-checking, building and unit tests run.
 *
 *   found (CHROME_PATH, a usual location or PATH)  → say which, continue
 *   none, running as root with apt-get             → apt-get install chromium (Debian's)
 *   none otherwise                                 → exit 1 at once with the command to run
 *
 * Playwright's own browser download is never used: SpecTune's tests run in the
 * distribution's Chromium (playwright.config.ts points at it), and many machines cannot download it.
 */
import { spawnSync } from 'node:child_process';
import { findBrowser, onPath } from './find-browser.mjs';

const INSTALL = 'apt-get update && apt-get install -y chromium';

function fail(lines) {
  process.stderr.write(`\nnpm test: ${lines.join('\n  ')}\n\n`);
  process.exit(1);
}

/** `<browser> --version`, or null when it does not run (a snap stub, a broken install). */
function version(path) {
  const r = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  return r.status === 0 ? (r.stdout.trim().split('\n')[0] ?? '') : null;
}

function found(path) {
  const v = version(path);
  if (!v) fail([`${path} was found but \`${path} --version\` failed, so the browser tests cannot use it.`, 'Set CHROME_PATH to a working Chromium or Chrome.']);
  process.stdout.write(`npm test: browser tests will use ${v} (${path})\n`);
}

let browser;
try {
  browser = findBrowser();
} catch (e) {
  fail([e.message]);
}
if (browser) {
  found(browser);
} else {
  const apt = onPath('apt-get');
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (apt && root) {
    process.stdout.write(`npm test: no Chromium or Chrome found; installing Debian's chromium (${INSTALL})\n`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    for (const args of [['update'], ['install', '-y', 'chromium']]) {
      const r = spawnSync(apt, args, { stdio: 'inherit', env });
      if (r.status !== 0) fail([`\`apt-get ${args.join(' ')}\` failed (exit ${r.status ?? r.signal}).`, `Install a Chromium or Chrome yourself (${INSTALL}), or set CHROME_PATH.`]);
    }
    const installed = findBrowser();
    if (!installed) fail(['apt-get installed chromium, but no chromium executable was found afterwards.', 'Set CHROME_PATH to it.']);
    found(installed);
  } else if (apt) {
    fail(['the browser tests need Chromium or Chrome, and none was found. Install Debian\'s chromium:', `  sudo sh -c '${INSTALL}'`, 'or set CHROME_PATH=/path/to/chrome, then run npm test again.']);
  } else {
    fail(['the browser tests need Chromium or Chrome, and none was found.', 'Install Google Chrome or Chromium, or set CHROME_PATH=/path/to/chrome, then run npm test again.']);
  }
}
