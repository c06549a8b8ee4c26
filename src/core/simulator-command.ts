/**
 * Command words that act like `vllm` but run the built-in simulator: the demo
 * mode for machines without vLLM, and what every test launches. Reached through
 * the same launcher as a real vLLM.
 */
import type { ServerSettingsInput } from '../shared/schemas';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The package root, found from this file whether it runs from src/ (tsx) or is bundled into out/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin', 'spectune.js'))) return dir;
    dir = resolve(dir, '..');
  }
  return process.cwd();
}

export function simulatorCommand(): string[] {
  return [process.execPath, join(packageRoot(), 'bin', 'spectune.js'), 'sim'];
}

/**
 * Launch settings for the simulated vLLM serving a target with a draft model on `port`, as the tests
 * and the bench sweep it: a 30 s start-up bound, a short stop grace, and `simArgs` (--sim-* knobs).
 */
export function simulatedVllmSettings(port: number, simArgs: readonly string[]): ServerSettingsInput {
  return { command: simulatorCommand(), model: 'sim/target-7b', draftModel: 'sim/draft-0.5b', port, startupTimeoutMs: 30_000, stopGraceMs: 3_000, extraArgs: [...simArgs] };
}
