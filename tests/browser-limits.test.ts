/**
 * Browser mode's request limits over real HTTP: body size (413, answered — not a
 * connection reset), JSON nesting depth (400 before JSON.parse), requests in flight
 * (503 with Retry-After).
 */
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventHub, startBrowserServer, type BrowserServer } from '../src/http';
import { jsonDepthExceeds, MAX_IN_FLIGHT } from '../src/http/request-limits';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: () => any;
}

/** A POST that streams `size` bytes of body in 64 KB chunks, as a client uploading a big file would. */
function post(srv: BrowserServer, channel: string, body: string | { size: number }, token = srv.token): Promise<Reply> {
  return new Promise((resolveReply, reject) => {
    const length = typeof body === 'string' ? Buffer.byteLength(body) : body.size;
    const req = request(
      {
        host: '127.0.0.1',
        port: srv.port,
        path: `/api/${channel}`,
        method: 'POST',
        headers: { Host: `127.0.0.1:${srv.port}`, 'Content-Type': 'application/json', 'Content-Length': length, 'X-SpecTune-Token': token },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolveReply({ status: res.statusCode ?? 0, headers: res.headers, json: () => JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    if (typeof body === 'string') return void req.end(body);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < length) {
        const n = Math.min(chunk.length, length - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

const servers: BrowserServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(handle: (channel: string, args: unknown) => Promise<unknown>): Promise<BrowserServer> {
  const srv = await startBrowserServer({ handle, hub: createEventHub(), staticDir: mkdtempSync(join(tmpdir(), 'spectune-static-')), port: 0 });
  servers.push(srv);
  return srv;
}

describe('browser mode request limits', { timeout: 60_000 }, () => {
  it('answers a 50 MB body with 413 and a message instead of resetting the connection', async () => {
    const calls: string[] = [];
    const srv = await start(async (c) => {
      calls.push(c);
      return {};
    });
    const r = await post(srv, 'app:info', { size: 50 * 1024 * 1024 });
    expect(r.status).toBe(413);
    expect(r.json().error).toMatchObject({ code: 'TOO_LARGE', message: 'body: larger than 1 MB' });
    expect(calls).toEqual([]);
    // The same without the token: refused with 401, still answered, not reset.
    const anon = await post(srv, 'app:info', { size: 20 * 1024 * 1024 }, 'wrong');
    expect(anon.status).toBe(401);
    // A body just under the cap still reaches the handler.
    const ok = await post(srv, 'app:info', `{"pad":"${'x'.repeat(1024 * 1024 - 20)}"}`);
    expect(ok.status).toBe(200);
    expect(calls).toEqual(['app:info']);
  });

  it('refuses JSON nested deeper than 64 levels before parsing it, eight at once', async () => {
    const srv = await start(async () => ({}));
    const deep = '['.repeat(500_000) + ']'.repeat(500_000);
    const replies = await Promise.all(Array.from({ length: 8 }, () => post(srv, 'app:info', deep)));
    for (const r of replies) {
      expect(r.status).toBe(400);
      expect(r.json().error).toMatchObject({ code: 'INVALID_INPUT', message: 'body: JSON nested deeper than 64 levels' });
    }
    const nested64 = '{"a":'.repeat(63) + '{}' + '}'.repeat(63);
    expect((await post(srv, 'app:info', nested64)).status).toBe(200);
  });

  it('jsonDepthExceeds ignores brackets inside strings and escaped quotes', () => {
    expect(jsonDepthExceeds(JSON.stringify({ s: '[[[[[[[[[[' }), 3)).toBe(false);
    expect(jsonDepthExceeds(JSON.stringify({ s: 'a\\"[[[[[["' }), 3)).toBe(false);
    expect(jsonDepthExceeds('[[[[]]]]', 3)).toBe(true);
    expect(jsonDepthExceeds('[[[]]]', 3)).toBe(false);
  });

  it(`answers 503 with Retry-After past ${MAX_IN_FLIGHT} requests in flight, and serves them once they finish`, async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered = 0;
    const srv = await start(async () => {
      entered++;
      await gate;
      return { done: true };
    });
    const pending = Array.from({ length: MAX_IN_FLIGHT + 4 }, () => post(srv, 'app:info', '{}'));
    const end = Date.now() + 10_000;
    while (entered < MAX_IN_FLIGHT && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(entered).toBe(MAX_IN_FLIGHT);
    // The ones past the limit are answered while the others still wait at the gate.
    let answered = 0;
    for (const p of pending) void p.then(() => answered++);
    while (answered < 4 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(entered).toBe(MAX_IN_FLIGHT);
    release();
    const replies = await Promise.all(pending);
    const refused = replies.filter((r) => r.status === 503);
    expect(refused).toHaveLength(4);
    expect(refused[0].headers['retry-after']).toBe('1');
    expect(refused[0].json().error.code).toBe('OVERLOADED');
    expect(replies.filter((r) => r.status === 200)).toHaveLength(MAX_IN_FLIGHT);
    // The counter came back down.
    expect((await post(srv, 'app:info', '{}')).status).toBe(200);
  });
});

describe('error codes as HTTP statuses', () => {
  it('a start cancelled by another request is a conflict (409), not an internal error (500)', async () => {
    const { httpStatusFor } = await import('../src/http');
    expect(httpStatusFor({ code: 'CANCELLED', message: 'start cancelled' })).toBe(409);
    expect(httpStatusFor({ code: 'UNKNOWN', message: 'boom' })).toBe(500);
  });
});
