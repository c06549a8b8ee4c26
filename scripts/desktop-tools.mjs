/**
 * Electron and electron-builder live in desktop-tools/, a package of their own with
 * its own lock file: every supported Electron (and electron-builder's @electron/rebuild)
 * declares Node >= 22.12, while `npm ci` of SpecTune runs on the machine's Node, 20.19
 * included, and would print engine warnings for them. The main install's postinstall
 * step installs desktop-tools/ with the Node that runs it — the pinned Node 24 that npm
 * scripts find first on PATH (see bin/pinned-node.js) — where their engines hold.
 *
 *   node scripts/desktop-tools.mjs install            postinstall: npm ci in desktop-tools/
 *   node scripts/desktop-tools.mjs electron-install   Electron's binary (a GitHub download)
 *   node scripts/desktop-tools.mjs dist [args]        electron-builder for this project
 *
 * Everything else reads paths from here: electron.vite.config.ts (Electron's version and
 * binary), tsconfig.node.json (Electron's types), e2e/electron.spec.ts (the binary).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const TOOLS_DIR = join(ROOT, 'desktop-tools');
const ELECTRON_DIR = join(TOOLS_DIR, 'node_modules', 'electron');

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

/** The Electron version desktop-tools/package.json pins (known before it is installed). */
export function electronVersion() {
  return readJson(join(TOOLS_DIR, 'package.json')).dependencies.electron;
}

/** The Node range desktop-tools/ needs (its own `engines`). */
export function toolsNodeRange() {
  return readJson(join(TOOLS_DIR, 'package.json')).engines.node;
}

/** Electron's executable once `electron-install` has downloaded it, else null. */
export function electronBinary() {
  const pathFile = join(ELECTRON_DIR, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(ELECTRON_DIR, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

/**
 * What electron-vite reads from the environment instead of resolving `electron` from
 * its own folder (where it is not): the major version (build targets) and, once
 * downloaded, the binary (`npm start`, `npm run dev`).
 */
export function electronViteEnv() {
  const env = { ELECTRON_MAJOR_VER: electronVersion().split('.')[0] };
  const binary = electronBinary();
  if (binary) env.ELECTRON_EXEC_PATH = binary;
  return env;
}

function nodeAtLeast(range) {
  const m = /^>=\s*(\d+)\.(\d+)/.exec(range);
  if (!m) throw new Error(`desktop-tools/package.json engines.node should read ">=X.Y.Z", not ${JSON.stringify(range)}`);
  const [major, minor] = process.versions.node.split('.').map(Number);
  return major > Number(m[1]) || (major === Number(m[1]) && minor >= Number(m[2]));
}

/** npm itself, run by this Node (the pinned one under npm scripts), not by whichever Node is first on PATH. */
function npm(args, cwd) {
  const cli = process.env.npm_execpath;
  const [cmd, argv] = cli && /\.[cm]?js$/.test(cli) ? [process.execPath, [cli, ...args]] : ['npm', args];
  return spawnSync(cmd, argv, { cwd, stdio: 'inherit' }).status ?? 1;
}

function install() {
  const range = toolsNodeRange();
  if (!nodeAtLeast(range)) {
    process.stderr.write(
      `\nspectune: desktop-tools/ (Electron ${electronVersion()}, electron-builder) was NOT installed: it needs Node ${range}, this is ${process.version},\n` +
        `  and no pinned Node 24 came with this install (npm ci installs one on Linux x64/arm64).\n` +
        `  The CLI, the browser UI and the simulator do not need it; type-checking the Electron glue, \`npm start\` and \`npm run dist\` do.\n` +
        `  Install Node 24 (https://nodejs.org) and run \`npm ci\` again.\n\n`,
    );
    return 0;
  }
  process.stdout.write(`spectune: installing desktop-tools/ (Electron ${electronVersion()}, electron-builder) with Node ${process.version}\n`);
  return npm(['ci', '--prefix', TOOLS_DIR, '--no-audit', '--no-fund'], TOOLS_DIR);
}

function electronInstall() {
  const script = join(ELECTRON_DIR, 'install.js');
  if (!existsSync(script)) {
    process.stderr.write('spectune: desktop-tools/ is not installed (see the note `npm ci` printed); run `npm ci` with Node 24 first.\n');
    return 1;
  }
  return spawnSync(process.execPath, [script], { cwd: ELECTRON_DIR, stdio: 'inherit' }).status ?? 1;
}

function dist(args) {
  const cli = join(TOOLS_DIR, 'node_modules', 'electron-builder', 'cli.js');
  if (!existsSync(cli)) {
    process.stderr.write('spectune: desktop-tools/ is not installed (see the note `npm ci` printed); run `npm ci` with Node 24 first.\n');
    return 1;
  }
  // The app's package.json does not list electron (it is here), so electron-builder is told the version.
  return spawnSync(process.execPath, [cli, '--projectDir', ROOT, `-c.electronVersion=${electronVersion()}`, ...args], { cwd: ROOT, stdio: 'inherit' }).status ?? 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command, ...rest] = process.argv.slice(2);
  const run = { install, 'electron-install': electronInstall, dist: () => dist(rest) }[command];
  if (!run) {
    process.stderr.write('usage: node scripts/desktop-tools.mjs install | electron-install | dist [electron-builder args]\n');
    process.exit(2);
  }
  process.exit(run());
}
