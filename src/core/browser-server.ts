/**
 * Browser mode: the built renderer plus the IPC contract over HTTP, for a
 * headless GPU box reached through an SSH tunnel (and for testing the UI in a
 * real Chromium). Loopback only; every /api/ request needs the start-up token;
 * a foreign Host (DNS rebinding) or Origin (another site's page) is refused.
 * Protocol: /work/briefs/protocol.md, mirrored by src/renderer/src/api/http-bridge.ts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { SpecTuneError, toErrorInfo, type ErrorInfo } from '../shared/errors';
import { EVENT_CHANNELS, requests, type EventChannel, type RequestChannel } from '../shared/ipc-contract';
import type { Emit } from './handlers/context';
import { discardBody, jsonDepthExceeds, MAX_IN_FLIGHT, overloaded, readLimitedBody, tooDeep } from './request-limits';

import { CONTENT_SECURITY_POLICY } from '../shared/csp';

export { CONTENT_SECURITY_POLICY };

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  // The page URL carries the token: never leak it in a Referer.
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

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

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** HTTP status for an error code the handlers throw. */
export function httpStatusFor(info: ErrorInfo): number {
  switch (info.code) {
    case 'INVALID_INPUT':
      return 400;
    case 'UNAUTHORIZED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'TOO_LARGE':
      return 413;
    case 'OVERLOADED':
      return 503;
    // A cancelled start was ended by another request (Stop): a conflict, not a server fault.
    case 'CANCELLED':
    case 'ALREADY_RUNNING':
    case 'BUSY':
    case 'NOT_RUNNING':
    case 'PORT_IN_USE':
      return 409;
    case 'COMMAND_NOT_FOUND':
    case 'UNSUPPORTED_DRAFT_MODEL':
      return 422;
    default:
      return 500;
  }
}

export async function startBrowserServer(opts: BrowserServerOptions): Promise<BrowserServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopbackHost(host)) {
    throw new SpecTuneError('INVALID_INPUT', `host: ${host} is not a loopback address; browser mode only listens on this machine`, {
      hint: 'use 127.0.0.1 and reach a remote box through an SSH tunnel: ssh -L 8765:127.0.0.1:8765 gpu-box',
    });
  }
  const token = opts.token ?? randomBytes(32).toString('hex');
  const tokenBuf = Buffer.from(token);
  const staticRoot = resolve(opts.staticDir);
  const pingMs = opts.pingMs ?? 15_000;
  const streams = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  let port = 0;
  /** API requests being read or handled now (the event stream excluded). */
  let inFlight = 0;

  const tokenOk = (given: string | null | undefined) => {
    if (!given) return false;
    const buf = Buffer.from(given);
    return buf.length === tokenBuf.length && timingSafeEqual(buf, tokenBuf);
  };

  const hostOk = (h: string | undefined) =>
    !!h && [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(h.toLowerCase());
  const originOk = (o: string | undefined) =>
    o === undefined || [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`].includes(o.toLowerCase());

  const server = createServer((req, res) => {
    void route(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, toErrorInfo(err));
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostOk(req.headers.host)) {
      return refuse(req, res, 403, { code: 'FORBIDDEN', message: `Host "${req.headers.host ?? ''}" is not this server`, hint: `open http://127.0.0.1:${port}/` });
    }
    if (!originOk(req.headers.origin)) {
      return refuse(req, res, 403, { code: 'FORBIDDEN', message: `requests from ${req.headers.origin} are not allowed` });
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) return api(req, res, url);
    return serveStatic(req, res, url);
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    let name: string;
    try {
      name = decodeURIComponent(url.pathname.slice('/api/'.length));
    } catch {
      return refuse(req, res, 400, { code: 'INVALID_INPUT', message: 'bad URL encoding' });
    }
    // EventSource cannot send headers, so the event stream alone takes the token in its URL.
    const given = (req.headers['x-spectune-token'] as string | undefined) ?? (name === 'events' ? url.searchParams.get('token') : null);
    if (!tokenOk(given)) {
      return refuse(req, res, 401, {
        code: 'UNAUTHORIZED',
        message: given ? 'wrong access token' : 'missing access token',
        hint: 'open the full URL `spectune ui` printed (it ends in ?token=…)',
      });
    }
    if (name === 'events') {
      if (req.method !== 'GET') return refuse(req, res, 405, { code: 'INVALID_INPUT', message: 'use GET for /api/events' });
      return openEventStream(req, res);
    }
    if (!Object.hasOwn(requests, name)) {
      return refuse(req, res, 404, { code: 'NOT_FOUND', message: `no request channel "${name}"`, hint: 'see src/shared/ipc-contract.ts for the channels' });
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return refuse(req, res, 405, { code: 'INVALID_INPUT', message: `use POST for /api/${name}` });
    }
    if (inFlight >= MAX_IN_FLIGHT) {
      return refuse(req, res, 503, toErrorInfo(overloaded()), { 'Retry-After': '1' });
    }
    inFlight++;
    try {
      await callChannel(req, res, name as RequestChannel);
    } finally {
      inFlight--;
    }
  }

  async function callChannel(req: IncomingMessage, res: ServerResponse, name: RequestChannel): Promise<void> {
    const body = await readLimitedBody(req);
    if (!body.ok) return sendError(res, body.status, toErrorInfo(body.error));
    let args: unknown;
    try {
      // Depth first: JSON.parse (and zod after it) recurse per level, and memory grows with it.
      if (jsonDepthExceeds(body.text)) throw tooDeep();
      args = body.text.trim() ? JSON.parse(body.text) : {};
    } catch (err) {
      const info = err instanceof SpecTuneError ? toErrorInfo(err) : { code: 'INVALID_INPUT' as const, message: 'body: not valid JSON', hint: 'send the arguments as a JSON object, e.g. {}' };
      return sendError(res, httpStatusFor(info), info);
    }
    try {
      const result = await opts.handle(name, args);
      sendJson(res, 200, { ok: true, result });
    } catch (err) {
      const info = toErrorInfo(err);
      sendError(res, httpStatusFor(info), info);
    }
  }

  function openEventStream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(': connected\n\n');
    streams.add(res);
    const unsubscribe = opts.hub.subscribe((channel, payload) => {
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
  }

  function serveStatic(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendError(res, 405, { code: 'INVALID_INPUT', message: 'static files are GET only' });
    }
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      return sendError(res, 400, { code: 'INVALID_INPUT', message: 'bad URL encoding' });
    }
    if (rel.includes('\0')) return sendError(res, 400, { code: 'INVALID_INPUT', message: 'bad path' });
    let file = resolve(staticRoot, `.${normalize(rel.endsWith('/') ? `${rel}index.html` : rel)}`);
    if (file !== staticRoot && !file.startsWith(staticRoot + sep)) {
      return sendError(res, 403, { code: 'FORBIDDEN', message: 'outside the UI folder' });
    }
    // Client-side routes without a file extension get the app shell.
    if (!existsSync(file) && !extname(file)) file = join(staticRoot, 'index.html');
    if (!existsSync(file) && url.pathname === '/favicon.ico') {
      // Browsers ask for it unprompted; "no icon" is not an error worth a console line.
      res.writeHead(204, SECURITY_HEADERS);
      return void res.end();
    }
    if (!existsSync(file) || !statSync(file).isFile()) {
      const missingApp = !existsSync(join(staticRoot, 'index.html'));
      return sendError(res, 404, {
        code: 'NOT_FOUND',
        message: missingApp ? `the UI is not built (${join(staticRoot, 'index.html')} is missing)` : `no file ${url.pathname}`,
        hint: missingApp ? 'run `npm run build`, then start `spectune ui` again' : undefined,
      });
    }
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': statSync(file).size,
      'Cache-Control': file.endsWith('.html') ? 'no-cache' : 'public, max-age=3600',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new SpecTuneError('PORT_IN_USE', `port ${opts.port} on ${host} is already in use`, { hint: 'pick another --port, or 0 for any free port' })
          : err,
      );
    });
    server.listen(opts.port ?? 0, host.replace(/^\[|\]$/g, ''), () => resolveListen());
  });
  port = (server.address() as AddressInfo).port;
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
        for (const s of streams) s.end();
        server.close(() => done());
        for (const s of sockets) s.destroy();
      }),
  };
}

/** Answers a request refused before its body was read: read (and drop) the body first, or the answer is lost to a reset. */
async function refuse(req: IncomingMessage, res: ServerResponse, status: number, info: ErrorInfo, headers: Record<string, string> = {}): Promise<void> {
  await discardBody(req);
  if (!res.destroyed) sendError(res, status, info, headers);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, info: ErrorInfo, headers: Record<string, string> = {}): void {
  const error: ErrorInfo = { code: info.code, message: info.message };
  if (info.hint) error.hint = info.hint;
  if (info.logTail) error.logTail = info.logTail;
  sendJson(res, status, { ok: false, error }, headers);
}
