/**
 * The browser-mode bridge against a real HTTP server speaking the protocol:
 * token header, JSON body, ok/result, error objects with code/hint/logTail.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApi } from '../../src/renderer/src/api/http-bridge';
import { ApiError } from '../../src/renderer/src/api/errors';

const TOKEN = 'a'.repeat(64);
let server: Server;
let base = '';
const seen: { url: string; token: string | undefined; body: unknown; contentType: string | undefined }[] = [];

async function body(req: IncomingMessage): Promise<string> {
  let s = '';
  for await (const chunk of req) s += chunk;
  return s;
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const raw = await body(req);
    const token = req.headers['x-spectune-token'] as string | undefined;
    seen.push({ url: req.url ?? '', token, body: raw ? JSON.parse(raw) : undefined, contentType: req.headers['content-type'] });
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (token !== TOKEN) return send(401, { ok: false, error: { code: 'UNAUTHORIZED', message: 'missing or wrong token' } });
    if (req.url === '/api/server:state') return send(200, { ok: true, result: { phase: 'stopped' } });
    if (req.url === '/api/server:start')
      return send(409, {
        ok: false,
        error: { code: 'PORT_IN_USE', message: 'port 8000 is in use', hint: 'pick another port', logTail: ['a', 'b'] },
      });
    if (req.url === '/api/history:list') {
      res.writeHead(502, { 'Content-Type': 'text/html' });
      return res.end('<h1>bad gateway</h1>');
    }
    return send(404, { ok: false, error: { code: 'NOT_FOUND', message: `unknown channel ${req.url}` } });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe('HTTP bridge', () => {
  it('POSTs JSON args to /api/<channel> with the token header and returns result', async () => {
    const api = createHttpApi({ baseUrl: base, token: TOKEN });
    await expect(api['server:state']({})).resolves.toEqual({ phase: 'stopped' });
    const last = seen[seen.length - 1];
    expect(last).toMatchObject({ url: '/api/server:state', token: TOKEN, body: {}, contentType: 'application/json' });
  });

  it('turns an error answer into an ApiError with code, hint and log tail', async () => {
    const api = createHttpApi({ baseUrl: `${base}/`, token: TOKEN });
    const err = await api['server:start']({ model: 'm' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'PORT_IN_USE', message: 'port 8000 is in use', hint: 'pick another port', logTail: ['a', 'b'], status: 409 });
    expect(seen[seen.length - 1].body).toEqual({ model: 'm' });
  });

  it('explains a refused token with how to fix it', async () => {
    const api = createHttpApi({ baseUrl: base, token: 'wrong' });
    const err = (await api['server:state']({}).catch((e: unknown) => e)) as ApiError;
    expect(err.code).toBe('UNAUTHORIZED');
    expect(err.hint).toContain('?token=');
  });

  it('reports a non-JSON answer and a dead server clearly', async () => {
    const api = createHttpApi({ baseUrl: base, token: TOKEN });
    await expect(api['history:list']({})).rejects.toMatchObject({ code: 'HTTP_ERROR', message: 'history:list: HTTP 502 without a JSON body' });
    const dead = createHttpApi({ baseUrl: 'http://127.0.0.1:1', token: TOKEN });
    await expect(dead['app:info']({})).rejects.toMatchObject({ code: 'CONNECT_FAILED', hint: expect.stringContaining('spectune ui') });
  });

  it('after the event stream drops and comes back, asks the UI to resync (missed events are gone)', () => {
    const instances: FakeEventSource[] = [];
    class FakeEventSource {
      readonly listeners = new Map<string, Array<() => void>>();
      constructor(readonly url: string) {
        instances.push(this);
      }
      addEventListener(type: string, fn: () => void) {
        this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
      }
      fire(type: string) {
        for (const fn of this.listeners.get(type) ?? []) fn();
      }
    }
    let resyncs = 0;
    const api = createHttpApi({ baseUrl: base, token: TOKEN, EventSourceImpl: FakeEventSource as unknown as typeof EventSource, onReconnect: () => resyncs++ });
    api.on('server:state', () => {});
    api.on('sweep:done', () => {});
    expect(instances).toHaveLength(1);
    expect(instances[0].url).toBe(`${base}/api/events?token=${TOKEN}`);
    instances[0].fire('open');
    expect(resyncs).toBe(0); // the first connection is not a reconnection
    instances[0].fire('error');
    instances[0].fire('open');
    expect(resyncs).toBe(1);
    instances[0].fire('open');
    expect(resyncs).toBe(1);
  });
});
