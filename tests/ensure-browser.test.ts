/**
 * `npm test` starts with scripts/ensure-browser.mjs. These run the real script as a child
 * process on a simulated machine: a PATH of our own and no fixed browser locations, with a
 * fake apt-get that "installs" a fake chromium, so nothing on the real system is touched.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findBrowser } from '../scripts/find-browser.mjs';

const SCRIPT = resolve(import.meta.dirname, '..', 'scripts', 'ensure-browser.mjs');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'spectune-browser-'));
  dirs.push(d);
  return d;
}

function exe(path: string, body: string): void {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

function run(env: Record<string, string>) {
  const started = Date.now();
  const r = spawnSync(process.execPath, [SCRIPT], { env: { SPECTUNE_BROWSER_PATHS: '', ...env }, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, out: r.stdout + r.stderr, ms: Date.now() - started };
}

const isRoot = process.getuid?.() === 0;

describe('scripts/ensure-browser.mjs', () => {
  it('uses a chromium found on PATH and says which', () => {
    const bin = tmp();
    exe(join(bin, 'chromium'), 'echo "Chromium 999.0 test build"');
    const r = run({ PATH: bin });
    expect(r.status).toBe(0);
    expect(r.out).toContain(`Chromium 999.0 test build (${join(bin, 'chromium')})`);
  });

  it('prefers CHROME_PATH, and refuses one that is not an executable file', () => {
    const bin = tmp();
    exe(join(bin, 'chromium'), 'echo "Chromium on PATH"');
    exe(join(bin, 'my-chrome'), 'echo "Google Chrome 1.2.3"');
    expect(run({ PATH: bin, CHROME_PATH: join(bin, 'my-chrome') }).out).toContain('Google Chrome 1.2.3');
    const bad = run({ PATH: bin, CHROME_PATH: join(bin, 'missing') });
    expect(bad.status).toBe(1);
    expect(bad.out).toContain(`CHROME_PATH=${join(bin, 'missing')} is not an executable file`);
  });

  it('rejects a browser that does not run (e.g. a snap stub)', () => {
    const bin = tmp();
    exe(join(bin, 'chromium-browser'), 'echo "please install the snap" >&2; exit 1');
    const r = run({ PATH: bin });
    expect(r.status).toBe(1);
    expect(r.out).toContain('--version` failed');
  });

  it('without a browser or apt-get: stops at once with what to do', () => {
    const r = run({ PATH: tmp() });
    expect(r.status).toBe(1);
    expect(r.out).toContain('none was found');
    expect(r.out).toContain('CHROME_PATH=/path/to/chrome');
    expect(r.ms).toBeLessThan(5_000);
  });

  it(isRoot ? 'as root with apt-get: installs Debian chromium non-interactively, then uses it' : 'not root, with apt-get: stops at once with the exact apt-get command', () => {
    const bin = tmp();
    const calls = join(bin, 'calls.log');
    // The fake apt-get records its arguments and DEBIAN_FRONTEND, and "installs" chromium into bin.
    exe(
      join(bin, 'apt-get'),
      [
        `echo "$DEBIAN_FRONTEND $*" >> ${calls}`,
        `if [ "$1" = install ]; then printf '#!/bin/sh\\necho "Chromium 123.0 fake"\\n' > ${join(bin, 'chromium')}; /bin/chmod +x ${join(bin, 'chromium')}; fi`,
      ].join('\n'),
    );
    const r = run({ PATH: bin });
    if (isRoot) {
      expect(r.status, r.out).toBe(0);
      expect(readFileSync(calls, 'utf8').trim().split('\n')).toEqual(['noninteractive update', 'noninteractive install -y chromium']);
      expect(r.out).toContain('Chromium 123.0 fake');
    } else {
      expect(r.status).toBe(1);
      expect(r.out).toContain("sudo sh -c 'apt-get update && apt-get install -y chromium'");
      expect(existsSync(calls)).toBe(false);
    }
  });

  it('a failing apt-get (or none allowed) stops the run with the command to try by hand', () => {
    const bin = tmp();
    exe(join(bin, 'apt-get'), 'echo "E: Unable to locate package chromium" >&2; exit 100');
    const r = run({ PATH: bin });
    expect(r.status).toBe(1);
    if (isRoot) expect(r.out).toContain('`apt-get update` failed (exit 100)');
    else expect(r.out).not.toContain('Unable to locate'); // apt-get is never run without root
    expect(r.out).toContain('apt-get update && apt-get install -y chromium');
  });
});

describe('find-browser.mjs (what playwright.config.ts launches)', () => {
  it('finds the same browser the set-up reported', () => {
    const bin = tmp();
    exe(join(bin, 'google-chrome'), 'echo chrome');
    expect(findBrowser({ PATH: bin, SPECTUNE_BROWSER_PATHS: '' })).toBe(join(bin, 'google-chrome'));
    expect(findBrowser({ PATH: tmp(), SPECTUNE_BROWSER_PATHS: '' })).toBeNull();
  });
});
