/**
 * `spectune sim …`: the simulator's command line. The first word picks the
 * persona (personas/index.ts); anything else — `serve MODEL`, `--version`,
 * `--model MODEL`, `--sim-*` flags first — is the vLLM persona, so a vLLM
 * server command such as `spectune sim --sim-version 0.23.0` works as `vllm`.
 *
 * Modules are imported per role: a sweep restarts the simulator for every
 * configuration, and the vLLM persona's EngineCore child needs none of the API
 * server's code (zod and the HTTP stack alone cost it a few hundred ms of start-up).
 */
import path from 'node:path';
import { SIM_HELP } from './help';

export interface SimulatorCliOptions {
  /**
   * How to start this same simulator again (for the vLLM persona's EngineCore
   * child, which runs `[...selfCommand, 'engine-core']`). Default: this
   * process's own executable and script, plus `sim` when started as `spectune sim`.
   */
  selfCommand?: string[];
}

function defaultSelfCommand(): string[] {
  const script = process.argv[1] ? path.resolve(process.argv[1]) : '';
  return [process.execPath, script, ...(process.argv[2] === 'sim' ? ['sim'] : [])];
}

/** `spectune sim --help` alone: the list of personas (each persona's own --help lists its flags). */
const asksForOverview = (argv: readonly string[]): boolean => argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help');

export async function runSimulatorCli(argv: string[], options: SimulatorCliOptions = {}): Promise<void> {
  if (asksForOverview(argv)) {
    process.stdout.write(SIM_HELP);
    return;
  }
  const { personaOf, runPersona } = await import('./personas/index');
  const persona = personaOf(argv[0]);
  if (persona) {
    await runPersona(persona, argv.slice(1));
    return;
  }
  const vllm = await import('./personas/vllm/cli');
  if (argv[0] === 'engine-core') await vllm.runVllmEngineCore();
  else await vllm.runVllmCli(argv, options.selfCommand ?? defaultSelfCommand());
}
