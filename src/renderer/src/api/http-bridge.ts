/**
 * SpecTuneApi over the browser-mode protocol: POST /api/<channel> with the
 * token header, and one EventSource on /api/events for every event channel.
 */
import {
  EVENT_CHANNELS,
  REQUEST_CHANNELS,
  type EventChannel,
  type EventPayload,
  type RequestChannel,
  type SpecTuneApi,
} from '../../../shared/ipc-contract';
import { ApiError } from './errors';

type Listener = (payload: never) => void;

export interface HttpBridgeOptions {
  baseUrl: string;
  token: string;
  /** Injected for tests; defaults to the globals. */
  fetchImpl?: typeof fetch;
  EventSourceImpl?: typeof EventSource;
  /**
   * Called when the event stream comes back after a drop (an SSH tunnel hiccup): events sent
   * meanwhile are gone, so the UI must ask for the current state again.
   */
  onReconnect?: () => void;
}

export function createHttpApi(opts: HttpBridgeOptions): SpecTuneApi {
  const base = opts.baseUrl.replace(/\/$/, '');
  const doFetch = opts.fetchImpl ?? ((input: string, init?: RequestInit) => fetch(input, init));
  const listeners = new Map<EventChannel, Set<Listener>>();
  let source: EventSource | null = null;

  async function call(channel: RequestChannel, args: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await doFetch(`${base}/api/${channel}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-SpecTune-Token': opts.token },
        body: JSON.stringify(args ?? {}),
      });
    } catch (err) {
      throw new ApiError({
        code: 'CONNECT_FAILED',
        message: `SpecTune's UI server did not answer (${err instanceof Error ? err.message : String(err)})`,
        hint: 'is `spectune ui` still running? Restart it and open the URL it prints',
      });
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new ApiError({ code: 'HTTP_ERROR', message: `${channel}: HTTP ${res.status} without a JSON body` }, res.status);
    }
    const b = body as { ok?: boolean; result?: unknown; error?: { code?: string; message?: string; hint?: string; logTail?: string[] } };
    if (res.ok && b.ok) return b.result;
    if (res.status === 401) {
      throw new ApiError(
        { code: 'UNAUTHORIZED', message: 'the UI server refused the access token', hint: 'open the full URL `spectune ui` printed (it ends in ?token=…)' },
        401,
      );
    }
    const e = b.error ?? {};
    throw new ApiError(
      { code: e.code ?? 'HTTP_ERROR', message: e.message ?? `${channel}: HTTP ${res.status}`, hint: e.hint, logTail: e.logTail },
      res.status,
    );
  }

  function ensureSource(): void {
    if (source) return;
    const ES = opts.EventSourceImpl ?? EventSource;
    source = new ES(`${base}/api/events?token=${encodeURIComponent(opts.token)}`);
    let dropped = false;
    source.addEventListener('error', () => (dropped = true));
    source.addEventListener('open', () => {
      if (!dropped) return;
      dropped = false;
      opts.onReconnect?.();
    });
    for (const channel of EVENT_CHANNELS) {
      source.addEventListener(channel, (ev) => {
        let payload: unknown;
        try {
          payload = JSON.parse(String((ev as { data?: unknown }).data));
        } catch {
          return;
        }
        for (const l of listeners.get(channel) ?? []) (l as (p: unknown) => void)(payload);
      });
    }
  }

  const api: Record<string, unknown> = {};
  for (const channel of REQUEST_CHANNELS) api[channel] = (args: unknown) => call(channel, args);
  api.on = <E extends EventChannel>(event: E, listener: (payload: EventPayload<E>) => void) => {
    ensureSource();
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener as Listener);
    return () => {
      set.delete(listener as Listener);
    };
  };
  return api as SpecTuneApi;
}
