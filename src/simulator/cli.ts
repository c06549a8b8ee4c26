/**
 * `spectune sim …`: a vLLM-compatible stand-in server. Same command shape as
 * `vllm` (`--version`, `serve MODEL`, `--model MODEL`), plus `--sim-*` flags for
 * timing and fault injection. This function owns the process once it serves:
 * it installs signal handlers and ends with process.exit; it returns only after
 * `--version` / `--help`.
 *
 * Modules are imported per role: a sweep restarts the simulator for every
 * configuration, and the EngineCore child needs none of the API server's code
 * (zod and the HTTP stack alone cost it a few hundred ms of start-up).
 */
import path from 'node:path';
import { spawnEngine } from './engine-process';

export interface SimulatorCliOptions {
  /**
   * How to start this same simulator again (for the EngineCore child, which
   * runs `[...selfCommand, 'engine-core']`). Default: this process's own
   * executable and script, plus `sim` when started as `spectune sim`.
   */
  selfCommand?: string[];
}

export function defaultSelfCommand(): string[] {
  const script = process.argv[1] ? path.resolve(process.argv[1]) : '';
  return [process.execPath, script, ...(process.argv[2] === 'sim' ? ['sim'] : [])];
}

export async function runSimulatorCli(argv: string[], options: SimulatorCliOptions = {}): Promise<void> {
  if (argv[0] === 'gguf') {
    // Generated model files for the embedded engine (not a simulator role; it lives here because `sim` is dispatched here).
    const { runGgufCli } = await import('../engines/embedded/gguf/cli');
    await runGgufCli(argv.slice(1));
    return;
  }
  // Engine personas (llama-server, mlx_lm.server, lmstudio, ollama): no EngineCore child.
  const { personaOf, runPersona } = await import('./personas/index');
  const persona = personaOf(argv[0]);
  if (persona) {
    await runPersona(persona, argv.slice(1));
    return;
  }
  if (argv[0] === 'engine-core') {
    const { runEngineCore } = await import('./engine-core');
    await runEngineCore();
    return;
  }
  // The engine child boots (its own TypeScript loader, ~0.5 s) while this process loads and parses.
  const informational = argv.some((a) => a === '--version' || a === '--help' || a === '-h');
  const selfCommand = options.selfCommand ?? defaultSelfCommand();
  const engine = informational ? null : spawnEngine(selfCommand);
  const { parseSimArgs, SimArgError } = await import('./options');
  let parsed;
  try {
    parsed = parseSimArgs(argv);
  } catch (err) {
    engine?.kill();
    if (err instanceof SimArgError) {
      process.stderr.write(`${err.exitCode === 2 ? 'vllm: error: ' : 'ERROR: '}${err.message}\n`);
      process.exit(err.exitCode);
    }
    throw err;
  }
  if (parsed.kind !== 'serve') {
    engine?.kill();
    process.stdout.write(parsed.kind === 'version' ? `${parsed.version}\n` : parsed.text);
    return;
  }
  const { serve } = await import('./serve');
  await serve(parsed.options, engine ?? spawnEngine(selfCommand));
}
