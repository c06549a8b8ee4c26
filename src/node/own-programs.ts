/**
 * How to start one of SpecTune's own programs (the simulator, the embedded
 * engine's server) as a separate Node process from wherever this code runs:
 *
 *   - from the TypeScript sources (the CLI, browser mode, tests): this Node with
 *     the program's source words (a bin/ script that loads tsx);
 *   - from the built bundle (out/main, also inside the packaged app): the
 *     program's compiled entry beside the bundle, run by this same binary —
 *     Electron's binary in its Node mode (ELECTRON_RUN_AS_NODE), which has no
 *     TypeScript loader and no sources to load.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPackageRoot } from './package-root';

export interface OwnProgram {
  /** Its compiled entry: a file name in the main bundle's folder (an entry of electron.vite.config.ts). */
  built: string;
  /** The words after `node` that run it from the sources, given the package root. */
  fromSource(root: string): string[];
}

/**
 * The words that run a script with this process's binary as plain Node. Electron
 * is Node only with ELECTRON_RUN_AS_NODE: on POSIX `env` sets it in the command
 * itself, so every way the command is run (a `--version` probe, a launch, a child
 * the program re-spawns from its own argv) gets it. Windows has no `env`: there the
 * caller passes ELECTRON_RUN_AS_NODE in the environment (see nodeModeEnv).
 */
export function nodeRunner(electron: boolean = !!process.versions.electron): string[] {
  if (!electron || process.platform === 'win32') return [process.execPath];
  return ['/usr/bin/env', 'ELECTRON_RUN_AS_NODE=1', process.execPath];
}

/** The environment nodeRunner's words need where `env` cannot carry it (Electron on Windows). */
export function nodeModeEnv(electron: boolean = !!process.versions.electron): Record<string, string> {
  return electron ? { ELECTRON_RUN_AS_NODE: '1' } : {};
}

/**
 * The command that starts `program`. `moduleUrl` says where SpecTune's code runs
 * (by default this module's own URL, bundled together with its callers): a `.ts`
 * file means the sources; anything else is the bundle, in out/main or one of its
 * chunk folders.
 */
export function ownProgramCommand(program: OwnProgram, moduleUrl: string = import.meta.url, electron?: boolean): string[] {
  const here = fileURLToPath(moduleUrl);
  if (here.endsWith('.ts')) return [process.execPath, ...program.fromSource(findPackageRoot(dirname(here)))];
  const candidates = [dirname(here), dirname(dirname(here))].map((dir) => join(dir, program.built));
  // Not found means a broken build: name the bundle's own folder, so the launch error says which file is missing.
  const built = candidates.find((p) => existsSync(p)) ?? candidates[0];
  return [...nodeRunner(electron), built];
}
