/**
 * Test plumbing for the LM Studio and Ollama engine tests: an Ask from recorded
 * answers, an Ask and a POST over real HTTP (the production Ask lives in
 * src/core/probes.ts), and a throwaway node:http server that is always closed.
 */
import http from 'node:http';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Ask, ProbeAnswer } from '../src/engines/engine';
import { getWithDeadline } from '../src/node/http';

export interface Recorded {
  status?: number;
  json?: unknown;
  text?: string;
}

/** An Ask answering from a map; a path not in it gets 404 as a Go or Express server would; a null entry is a network failure. */
export function recordedAsk(answers: Record<string, Recorded | null>): Ask & { asked: string[] } {
  const asked: string[] = [];
  const ask = async (path: string): Promise<ProbeAnswer | null> => {
    asked.push(path);
    if (!(path in answers)) return { status: 404, json: undefined, text: '404 page not found', latencyMs: 1 };
    const a = answers[path];
    if (a === null) return null;
    const text = a.text ?? (a.json === undefined ? '' : JSON.stringify(a.json));
    return { status: a.status ?? 200, json: a.json, text, latencyMs: 1 };
  };
  return Object.assign(ask, { asked });
}

/** Memoised GETs over real HTTP, as the probe path does it. */
export function httpAsk(baseUrl: string): Ask {
  const memo = new Map<string, Promise<ProbeAnswer | null>>();
  return (path) => {
    let p = memo.get(path);
    if (!p) {
      p = getWithDeadline(baseUrl + path, 3000).catch(() => null);
      memo.set(path, p);
    }
    return p;
  };
}

/** A JSON POST over real HTTP, answered as a ProbeAnswer (Ollama's /api/show is a POST). */
export function httpPost(baseUrl: string) {
  return async (path: string, body: unknown): Promise<ProbeAnswer | null> => {
    const t0 = performance.now();
    try {
      const res = await fetch(baseUrl + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(3000),
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.status, json, text, latencyMs: performance.now() - t0 };
    } catch {
      return null;
    }
  };
}

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

/** A real HTTP server on a free loopback port. */
export async function serve(handler: http.RequestListener): Promise<TestServer> {
  const server = http.createServer(handler);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function readBody(req: http.IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}
