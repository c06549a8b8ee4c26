/**
 * `spectune sim serve MODEL …` (and `--version`, `--model MODEL`): the vLLM
 * persona's command line. It owns the process once it serves: it installs
 * signal handlers and ends with process.exit; it returns only after
 * `--version` / `--help`.
 *
 * The EngineCore child is spawned first thing, so its own start-up (a
 * TypeScript loader under tsx, ~0.5 s) overlaps this process's parsing; the
 * HTTP stack and zod are imported only once the flags ask to serve.
 */
import { spawnEngine } from './engine-process';

export async function runVllmCli(argv: readonly string[], selfCommand: readonly string[]): Promise<void> {
  const informational = argv.some((a) => a === '--version' || a === '--help' || a === '-h');
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

/** The hidden `engine-core` subcommand: the EngineCore child the API process starts. */
export async function runVllmEngineCore(): Promise<void> {
  const { runEngineCore } = await import('./engine-core');
  await runEngineCore();
}
