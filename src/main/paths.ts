/** Where the built app's parts are, next to the main bundle, and the dev server's URL when run with `npm run dev`. */
import { app } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN_DIR = dirname(fileURLToPath(import.meta.url));
export const RENDERER_FILE = join(MAIN_DIR, '../renderer/index.html');
export const PRELOAD_FILE = join(MAIN_DIR, '../preload/index.cjs');
export const DEV_URL = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
