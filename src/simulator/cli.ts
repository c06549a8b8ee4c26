/**
 * `spectune sim …`: a vLLM-compatible stand-in server. Same command shape as
 * `vllm` (`--version`, `serve MODEL`, `--model MODEL`), plus `--sim-*` flags for
 * timing and fault injection. This function owns the process once it serves:
 * it installs signal handlers and ends with process.exit; it returns only after
 * `--version` / `--help`.
 */
import path from 'node:path';
import { runEngineCore } from './engine-core';
import { parseSimArgs, SimArgError } from './options';
import { serve } from './serve';

export interface SimulatorCliOptions {
  /**
   * How to start this same simulator again (for the EngineCore child, which
   * runs `[...selfCommand, 'engine-core', …]`). Default: this process's own
   * executable and script, plus `sim` when started as `spectune sim`.
   */
  selfCommand?: string[];
}

export function defaultSelfCommand(): string[] {
  const script = process.argv[1] ? path.resolve(process.argv[1]) : '';
  return [process.execPath, script, ...(process.argv[2] === 'sim' ? ['sim'] : [])];
}

export async function runSimulatorCli(argv: string[], options: SimulatorCliOptions = {}): Promise<void> {
  if (argv[0] === 'engine-core') {
    await runEngineCore(argv.slice(1));
    return;
  }
  let parsed;
  try {
    parsed = parseSimArgs(argv);
  } catch (err) {
    if (err instanceof SimArgError) {
      process.stderr.write(`${err.exitCode === 2 ? 'vllm: error: ' : 'ERROR: '}${err.message}\n`);
      process.exit(err.exitCode);
    }
    throw err;
  }
  if (parsed.kind === 'version') {
    process.stdout.write(`${parsed.version}\n`);
    return;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(parsed.text);
    return;
  }
  await serve(parsed.options, options.selfCommand ?? defaultSelfCommand());
}
