/**
 * package.json's `engines.node` must be true: every Node it admits must be one that every
 * installed package (package-lock.json) declares it supports. Otherwise `npm ci` prints
 * EBADENGINE warnings on a Node the README promises, as conf 16, electron-store 12 and
 * eventsource-parser 4 (Node >= 22) did under ">=20.11". An upgrade that raises a
 * package's floor fails here instead of in a new user's first command.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines?: { node?: string } };
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: unknown }>;
};
const ours = pkg.engines?.node ?? '';

/** `engines` is an object in every modern package; a few ancient ones wrote an array of strings. */
function nodeRange(engines: unknown): string | null {
  if (engines && typeof engines === 'object' && !Array.isArray(engines)) {
    const node = (engines as Record<string, unknown>).node;
    return typeof node === 'string' ? node : null;
  }
  return null;
}

/** Packages whose declared Node range does not contain every Node our engines admit. */
function engineConflicts(range: string, packages: typeof lock.packages): string[] {
  const out: string[] = [];
  for (const [path, meta] of Object.entries(packages)) {
    if (path === '') continue; // the project itself
    const theirs = nodeRange(meta.engines);
    if (!theirs) continue;
    const ok = semver.validRange(theirs) !== null && semver.subset(range, theirs, { includePrerelease: false });
    if (!ok) out.push(`${path.replace(/^.*node_modules\//, '')}@${meta.version ?? '?'} wants node ${theirs}`);
  }
  return out;
}

describe('engines.node in package.json', () => {
  it('is a valid semver range', () => {
    expect(semver.validRange(ours), `package.json engines.node = ${JSON.stringify(ours)}`).not.toBeNull();
  });

  it('admits the Node running the tests (the one the README names)', () => {
    expect(semver.satisfies(process.version, ours), `${process.version} vs ${ours}`).toBe(true);
  });

  it('is recorded in package-lock.json as in package.json (npm ci reads the lock)', () => {
    expect(nodeRange(lock.packages['']?.engines)).toBe(ours);
  });

  it('is within every installed package’s declared engines.node (no EBADENGINE on npm ci)', () => {
    const conflicts = engineConflicts(ours, lock.packages);
    expect(conflicts, `pin versions that support ${ours}, or raise engines.node:\n${conflicts.join('\n')}`).toEqual([]);
  });

  it('the check itself catches a package that wants a newer Node', () => {
    const packages = {
      'node_modules/ok': { version: '1.0.0', engines: { node: '>=18' } },
      'node_modules/new': { version: '2.0.0', engines: { node: '>=22' } },
      'node_modules/old-style': { version: '0.1.0', engines: ['node >= 0.8'] },
    };
    expect(engineConflicts('^20.19.0 || >=22.12', packages)).toEqual(['new@2.0.0 wants node >=22']);
    expect(engineConflicts('>=22', packages)).toEqual([]);
  });
});
