/**
 * The app's one window: locked-down web preferences, its size and place kept
 * across runs, and a renderer crash handled (servers stopped, the UI reloaded
 * unless it keeps crashing).
 */
import { BrowserWindow, dialog, screen } from 'electron';
import type { AppServices } from '../core/app-services';
import { DEV_URL, PRELOAD_FILE, RENDERER_FILE } from './paths';
import { DEFAULT_SIZE, type WindowStateStore } from './shell/window-state';

/** Renderer crashes within CRASH_WINDOW_MS after which the window is no longer reloaded. */
const MAX_CRASHES = 3;
const CRASH_WINDOW_MS = 60_000;

export interface WindowDeps {
  windowState: WindowStateStore;
  services: AppServices;
  /** Called once the window is gone, so the app can forget it. */
  onClosed: (w: BrowserWindow) => void;
}

function loadRenderer(w: BrowserWindow): Promise<void> {
  return DEV_URL ? w.loadURL(DEV_URL) : w.loadFile(RENDERER_FILE);
}

/** Saves the window's bounds half a second after it stops moving, and when it closes. */
function keepBounds(w: BrowserWindow, windowState: WindowStateStore): void {
  let saveTimer: NodeJS.Timeout | null = null;
  const saveBounds = () => {
    if (w.isDestroyed()) return;
    windowState.save({ bounds: w.getNormalBounds(), maximized: w.isMaximized() });
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
}

function reloadAfterCrash(w: BrowserWindow, services: AppServices): void {
  const crashes: number[] = [];
  w.webContents.on('render-process-gone', (_event, details) => {
    // A crashed UI cannot stop what it started: stop every server now, then bring the UI back.
    console.error(`[spectune] renderer gone (${details.reason}); stopping servers`);
    const now = Date.now();
    crashes.push(now);
    while (crashes[0] < now - CRASH_WINDOW_MS) crashes.shift();
    void services
      .stopAll()
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
}

export function createWindow({ windowState, services, onClosed }: WindowDeps): BrowserWindow {
  const saved = windowState.load(screen.getAllDisplays().map((d) => d.workArea));
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
  keepBounds(w, windowState);
  w.on('closed', () => onClosed(w));
  reloadAfterCrash(w, services);
  void loadRenderer(w);
  return w;
}
