/**
 * Development entry: `node bin/run-ts.js src/simulator/main.ts …`. run-ts.js
 * rewrites argv[1] to this .ts file, which plain node cannot run, so the engine
 * child is started through run-ts.js again.
 */
import { fileURLToPath } from 'node:url';
import { runSimulatorCli } from './cli';

const self = fileURLToPath(import.meta.url);
const runTs = fileURLToPath(new URL('../../bin/run-ts.js', import.meta.url));
await runSimulatorCli(process.argv.slice(2), { selfCommand: [process.execPath, runTs, self] });
