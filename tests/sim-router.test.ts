/**
 * The dispatch every simulator persona's route table runs on, over real HTTP:
 * exact, aliased and prefix paths, 404 and 405 in the persona's own words, a
 * refusal before routing, thrown problems (400 bad JSON, 404, 500, 413 for an
 * oversized body) through the dialect or a route's own error shape, the
 * simulated marker on every answer and one access-log call per request.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouter, HttpProblem, readJsonBody, type Dialect, type Exchange, type Route } from '../src/simulator/personas/router';
import { sendJson } from '../src/simulator/personas/respond';

let server: http.Server;
let url: string;
let loading = false;
const answered: string[] = [];
const failures: HttpProblem[] = [];

const routes: Route[] = [
  { method: 'GET', path: ['/health', '/v1/health'], handler: ({ res }) => sendJson(res, 200, { status: 'ok' }) },
  { method: ['GET', 'HEAD'], path: '/items/*', handler: ({ res, path }) => sendJson(res, 200, { item: path.slice('/items/'.length) }) },
  { method: 'POST', path: '/echo', handler: async ({ req, res }) => sendJson(res, 200, await readJsonBody(req, (d) => `not JSON: ${d}`)) },
  { method: 'POST', path: '/missing', handler: () => Promise.reject(new HttpProblem(404, 'no such model', { param: 'model', code: 'model_not_found' })) },
  {
    method: 'GET',
    path: '/boom',
    handler: () => {
      throw new Error('kaput');
    },
  },
  { method: 'POST', path: '/own-shape', handler: () => Promise.reject(new HttpProblem(400, 'bad field')), fail: ({ res }, p) => sendJson(res, p.status, { error: { message: p.message, type: 'own' } }) },
];

const dialect: Dialect = {
  refuse: ({ res }) => {
    if (!loading) return false;
    sendJson(res, 503, { error: 'loading' });
    return true;
  },
  notFound: ({ res }) => sendJson(res, 404, { error: 'not found' }),
  wrongMethod: ({ res, req }) => sendJson(res, 405, { error: `no ${req.method}` }),
  fail: ({ res }: Exchange, p) => {
    failures.push(p);
    sendJson(res, p.status, { error: p.message, param: p.param, code: p.code });
  },
  answered: ({ req, res, path }) => answered.push(`${req.method} ${path} ${res.statusCode}`),
};

beforeAll(async () => {
  server = http.createServer(createRouter(routes, dialect));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const post = (path: string, body: string) => fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('simulator router', () => {
  it('routes exact, aliased and prefix paths (query strings ignored), and marks every answer as simulated', async () => {
    for (const path of ['/health', '/v1/health?x=1']) {
      const r = await fetch(url + path);
      expect(r.status).toBe(200);
      expect(r.headers.get('x-spectune-simulated')).toBe('1');
      expect(await r.json()).toEqual({ status: 'ok' });
    }
    expect(await (await fetch(url + '/items/a%2Fb')).json()).toEqual({ item: 'a%2Fb' });
    expect((await fetch(url + '/items/x', { method: 'HEAD' })).status).toBe(200);
    const echo = await post('/echo', JSON.stringify({ a: 1 }));
    expect(await echo.json()).toEqual({ a: 1 });
  });

  it('answers an unknown path with the dialect 404 and a known path with another method with its 405, both marked', async () => {
    const missing = await fetch(url + '/nope');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-spectune-simulated')).toBe('1');
    expect(await missing.json()).toEqual({ error: 'not found' });
    const wrong = await fetch(url + '/health', { method: 'POST' });
    expect(wrong.status).toBe(405);
    expect(await wrong.json()).toEqual({ error: 'no POST' });
  });

  it('a dialect without a 405 answers a wrong method with its 404', async () => {
    const plain = http.createServer(createRouter(routes, { ...dialect, wrongMethod: undefined }));
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    try {
      const r = await fetch(`http://127.0.0.1:${(plain.address() as AddressInfo).port}/echo`);
      expect(r.status).toBe(404);
      expect(await r.json()).toEqual({ error: 'not found' });
    } finally {
      await new Promise<void>((r) => plain.close(() => r()));
    }
  });

  it('writes thrown problems in the dialect shape: 400 for bad JSON or a non-object body, the status thrown, 500 for any other error', async () => {
    const bad = await post('/echo', '{"a":');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^not JSON: /);
    const list = await post('/echo', '[1]');
    expect(list.status).toBe(400);
    expect(await list.json()).toMatchObject({ error: 'the request body must be a JSON object' });
    const missing = await post('/missing', '{}');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'no such model', param: 'model', code: 'model_not_found' });
    const boom = await fetch(url + '/boom');
    expect(boom.status).toBe(500);
    expect(boom.headers.get('x-spectune-simulated')).toBe('1');
    expect(await boom.json()).toMatchObject({ error: 'kaput' });
  });

  it("uses a route's own error shape where it has one", async () => {
    const r = await post('/own-shape', '{}');
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ error: { message: 'bad field', type: 'own' } });
  });

  it('refuses an oversized body as 413 and drops the connection', async () => {
    failures.length = 0;
    const huge = 'x'.repeat(16 * 1024 * 1024 + 1);
    await expect(post('/echo', JSON.stringify({ huge }))).rejects.toThrow();
    expect(failures.map((p) => p.status)).toEqual([413]);
    expect(failures[0].message).toContain('larger than 16777216 bytes');
  });

  it('lets the dialect refuse before routing (503 while loading), and tells the access log once per request', async () => {
    loading = true;
    try {
      const r = await fetch(url + '/health');
      expect(r.status).toBe(503);
      expect(r.headers.get('x-spectune-simulated')).toBe('1');
    } finally {
      loading = false;
    }
    answered.length = 0;
    await fetch(url + '/health');
    await fetch(url + '/nope');
    await new Promise((r) => setImmediate(r));
    expect(answered).toEqual(['GET /health 200', 'GET /nope 404']);
  });
});
