/**
 * `window.spectune` as the renderer sees it: the preload's API in Electron,
 * absent in browser mode (the renderer then uses its HTTP bridge). Both
 * implement SpecTuneApi. A failed call rejects with a plain
 * `{ name: 'SpecTuneError', code, message, hint?, logTail? }` object.
 */
import type { SpecTuneApi } from '../shared/ipc-contract';

declare global {
  interface Window {
    spectune?: SpecTuneApi;
  }
}

export {};
