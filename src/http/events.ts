/** Events to the browser: one hub the services emit into, fanned out to every open event stream (SSE). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Emit } from '../core/handlers/context';
import { EVENT_CHANNELS, type EventChannel } from '../shared/ipc-contract';
import { SECURITY_HEADERS } from './respond';

/** Fans events out to every open event stream. Create it first and hand `emit` to the services. */
export interface EventHub {
  emit: Emit;
  subscribe(send: (channel: EventChannel, payload: unknown) => void): () => void;
}

export function createEventHub(): EventHub {
  const subscribers = new Set<(channel: EventChannel, payload: unknown) => void>();
  return {
    emit: (channel, payload) => {
      for (const s of subscribers) s(channel, payload);
    },
    subscribe(send) {
      subscribers.add(send);
      return () => subscribers.delete(send);
    },
  };
}

/** The open event streams: `open` answers GET /api/events, `endAll` ends every stream on close. */
export interface EventStreams {
  open(req: IncomingMessage, res: ServerResponse): void;
  endAll(): void;
}

/** `pingMs`: keep-alive comment interval (15 s by protocol). */
export function createEventStreams(hub: EventHub, pingMs: number): EventStreams {
  const streams = new Set<ServerResponse>();
  return {
    open(req, res) {
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      res.write(': connected\n\n');
      streams.add(res);
      const unsubscribe = hub.subscribe((channel, payload) => {
        if (!EVENT_CHANNELS.includes(channel)) return;
        res.write(`event: ${channel}\ndata: ${JSON.stringify(payload)}\n\n`);
      });
      const ping = setInterval(() => res.write(': ping\n\n'), pingMs);
      ping.unref();
      const done = () => {
        clearInterval(ping);
        unsubscribe();
        streams.delete(res);
      };
      req.on('close', done);
      res.on('close', done);
    },
    endAll() {
      for (const s of streams) s.end();
    },
  };
}
