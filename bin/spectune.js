#!/usr/bin/env node
// The `spectune` command. Runs on the supported Node (re-running itself under the
// pinned one when started with an older Node), then loads the TypeScript CLI
// through tsx so it runs straight after `npm ci` with no separate build step.
import { runOnSupportedNode } from './pinned-node.js';

await runOnSupportedNode();
const { register } = await import('tsx/esm/api');
register();
if (process.argv[2] === 'sim' && process.argv[3] === 'gguf') {
  // Generated model files for the embedded engine: listed under `sim` (a demo aid), written by that engine.
  const { runGgufCli } = await import('../src/engines/embedded/gguf/cli.ts');
  await runGgufCli(process.argv.slice(4));
} else if (process.argv[2] === 'sim') {
  // The simulator starts twice per launch (API process and engine child) and
  // once more for `--version`: skip loading the rest of the CLI.
  const { runSimulatorCli } = await import('../src/simulator/cli.ts');
  await runSimulatorCli(process.argv.slice(3));
} else {
  await import('../src/cli/main.ts');
}
