/**
 * Asking an installed mlx_lm.server what it is. It has no --version (argparse
 * would refuse it), so: `--help` proves the command runs and lists its flags
 * (exit 0), and the version comes from the `mlx_lm` CLI beside it or from the
 * interpreter of a `python -m mlx_lm.server` command (see mlxVersionArgv).
 */
import { SpecTuneError } from '../../shared/errors';
import { runTool, tailLines } from '../../node/run-tool';
import type { EngineBuild } from '../engine';
import { refuseUnrunnable } from '../common/tool-check';
import { isMlxHelp, mlxBuild, mlxVersionArgv, mlxVersionFromOutput } from './argv';

export const MLX_INSTALL_HINT =
  'install mlx-lm (pip install mlx-lm; Apple Silicon only) and give the path to mlx_lm.server, or "python -m mlx_lm server" with the Python that has it';

export async function detectMlxBuild(command: readonly string[], opts: { signal?: AbortSignal } = {}): Promise<EngineBuild> {
  const shown = command.join(' ');
  const help = await runTool([...command, '--help'], { timeoutMs: 120_000, signal: opts.signal });
  refuseUnrunnable(help, shown, 'mlx_lm.server', MLX_INSTALL_HINT);
  const helpText = `${help.stdout}\n${help.stderr}`;
  if (help.exitCode !== 0 || !isMlxHelp(helpText)) {
    // A Python without mlx-lm (or a machine mlx cannot run on) fails importing it.
    const missingModule = /No module named ['"]?mlx/i.test(helpText);
    throw new SpecTuneError(missingModule ? 'COMMAND_NOT_FOUND' : 'VERSION_UNKNOWN', missingModule ? `"${shown}" cannot import mlx-lm` : `"${shown} --help" is not mlx_lm.server's help (exit code ${help.exitCode ?? 'none'})`, {
      hint: MLX_INSTALL_HINT,
      logTail: tailLines(helpText, 20),
    });
  }
  let version: string | null = null;
  const versionArgv = mlxVersionArgv(command);
  if (versionArgv) {
    const out = await runTool(versionArgv, { timeoutMs: 60_000, signal: opts.signal });
    if (out.canceled) throw new SpecTuneError('CANCELLED', 'checking mlx_lm.server was cancelled');
    // No version is not fatal: --help already said what the server takes.
    if (!out.missing && out.exitCode === 0) version = mlxVersionFromOutput(out.stdout) ?? mlxVersionFromOutput(out.stderr);
  }
  return mlxBuild(version, helpText);
}
