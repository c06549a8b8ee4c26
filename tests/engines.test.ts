/**
 * package.json's `engines.node` must be true: every Node it admits must be one that every
 * installed package (package-lock.json) declares it supports. Otherwise `npm ci` prints
 * EBADENGINE warnings on a Node the README promises (a package needing Node >= 22 under a
 * range that admits 20, say). An upgrade that raises a package's floor fails here instead
 * of in a new user's first command.
 *
 * The same holds for desktop-tools/ (Electron, electron-builder: Node >= 22.12), which the
 * main install's postinstall step installs with the pinned Node: that Node must be one its
 * engines admit, and it is the Node these tests run on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { pinnedNodePath, runtimePackageName, SUPPORTED_NODE_MAJOR } from '../bin/pinned-node.js';

const root = join(import.meta.dirname, '..');
interface Manifest {
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}
type Lock = { packages: Record<string, { version?: string; engines?: unknown }> };
const readJson = <T>(...path: string[]): T => JSON.parse(readFileSync(join(root, ...path), 'utf8')) as T;
const pkg = readJson<Manifest>('package.json');
const lock = readJson<Lock>('package-lock.json');
const ours = pkg.engines?.node ?? '';
const tools = readJson<Manifest>('desktop-tools', 'package.json');
const toolsLock = readJson<Lock>('desktop-tools', 'package-lock.json');
const toolsRange = tools.engines?.node ?? '';

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

describe('desktop-tools/ and the pinned Node', () => {
  const runtimes = Object.entries(pkg.optionalDependencies ?? {}).filter(([name]) => /^node-(linux|darwin|win)-/.test(name));

  it('pins one Node version for every platform it covers, of the supported major', () => {
    expect(runtimes.map(([name]) => name)).toContain(runtimePackageName('linux', 'x64'));
    const versions = new Set(runtimes.map(([, v]) => v));
    expect([...versions], 'one version for every platform package').toHaveLength(1);
    const [version] = versions;
    expect(semver.valid(version), `${version} is an exact version`).toBe(version);
    expect(semver.major(version)).toBe(SUPPORTED_NODE_MAJOR);
  });

  it('the tests run on that pinned Node where this platform has one (npm scripts find its `node` first on PATH), else on the supported major', () => {
    const pinned = runtimes.find(([name]) => name === runtimePackageName());
    if (pinned) {
      expect(process.versions.node).toBe(pinned[1]);
      expect(pinnedNodePath()).toBe(process.execPath);
    } else {
      expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(SUPPORTED_NODE_MAJOR);
    }
  });

  it('the pinned Node is one desktop-tools/ admits, and every package installed there admits all of its range', () => {
    expect(semver.satisfies(runtimes[0][1], toolsRange), `${runtimes[0][1]} vs desktop-tools engines ${toolsRange}`).toBe(true);
    const conflicts = engineConflicts(toolsRange, toolsLock.packages);
    expect(conflicts, `pin versions that support ${toolsRange}, or raise desktop-tools engines.node:\n${conflicts.join('\n')}`).toEqual([]);
  });

  it('Electron and electron-builder are desktop-tools/’ alone, pinned exactly', () => {
    for (const name of ['electron', 'electron-builder']) {
      expect(pkg.dependencies?.[name] ?? pkg.devDependencies?.[name] ?? pkg.optionalDependencies?.[name], `${name} in package.json`).toBeUndefined();
      const version = tools.dependencies?.[name] ?? '';
      expect(semver.valid(version), `desktop-tools ${name}@${version} is an exact version`).toBe(version);
      expect(toolsLock.packages[`node_modules/${name}`]?.version).toBe(version);
    }
  });

  it('pins the same @types/node as the main install (TypeScript then reads one copy, not two that clash)', () => {
    expect(tools.dependencies?.['@types/node']).toBe(pkg.devDependencies?.['@types/node']);
  });
});
