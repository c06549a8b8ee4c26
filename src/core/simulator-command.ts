/**
 * Command words that act like `vllm` but run the built-in simulator: the demo
 * mode for machines without vLLM, and what every test launches. Reached through
 * the same launcher as a real vLLM.
 */
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
