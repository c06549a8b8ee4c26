/**
 * Asking an installed llama-server which build it is and which speculative
 * flags it takes, without starting a server: `--version` (prints
 * `version: N (hash)` on stderr) and `--help` (the flag list; build numbers
 * alone cannot say which generation a fork or a distro package is).
 */
import { SpecTuneError } from '../../shared/errors';
import { runTool, tailLines } from '../../node/run-tool';
import type { EngineBuild } from '../engine';
import { flagsFromHelp, parseLlamaVersion, toEngineBuild } from '../common/llama-server/build';
import { refuseUnrunnable } from '../common/tool-check';
import { parallelDefaultFromHelp } from './load';

export const LLAMA_INSTALL_HINT =
  'install llama.cpp (brew install llama.cpp, or a release build from its GitHub page) and give the path to llama-server';

export async function detectLlamaBuild(command: readonly string[], opts: { signal?: AbortSignal } = {}): Promise<EngineBuild> {
  const shown = command.join(' ');
  // Both at once: each loads the binary (and, for wrappers, an interpreter).
  const [version, help] = await Promise.all([
    runTool([...command, '--version'], { timeoutMs: 60_000, signal: opts.signal }),
    runTool([...command, '--help'], { timeoutMs: 60_000, signal: opts.signal }),
  ]);
  refuseUnrunnable(version, shown, 'llama-server', LLAMA_INSTALL_HINT);
  refuseUnrunnable(help, shown, 'llama-server', LLAMA_INSTALL_HINT);

  const v = parseLlamaVersion(`${version.stderr}\n${version.stdout}`);
  const flags = flagsFromHelp(`${help.stdout}\n${help.stderr}`, v);
  if (!flags) {
    const said = v ? `it says it is build ${v.build}, but ` : '';
    throw new SpecTuneError('VERSION_UNKNOWN', `cannot tell which flags "${shown}" takes: ${said}"${shown} --help" printed no llama-server flag list`, {
      hint: `check that the command is llama-server (not llama-cli or a wrapper script); ${LLAMA_INSTALL_HINT}`,
      logTail: tailLines(`${help.stdout}\n${help.stderr}`, 20),
    });
  }
  const build = toEngineBuild(flags);
  // The slot count a launch without -np gets: a load level above it queues (engine.load.batchLimit).
  const parallel = parallelDefaultFromHelp(`${help.stdout}\n${help.stderr}`);
  if (parallel !== null) build.facts.parallelDefault = parallel;
  return build;
}
