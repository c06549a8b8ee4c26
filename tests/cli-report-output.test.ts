/**
 * `spectune report FILE -o OUT` never destroys what it reads: OUT naming the input (by
 * path, through a link, or a hard link) or another SpecTune report is refused, and an
 * export replaces an older one all or nothing (a full disk leaves the old file whole).
 * Real CLI processes; the full disk is a real tiny tmpfs.
 */
import { copyFileSync, existsSync, linkSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { canMountTmpfs, mountTmpfs, type Tmpfs } from './helpers/tmpfs';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'spectune.js');
const FIXTURE = join(ROOT, 'tests/renderer/fixtures/report.json');
const run = (...args: string[]) => execa(process.execPath, [BIN, 'report', ...args], { reject: false, env: { NO_COLOR: '1' }, timeout: 60_000 });

const mounts: Tmpfs[] = [];
afterEach(() => {
  for (const m of mounts.splice(0)) m.unmount();
});

function copyOfFixture(): { dir: string; input: string; original: string } {
  const dir = mkdtempSync(join(tmpdir(), 'spectune-report-out-'));
  const input = join(dir, 'test_results.json');
  copyFileSync(FIXTURE, input);
  return { dir, input, original: readFileSync(input, 'utf8') };
}

describe('spectune report -o never replaces what it reads', { timeout: 60_000 }, () => {
  it.each([
    ['the input itself', (input: string) => input],
    ['the input by another spelling of its path', (input: string) => join(input, '..', '.', 'test_results.json')],
    ['a symbolic link to the input', (input: string) => {
      const link = join(input, '..', 'alias.html');
      symlinkSync(input, link);
      return link;
    }],
    ['a hard link to the input', (input: string) => {
      const link = join(input, '..', 'hard.md');
      linkSync(input, link);
      return link;
    }],
  ])('-o naming %s: refused with exit 2, the measurements untouched', async (_what, target) => {
    const { input, original } = copyOfFixture();
    const out = target(input);
    const r = await run(input, '--format', 'html', '-o', out);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/is the report being exported/);
    expect(readFileSync(input, 'utf8')).toBe(original);
  });

  it('-o naming another SpecTune report: refused, that report untouched', async () => {
    const { dir, input } = copyOfFixture();
    const other = join(dir, 'older_results.json');
    copyFileSync(FIXTURE, other);
    const r = await run(input, '--format', 'csv', '-o', other);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/older_results\.json is a SpecTune report; an export never replaces one/);
    expect(readFileSync(other, 'utf8')).toBe(readFileSync(FIXTURE, 'utf8'));
  });

  it('an earlier export is replaced, and no temp file is left beside it', async () => {
    const { dir, input } = copyOfFixture();
    const out = join(dir, 'shared.md');
    writeFileSync(out, 'an older export\n');
    const r = await run(input, '-o', out);
    expect(r.exitCode).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^### /);
    expect(readdirSync(dir).sort()).toEqual(['shared.md', 'test_results.json']);
  });
});

describe.runIf(canMountTmpfs)('an export onto a full disk (a real 64 KB tmpfs)', () => {
  it('exits 1 saying the disk is full and leaves the older export whole', async () => {
    const disk = mountTmpfs({ sizeKb: 64 });
    mounts.push(disk);
    const out = join(disk.dir, 'report.html');
    const older = `<!doctype html><p>older export</p>${'x'.repeat(2000)}\n`;
    writeFileSync(out, older);
    // Fill the rest: the new export (about 18 KB) fits neither beside the old one nor in its place.
    let n = 0;
    try {
      for (;;) writeFileSync(join(disk.dir, `fill-${n++}`), 'f'.repeat(4096));
    } catch {
      /* full */
    }
    const { input } = copyOfFixture();
    const r = await run(input, '-o', out);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`the disk is full writing ${out}`);
    expect(readFileSync(out, 'utf8')).toBe(older);
    expect(readdirSync(disk.dir).filter((f) => !f.startsWith('fill-'))).toEqual(['report.html']);
    expect(existsSync(out)).toBe(true);
  });
});
