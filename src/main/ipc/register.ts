/**
 * Electron IPC generated from the contract: one ipcMain.handle per request
 * channel, one `emit` for events. Nothing else in the app touches
 * ipcMain/webContents.send (GitHub Desktop's ipc-shared style).
 *
 * Handlers answer with an envelope instead of throwing: Electron reduces a
 * thrown error to its message, and the UI needs the code, hint and log tail.
 */
import type { IpcMain, WebContents } from 'electron';
import { toErrorInfo } from '../../shared/errors';
import { events, REQUEST_CHANNELS, type EventChannel, type EventPayload, type RequestChannel } from '../../shared/ipc-contract';
import { IPC_EVENT_PREFIX, IPC_REQUEST_PREFIX, type IpcEnvelope } from '../../shared/ipc-channels';
import { formatZodError } from '../../shared/schemas';

export type Handle = (channel: RequestChannel, args: unknown) => Promise<unknown>;

export function registerIpcHandlers(ipcMain: IpcMain, handle: Handle, isTrustedSender: (url: string | null | undefined) => boolean): () => void {
  for (const channel of REQUEST_CHANNELS) {
    ipcMain.handle(IPC_REQUEST_PREFIX + channel, async (event, args: unknown): Promise<IpcEnvelope<unknown>> => {
      const from = event.senderFrame?.url;
      if (!isTrustedSender(from)) {
        return { ok: false, error: { code: 'FORBIDDEN', message: `${channel}: refused a call from ${from ?? 'an unknown frame'}` } };
      }
      try {
        return { ok: true, result: await handle(channel, args) };
      } catch (err) {
        const info = toErrorInfo(err);
        return { ok: false, error: JSON.parse(JSON.stringify(info)) as typeof info };
      }
    });
  }
  return () => {
    for (const channel of REQUEST_CHANNELS) ipcMain.removeHandler(IPC_REQUEST_PREFIX + channel);
  };
}

/**
 * `emit(channel, payload)` to the window's renderer. In development every
 * payload is checked against the contract, so a drift shows up at once.
 */
export function createEmitter(target: () => WebContents | null, opts: { validate: boolean }) {
  return <E extends EventChannel>(channel: E, payload: EventPayload<E>): void => {
    if (opts.validate) {
      const r = events[channel].safeParse(payload);
      if (!r.success) console.error(`[ipc] event ${channel} breaks the contract: ${formatZodError(r.error)}`);
    }
    const wc = target();
    if (wc && !wc.isDestroyed()) wc.send(IPC_EVENT_PREFIX + channel, payload);
  };
}
