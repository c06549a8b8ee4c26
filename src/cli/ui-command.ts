/**
 * `spectune ui`: the desktop app's UI in a browser, served by browser mode.
 * For a headless GPU box: run it there, tunnel the port over SSH, open the
 * printed URL locally.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { SpecTuneError, describeError } from '../shared/errors';
import { visibleControls } from '../shared/safe-text';
import { killAllServersSync, stopAllServers } from '../core/server-process';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RENDERER_DIR = join(ROOT, 'out', 'renderer');

export interface UiOptions {
  port: string;
  host: string;
  dataDir?: string;
  open: boolean;
}

export function registerUiCommand(program: Command): Command {
  return program
    .command('ui')
    .description('open the SpecTune app in your browser (browser mode; binds to 127.0.0.1 only)')
    .option('--port <port>', 'port to listen on (0 = any free port)', '0')
    .option('--host <host>', 'where to listen: 127.0.0.1, localhost or ::1 (the names the UI answers to)', '127.0.0.1')
    .option('--data-dir <dir>', 'where presets and past runs are kept (default: the desktop app\'s folder)')
    .option('--no-open', 'do not open a browser, only print the URL')
    .action(async (opts: UiOptions) => {
      try {
        await runUi(opts);
      } catch (err) {
        process.stderr.write(`spectune ui: ${visibleControls(describeError(err), { multiline: true })}\n`);
        process.exitCode = err instanceof SpecTuneError && err.code === 'INVALID_INPUT' ? 2 : 1;
      }
    });
}

/** Same folder Electron's app.getPath('userData') gives the desktop app, so both share presets and history. */
function defaultDataDir(): string {
  if (process.env.SPECTUNE_DATA_DIR) return process.env.SPECTUNE_DATA_DIR;
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'spectune');
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'spectune');
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'spectune');
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || port > 65535) {
    throw new SpecTuneError('INVALID_INPUT', `--port: "${text}" is not a port`, { hint: 'give a whole number from 1 to 65535, or 0 for any free port' });
  }
  return port;
}

/** Builds the renderer when `out/renderer` is missing (e.g. right after `npm ci`). */
async function ensureRendererBuilt(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<void> {
  if (existsSync(join(RENDERER_DIR, 'index.html'))) return;
  log('SpecTune: building the UI once (npm run build)…');
  try {
    const { build } = await import('electron-vite');
    await build({ root: ROOT, configFile: join(ROOT, 'electron.vite.config.ts'), logLevel: 'warn' });
  } catch (err) {
    throw new SpecTuneError('IO_ERROR', `could not build the UI: ${(err as Error).message}`, {
      hint: 'run `npm run build` in the SpecTune folder and look at its errors, then start `spectune ui` again',
      cause: err,
    });
  }
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
    throw new SpecTuneError('IO_ERROR', `the build finished but ${join(RENDERER_DIR, 'index.html')} is missing`, { hint: 'run `npm run build` and check its output' });
  }
}

/**
 * Where the UI can listen and still be reached: browser mode answers only requests whose Host
 * is 127.0.0.1, localhost or [::1] (DNS rebinding guard), so another loopback address such as
 * 127.0.0.2 would listen and then refuse every request. Refused up front instead.
 */
const UI_HOSTS = ['127.0.0.1', 'localhost', '::1', '[::1]'];

async function runUi(opts: UiOptions): Promise<void> {
  const port = parsePort(opts.port);
  // Loaded here, not at the top: only `spectune ui` needs the browser server and the app services.
  const { createEventHub, isLoopbackHost, startBrowserServer } = await import('../http');
  const { createAppServices } = await import('../core/app-services');
  if (!isLoopbackHost(opts.host)) {
    throw new SpecTuneError('INVALID_INPUT', `--host: ${opts.host} is not a loopback address; the UI only listens on this machine`, {
      hint: 'keep 127.0.0.1 and use an SSH tunnel to reach it from elsewhere: ssh -L 8765:127.0.0.1:8765 gpu-box',
    });
  }
  if (!UI_HOSTS.includes(opts.host.toLowerCase())) {
    throw new SpecTuneError('INVALID_INPUT', `--host: ${opts.host} is a loopback address the UI would not answer on; use 127.0.0.1, localhost or ::1`, {
      hint: 'the UI answers only requests addressed to those names (a guard against DNS rebinding)',
    });
  }
  await ensureRendererBuilt();
  const dataDir = resolve(opts.dataDir ?? defaultDataDir());
  const hub = createEventHub();
  const services = createAppServices({ dataDir, mode: 'browser', emit: hub.emit });
  const server = await startBrowserServer({ handle: (c, a) => services.handle(c, a), hub, staticDir: RENDERER_DIR, host: opts.host, port });

  // Tests and wrappers parse this exact line.
  process.stdout.write(`SpecTune UI: ${server.url}\n`);
  process.stderr.write(`Data folder: ${dataDir}. Press Ctrl+C to stop (servers SpecTune started are stopped too).\n`);
  if (opts.open) openBrowser(server.url);

  await new Promise<void>((resolveDone) => {
    let stopping = false;
    const shutdown = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`SpecTune UI: ${signal}, stopping…\n`);
      void (async () => {
        await server.close().catch(() => undefined);
        await services.dispose().catch(() => undefined);
        await stopAllServers().catch(() => undefined);
        resolveDone();
      })();
    };
    // SIGHUP is what a dropped SSH session sends: without a handler Node dies at once and vLLM keeps the GPU.
    // process.on, not once: signal-exit (inside execa) re-sends a signal it saw, and
    // with the handler gone that echo would kill Node mid-shutdown. `stopping` ignores repeats.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, shutdown);
    // Any other way out (an uncaught error) still takes the servers down, synchronously.
    process.once('exit', () => killAllServersSync());
  });
}

function openBrowser(url: string): void {
  const [cmd, ...args] =
    process.platform === 'darwin' ? ['open', url] : process.platform === 'win32' ? ['cmd', '/c', 'start', '""', url] : ['xdg-open', url];
  try {
    const child = spawn(cmd, args, { detached: true, stdio: 'ignore' });
    child.on('error', () => process.stderr.write(`Open ${url} in your browser.\n`));
    child.unref();
  } catch {
    process.stderr.write(`Open ${url} in your browser.\n`);
  }
}
