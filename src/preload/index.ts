/**
 * The renderer's only door to the app: `window.spectune`, one method per
 * request channel of the contract plus `on(event, listener)`. Generated from
 * the channel lists, so nothing outside the contract is reachable (no generic
 * invoke). Sandboxed: this file may require nothing but electron, so it uses
 * the zod-free channel lists; main validates every payload.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { EVENT_CHANNEL_NAMES, IPC_EVENT_PREFIX, IPC_REQUEST_PREFIX, REQUEST_CHANNEL_NAMES, type IpcEnvelope } from '../shared/ipc-channels';

type Listener = (payload: unknown) => void;

const api: Record<string, unknown> = {};

for (const channel of REQUEST_CHANNEL_NAMES) {
  api[channel] = async (args?: unknown) => {
    const reply = (await ipcRenderer.invoke(IPC_REQUEST_PREFIX + channel, args ?? {})) as IpcEnvelope<unknown>;
    if (reply.ok) return reply.result;
    // A plain object, not an Error: contextBridge drops an Error's own fields (code, hint, logTail).
    throw { name: 'SpecTuneError', ...reply.error };
  };
}

const eventNames: readonly string[] = EVENT_CHANNEL_NAMES;

api.on = (event: string, listener: Listener): (() => void) => {
  if (!eventNames.includes(event)) throw new Error(`unknown event "${event}"; expected one of ${eventNames.join(', ')}`);
  if (typeof listener !== 'function') throw new Error('listener must be a function');
  const wrapped = (_e: IpcRendererEvent, payload: unknown) => listener(payload);
  ipcRenderer.on(IPC_EVENT_PREFIX + event, wrapped);
  return () => {
    ipcRenderer.removeListener(IPC_EVENT_PREFIX + event, wrapped);
  };
};

contextBridge.exposeInMainWorld('spectune', Object.freeze(api));
