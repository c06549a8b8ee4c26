/**
 * Asking an installed vLLM which version it is, without starting a server.
 */
import { execa } from 'execa';
import { spawnFailed } from '../../node/run-tool';
import { SpecTuneError } from '../../shared/errors';
import { parseVllmVersion, usesApiServerModule, type VllmVersion } from './argv';

export const COMMAND_NOT_FOUND_HINT =
  'install vLLM (pip install vllm), give the full path to it (e.g. /opt/venv/bin/vllm) or ' +
  '"python -m vllm.entrypoints.openai.api_server", or try the built-in simulator (spectune sweep --demo)';

/**
 * The argv that prints the version. The api_server module has no --version flag
 * (it would start a server), so for `python -m vllm.entrypoints.openai.api_server`
 * ask the same interpreter for `vllm.__version__`.
 */
export function versionArgv(command: readonly string[]): string[] {
  if (usesApiServerModule(command)) {
    const m = command.indexOf('-m');
    if (m > 0) return [...command.slice(0, m), '-c', 'import vllm; print(vllm.__version__)'];
  }
  return [...command, '--version'];
}

/** The version from `--version` output; log lines (INFO …, warnings) may come first. */
export function versionFromOutput(stdout: string): VllmVersion | null {
  const lines = stdout
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .reverse();
  for (const l of lines) if (/^(?:vllm\s+)?v?\d+\.\d+\S*$/i.test(l)) return parseVllmVersion(l);
  return null;
}

function lastLines(text: string, n: number): string[] {
  return text.split(/\r?\n/).filter((l) => l.trim()).slice(-n);
}

/** Runs `<command> --version`. COMMAND_NOT_FOUND when it cannot run, VERSION_UNKNOWN when it says nothing usable. */
export async function queryVllmVersion(command: readonly string[], timeoutMs = 120_000): Promise<VllmVersion> {
  const [file, ...args] = versionArgv(command);
  const shown = command.join(' ');
  const r = await execa(file, args, { reject: false, stdin: 'ignore', timeout: timeoutMs, killSignal: 'SIGKILL', windowsHide: true });
  if (r.failed && (r.code === 'ENOENT' || r.code === 'EACCES' || spawnFailed(r))) {
    const why = r.code === 'ENOENT' ? 'was not found' : r.code === 'EACCES' ? 'is not executable (permission denied)' : `could not be started (${r.code ?? 'no reason given'})`;
    throw new SpecTuneError('COMMAND_NOT_FOUND', `vLLM command "${shown}" ${why}`, { hint: COMMAND_NOT_FOUND_HINT });
  }
  const stdout = String(r.stdout ?? '');
  const stderr = String(r.stderr ?? '');
  if (r.timedOut) {
    throw new SpecTuneError('VERSION_UNKNOWN', `"${shown} --version" did not answer within ${Math.round(timeoutMs / 1000)} s`, {
      hint: 'check that the command is vLLM and that its Python environment imports cleanly',
    });
  }
  if (r.exitCode !== 0) {
    throw new SpecTuneError('VERSION_UNKNOWN', `"${shown} --version" failed with exit code ${r.exitCode ?? r.signal}`, {
      hint: 'check that the command is vLLM (a Python traceback here usually means a broken install)',
      logTail: lastLines(`${stdout}\n${stderr}`, 30),
    });
  }
  const v = versionFromOutput(stdout) ?? versionFromOutput(stderr);
  if (!v) {
    throw new SpecTuneError('VERSION_UNKNOWN', `cannot read a version from "${shown} --version"`, {
      hint: 'is this really vLLM? It should print a version such as 0.11.0',
      logTail: lastLines(`${stdout}\n${stderr}`, 30),
    });
  }
  return v;
}
