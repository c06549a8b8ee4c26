/**
 * Electron glue: one window, the menu, app lifecycle. Everything the app does
 * lives in Electron-free services (app-services.ts); this file wires them to
 * IPC and makes sure no server SpecTune launched outlives the app.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, session, shell, type WebContents } from 'electron';
import { createAppServices, type AppServices } from '../core/app-services';
import { createEmitter, registerIpcHandlers } from './ipc/register';
import { makeSenderCheck } from './ipc/sender';
import { menuTemplate } from './shell/menu';
import { DEV_CONTENT_SECURITY_POLICY, hardenWebContents, installSessionSecurity, isExternalLink } from './shell/security';
import { WindowStateStore } from './shell/window-state';
import { CONTENT_SECURITY_POLICY } from '../shared/csp';
import { killAllServersSync, stopAllServers } from '../core/server-process';
import { DEV_URL, RENDERER_FILE } from './paths';
import { simulatorCommand } from '../core/simulator-command';
import { nodeModeEnv } from '../node/own-programs';
import { createWindow } from './window';

/** What the running app holds. */
interface AppState {
  win: BrowserWindow | null;
  services: AppServices | null;
  cleanedUp: boolean;
  cleaning: Promise<void> | null;
}


const openExternal = (url: string) => {
  if (isExternalLink(url)) void shell.openExternal(url);
};

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  startApp();
}

function startApp(): void {
  const state: AppState = { win: null, services: null, cleanedUp: false, cleaning: null };
  wireLifecycle(state);
  void app.whenReady().then(() => openApp(state));
}

/** Stop every server SpecTune launched; awaited before the app may quit. */
function cleanUp(state: AppState): Promise<void> {
  return (state.cleaning ??= (async () => {
    await state.services?.dispose().catch((err: unknown) => console.error('[spectune] dispose failed', err));
    await stopAllServers().catch((err: unknown) => console.error('[spectune] stopping servers failed', err));
    state.cleanedUp = true;
  })());
}

/** A second launch focuses this window; every way out (Quit, closing the window, a signal, exit) stops the servers first. */
function wireLifecycle(state: AppState): void {
  app.on('second-instance', () => {
    const win = state.win;
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  });

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, openExternal));

  app.on('before-quit', (event) => {
    if (state.cleanedUp) return;
    event.preventDefault();
    void cleanUp(state).then(() => app.quit());
  });

  // A terminal's Ctrl+C or a `kill` takes the same orderly path as Quit; a hard exit still takes the servers down.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => app.quit());
  process.once('exit', () => killAllServersSync());

  app.on('window-all-closed', () => {
    // No tray, no background work: closing the window ends the app (and its servers) on every platform.
    void cleanUp(state).then(() => app.quit());
  });
}

function servicesFor(state: AppState, dataDir: string): AppServices {
  const target = (): WebContents | null => (state.win && !state.win.isDestroyed() ? state.win.webContents : null);
  return createAppServices({
    dataDir,
    mode: 'electron',
    appVersion: app.getVersion(),
    emit: createEmitter(target, { validate: !app.isPackaged }),
    // The simulator (out/main/simulator.js) runs on Electron's own binary in Node mode, as does the embedded engine's server.
    simulator: { command: simulatorCommand(), env: nodeModeEnv() },
    saveDialog: async (defaultPath) => {
      const opts = { title: 'Save test_results.json', defaultPath, filters: [{ name: 'JSON', extensions: ['json'] }] };
      const r = state.win ? await dialog.showSaveDialog(state.win, opts) : await dialog.showSaveDialog(opts);
      return r.canceled || !r.filePath ? null : r.filePath;
    },
    openExternal: async (url) => {
      if (isExternalLink(url)) await shell.openExternal(url);
    },
  });
}

function installMenu(dataDir: string): void {
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
}

/** Once Electron is ready: session security, the services behind IPC, the menu, the window. */
function openApp(state: AppState): void {
  const dataDir = app.getPath('userData');
  const windowState = new WindowStateStore(dataDir);
  installSessionSecurity(session.defaultSession, DEV_URL ? DEV_CONTENT_SECURITY_POLICY : CONTENT_SECURITY_POLICY);

  const services = servicesFor(state, dataDir);
  state.services = services;
  registerIpcHandlers(ipcMain, (channel, args) => services.handle(channel, args), makeSenderCheck({ rendererFile: RENDERER_FILE, devUrl: DEV_URL }));
  installMenu(dataDir);

  const open = () =>
    createWindow({
      windowState,
      services,
      onClosed: (w) => {
        if (state.win === w) state.win = null;
      },
    });
  state.win = open();
  app.on('activate', () => {
    if (!state.win) state.win = open();
  });
}
