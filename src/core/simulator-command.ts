/**
 * Command words that act like `vllm` but run the built-in simulator: the demo
 * mode for machines without vLLM, and what every test launches. Reached through
 * the same launcher as a real vLLM.
 */
import { join } from 'node:path';
import { ownProgramCommand, type OwnProgram } from '../node/own-programs';

/** `spectune sim` from the sources; out/main/simulator.js (src/simulator/standalone.ts) in a build. */
export const SIMULATOR_PROGRAM: OwnProgram = {
  built: 'simulator.js',
  fromSource: (root) => [join(root, 'bin', 'spectune.js'), 'sim'],
};

export function simulatorCommand(): string[] {
  return ownProgramCommand(SIMULATOR_PROGRAM);
}
