/**
 * Electron glue: one window, the menu, app lifecycle. Everything the app does
 * lives in Electron-free services (app-services.ts); this file wires them to
 * IPC and makes sure no server SpecTune launched outlives the app.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, screen, session, shell, type WebContents } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAppServices, type AppServices } from '../core/app-services';
import { createEmitter, registerIpcHandlers } from './ipc/register';
import { makeSenderCheck } from './ipc/sender';
import { menuTemplate } from './shell/menu';
import { DEV_CONTENT_SECURITY_POLICY, hardenWebContents, installSessionSecurity, isExternalLink } from './shell/security';
import { DEFAULT_SIZE, WindowStateStore } from './shell/window-state';
import { CONTENT_SECURITY_POLICY } from '../shared/csp';
import { killAllServersSync, stopAllServers } from '../core/server-process';
import { simulatorCommand } from '../core/simulator-command';
import { nodeModeEnv } from '../node/own-programs';

const MAIN_DIR = dirname(fileURLToPath(import.meta.url));
const RENDERER_FILE = join(MAIN_DIR, '../renderer/index.html');
const PRELOAD_FILE = join(MAIN_DIR, '../preload/index.cjs');
const DEV_URL = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
/** Renderer crashes within CRASH_WINDOW_MS after which the window is no longer reloaded. */
const MAX_CRASHES = 3;
const CRASH_WINDOW_MS = 60_000;

const openExternal = (url: string) => {
  if (isExternalLink(url)) void shell.openExternal(url);
};

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  startApp();
}

function startApp(): void {
  let win: BrowserWindow | null = null;
  let services: AppServices | null = null;
  let windowState: WindowStateStore | null = null;
  let cleanedUp = false;
  let cleaning: Promise<void> | null = null;

  /** Stop every server SpecTune launched; awaited before the app may quit. */
  const cleanUp = () =>
    (cleaning ??= (async () => {
      await services?.dispose().catch((err: unknown) => console.error('[spectune] dispose failed', err));
      await stopAllServers().catch((err: unknown) => console.error('[spectune] stopping servers failed', err));
      cleanedUp = true;
    })());

  app.on('second-instance', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  });

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, openExternal));

  app.on('before-quit', (event) => {
    if (cleanedUp) return;
    event.preventDefault();
    void cleanUp().then(() => app.quit());
  });

  // A terminal's Ctrl+C or a `kill` takes the same orderly path as Quit; a hard exit still takes the servers down.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => app.quit());
  process.once('exit', () => killAllServersSync());

  app.on('window-all-closed', () => {
    // No tray, no background work: closing the window ends the app (and its servers) on every platform.
    void cleanUp().then(() => app.quit());
  });

  const createWindow = (): BrowserWindow => {
    const workAreas = screen.getAllDisplays().map((d) => d.workArea);
    const saved = windowState!.load(workAreas);
    const w = new BrowserWindow({
      ...DEFAULT_SIZE,
      ...saved.bounds,
      minWidth: 900,
      minHeight: 600,
      show: false,
      title: 'SpecTune',
      backgroundColor: '#111318',
      autoHideMenuBar: false,
      webPreferences: {
        preload: PRELOAD_FILE,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInSubFrames: false,
        webviewTag: false,
        spellcheck: false,
      },
    });
    if (saved.maximized) w.maximize();
    w.once('ready-to-show', () => w.show());

    let saveTimer: NodeJS.Timeout | null = null;
    const saveBounds = () => {
      if (w.isDestroyed()) return;
      windowState!.save({ bounds: w.getNormalBounds(), maximized: w.isMaximized() });
    };
    const saveSoon = () => {
      if (saveTimer) clearTimeout(saveTimer);
      saveTimer = setTimeout(saveBounds, 500);
    };
    w.on('resize', saveSoon);
    w.on('move', saveSoon);
    w.on('close', () => {
      if (saveTimer) clearTimeout(saveTimer);
      saveBounds();
    });
    w.on('closed', () => {
      if (win === w) win = null;
    });

    const crashes: number[] = [];
    w.webContents.on('render-process-gone', (_event, details) => {
      // A crashed UI cannot stop what it started: stop every server now, then bring the UI back.
      console.error(`[spectune] renderer gone (${details.reason}); stopping servers`);
      const now = Date.now();
      crashes.push(now);
      while (crashes[0] < now - CRASH_WINDOW_MS) crashes.shift();
      void services
        ?.stopAll()
        .catch(() => undefined)
        .then(() => {
          if (details.reason === 'clean-exit' || w.isDestroyed()) return;
          // A UI that dies again right after each reload would reload forever: stop and say so.
          if (crashes.length >= MAX_CRASHES) {
            dialog.showErrorBox(
              'SpecTune’s window keeps crashing',
              `It crashed ${crashes.length} times within a minute (last: ${details.reason}, exit code ${details.exitCode}). ` +
                'Every server it launched has been stopped. Quit and start SpecTune again; if it keeps happening, report it with the terminal output.',
            );
            return;
          }
          void loadRenderer(w);
        });
    });

    void loadRenderer(w);
    return w;
  };

  void app.whenReady().then(() => {
    const dataDir = app.getPath('userData');
    windowState = new WindowStateStore(dataDir);
    installSessionSecurity(session.defaultSession, DEV_URL ? DEV_CONTENT_SECURITY_POLICY : CONTENT_SECURITY_POLICY);

    const target = (): WebContents | null => (win && !win.isDestroyed() ? win.webContents : null);
    services = createAppServices({
      dataDir,
      mode: 'electron',
      appVersion: app.getVersion(),
      emit: createEmitter(target, { validate: !app.isPackaged }),
      // The simulator (out/main/simulator.js) runs on Electron's own binary in Node mode, as does the embedded engine's server.
      simulator: { command: simulatorCommand(), env: nodeModeEnv() },
      saveDialog: async (defaultPath) => {
        const opts = { title: 'Save test_results.json', defaultPath, filters: [{ name: 'JSON', extensions: ['json'] }] };
        const r = win ? await dialog.showSaveDialog(win, opts) : await dialog.showSaveDialog(opts);
        return r.canceled || !r.filePath ? null : r.filePath;
      },
      openExternal: async (url) => {
        if (isExternalLink(url)) await shell.openExternal(url);
      },
    });
    const svc = services;
    registerIpcHandlers(ipcMain, (channel, args) => svc.handle(channel, args), makeSenderCheck({ rendererFile: RENDERER_FILE, devUrl: DEV_URL }));

    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        menuTemplate({
          isMac: process.platform === 'darwin',
          dev: !app.isPackaged,
          openExternal,
          openDataFolder: () => void shell.openPath(dataDir),
        }),
      ),
    );

    win = createWindow();
    app.on('activate', () => {
      if (!win) win = createWindow();
    });
  });
}

function loadRenderer(w: BrowserWindow): Promise<void> {
  return DEV_URL ? w.loadURL(DEV_URL) : w.loadFile(RENDERER_FILE);
}
