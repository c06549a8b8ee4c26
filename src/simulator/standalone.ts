/**
 * Plain entry for a bundled build (e.g. `out/main/simulator.js`, run as
 * `<electron> out/main/simulator.js serve MODEL …` with ELECTRON_RUN_AS_NODE=1).
 * The engine child re-runs this same file, so no TypeScript loader is needed.
 * No top-level await: the bundle may be CommonJS.
 */
import { runSimulatorCli } from './cli';

runSimulatorCli(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`ERROR: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
