/**
 * How SpecTune starts its own programs: from the sources with this Node and a bin/ script,
 * from a bundle (out/main, its chunk folders, the packaged app) with the compiled entry
 * beside it, through Electron's Node mode when this process is Electron.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nodeModeEnv, nodeRunner, ownProgramCommand, type OwnProgram } from '../src/node/own-programs';
import { simulatorCommand } from '../src/core/simulator-command';

const ROOT = join(import.meta.dirname, '..');
const PROGRAM: OwnProgram = { built: 'prog.js', fromSource: (root) => [join(root, 'bin', 'run-ts.js'), join(root, 'src', 'prog.ts')] };

/** A bundle laid out as electron-vite writes it: out/main/<entry>.js and out/main/chunks/*.js. */
function bundle(): { main: string; chunk: string } {
  const out = join(mkdtempSync(join(tmpdir(), 'spectune-bundle-')), 'out', 'main');
  mkdirSync(join(out, 'chunks'), { recursive: true });
  writeFileSync(join(out, 'prog.js'), '');
  return { main: join(out, 'index.js'), chunk: join(out, 'chunks', 'shared-abc123.js') };
}

describe('ownProgramCommand', () => {
  it('from the sources: this Node and the program’s source words under the package root', () => {
    expect(ownProgramCommand(PROGRAM, pathToFileURL(join(ROOT, 'src', 'core', 'x.ts')).href)).toEqual([
      process.execPath,
      join(ROOT, 'bin', 'run-ts.js'),
      join(ROOT, 'src', 'prog.ts'),
    ]);
    expect(simulatorCommand()).toEqual([process.execPath, join(ROOT, 'bin', 'spectune.js'), 'sim']);
  });

  it('from a bundle: the compiled entry beside it, whether the caller sits in out/main or in a chunk', () => {
    const b = bundle();
    const built = join(b.main, '..', 'prog.js');
    expect(ownProgramCommand(PROGRAM, pathToFileURL(b.main).href, false)).toEqual([process.execPath, built]);
    expect(ownProgramCommand(PROGRAM, pathToFileURL(b.chunk).href, false)).toEqual([process.execPath, built]);
  });

  it('in Electron: the same binary in Node mode, ELECTRON_RUN_AS_NODE set by the command itself', () => {
    const b = bundle();
    const built = join(b.main, '..', 'prog.js');
    expect(ownProgramCommand(PROGRAM, pathToFileURL(b.main).href, true)).toEqual(['/usr/bin/env', 'ELECTRON_RUN_AS_NODE=1', process.execPath, built]);
    expect(nodeRunner(false)).toEqual([process.execPath]);
    expect(nodeModeEnv(true)).toEqual({ ELECTRON_RUN_AS_NODE: '1' });
    expect(nodeModeEnv(false)).toEqual({});
  });

  it('a build without the entry names the file missing beside the bundle (the launch error then says which)', () => {
    const b = bundle();
    expect(ownProgramCommand({ ...PROGRAM, built: 'gone.js' }, pathToFileURL(b.chunk).href, false)).toEqual([process.execPath, join(b.chunk, '..', 'gone.js')]);
  });
});
