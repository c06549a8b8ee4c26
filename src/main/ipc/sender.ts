/**
 * Only the app's own renderer may call the services: the built index.html
 * loaded from disk, or electron-vite's dev server in development. Anything
 * else (a page that somehow got navigated to, an iframe) is refused.
 */
import { normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface TrustedRenderer {
  /** Absolute path of out/renderer/index.html. */
  rendererFile: string;
  /** ELECTRON_RENDERER_URL in development, else undefined. */
  devUrl?: string;
}

export function makeSenderCheck(t: TrustedRenderer): (url: string | null | undefined) => boolean {
  const devOrigin = t.devUrl ? new URL(t.devUrl).origin : null;
  const file = normalize(t.rendererFile);
  return (url) => {
    if (!url) return false;
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return false;
    }
    if (devOrigin && u.origin === devOrigin) return true;
    if (u.protocol !== 'file:') return false;
    try {
      return normalize(fileURLToPath(u)) === file;
    } catch {
      return false;
    }
  };
}
