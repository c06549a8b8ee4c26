/**
 * Command words that act like `vllm` but run the built-in simulator: the demo
 * mode for machines without vLLM, and what every test launches. Reached through
 * the same launcher as a real vLLM.
 */
import { join } from 'node:path';
import type { ServerSettingsInput } from '../shared/schemas';
import { ownProgramCommand, type OwnProgram } from '../node/own-programs';

/** `spectune sim` from the sources; out/main/simulator.js (src/simulator/standalone.ts) in a build. */
export const SIMULATOR_PROGRAM: OwnProgram = {
  built: 'simulator.js',
  fromSource: (root) => [join(root, 'bin', 'spectune.js'), 'sim'],
};

export function simulatorCommand(): string[] {
  return ownProgramCommand(SIMULATOR_PROGRAM);
}

/**
 * Launch settings for the simulated vLLM serving a target with a draft model on `port`, as the tests
 * and the bench sweep it: a 30 s start-up bound, a short stop grace, and `simArgs` (--sim-* knobs).
 */
export function simulatedVllmSettings(port: number, simArgs: readonly string[]): ServerSettingsInput {
  return { command: simulatorCommand(), model: 'sim/target-7b', draftModel: 'sim/draft-0.5b', port, startupTimeoutMs: 30_000, stopGraceMs: 3_000, extraArgs: [...simArgs] };
}
