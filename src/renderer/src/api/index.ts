/**
 * One API for every screen: the Electron preload's `window.spectune` when it
 * exists, else the HTTP bridge of browser mode. The renderer never cares which.
 */
import type { SpecTuneApi } from '../../../shared/ipc-contract';
import { createHttpApi } from './http-bridge';

declare global {
  interface Window {
    spectune?: SpecTuneApi;
  }
}

const TOKEN_KEY = 'spectune.token';

/** Take the token from ?token=…, keep it for reloads, and clear it from the address bar. */
export function readToken(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

let cached: SpecTuneApi | null = null;

/** `onReconnect`: browser mode's event stream came back after a drop (Electron IPC never drops). */
export function getApi(opts: { onReconnect?: () => void } = {}): SpecTuneApi {
  if (cached) return cached;
  cached = window.spectune ?? createHttpApi({ baseUrl: window.location.origin, token: readToken(), onReconnect: opts.onReconnect });
  return cached;
}

export { ApiError, toUiError, type UiError } from './errors';
