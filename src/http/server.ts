/**
 * Browser mode: the built renderer plus the IPC contract over HTTP, for a
 * headless GPU box reached through an SSH tunnel (and for testing the UI in a
 * real Chromium). This file wires the parts: guard.ts (who may ask), rpc.ts
 * (request channels), events.ts (the event stream), static-files.ts (the UI).
 * Protocol: mirrored by src/renderer/src/api/http-bridge.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { SpecTuneError, toErrorInfo } from '../shared/errors';
import type { RequestChannel } from '../shared/ipc-contract';
import { createEventStreams, type EventHub } from './events';
import { foreignRequest, loopbackHost, tokenCheck } from './guard';
import { refuse, sendError } from './respond';
import { apiRoute } from './rpc';
import { staticFiles } from './static-files';

export interface BrowserServerOptions {
  /** The request handler, normally AppServices.handle. */
  handle: (channel: RequestChannel, args: unknown) => Promise<unknown>;
  hub: EventHub;
  /** Built renderer (out/renderer). */
  staticDir: string;
  host?: string;
  port?: number;
  /** Default: 32 random bytes, hex. */
  token?: string;
  /** Keep-alive comment interval on event streams (15 s by protocol). */
  pingMs?: number;
}

export interface BrowserServer {
  host: string;
  port: number;
  token: string;
  /** Base URL without the token. */
  origin: string;
  /** What the user opens: origin + `/?token=…`. */
  url: string;
  close(): Promise<void>;
}

/** Listens on host:port (0 = any free port) and returns the port it got. */
function listen(server: Server, host: string, port: number | undefined): Promise<number> {
  return new Promise<number>((resolveListen, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new SpecTuneError('PORT_IN_USE', `port ${port} on ${host} is already in use`, { hint: 'pick another --port, or 0 for any free port' })
          : err,
      );
    });
    server.listen(port ?? 0, host.replace(/^\[|\]$/g, ''), () => resolveListen((server.address() as AddressInfo).port));
  });
}

/** The open connections, so close() can end them instead of waiting for keep-alive to time out. */
function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return sockets;
}

export async function startBrowserServer(opts: BrowserServerOptions): Promise<BrowserServer> {
  const host = loopbackHost(opts.host);
  const token = opts.token ?? randomBytes(32).toString('hex');
  const events = createEventStreams(opts.hub, opts.pingMs ?? 15_000);
  const api = apiRoute({ handle: opts.handle, tokenOk: tokenCheck(token), openEventStream: events.open });
  const serveStatic = staticFiles(opts.staticDir);
  let port = 0;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const foreign = foreignRequest(req, port);
    if (foreign) return refuse(req, res, 403, foreign);
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) return api(req, res, url);
    return serveStatic(req, res, url);
  }

  const server = createServer((req, res) => {
    void route(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, toErrorInfo(err));
      else res.destroy();
    });
  });
  const sockets = trackSockets(server);
  port = await listen(server, host, opts.port);
  const shownHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const origin = `http://${shownHost}:${port}`;
  return {
    host,
    port,
    token,
    origin,
    url: `${origin}/?token=${token}`,
    close: () =>
      new Promise<void>((done) => {
        events.endAll();
        server.close(() => done());
        for (const s of sockets) s.destroy();
      }),
  };
}
