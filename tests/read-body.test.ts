/** The size-capped body reader of the servers SpecTune runs itself, over a real socket. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBodyText } from '../src/node/read-body';

let server: http.Server;
let url: string;
const outcomes: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    readBodyText(req, 1000, (max) => new Error(`over ${max}`)).then(
      (text) => {
        outcomes.push(`ok ${text.length}`);
        res.end(`got ${text.length}`);
      },
      (err: Error) => outcomes.push(err.message),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('readBodyText', () => {
  it('returns a body up to the cap whole, in several chunks', async () => {
    const body = 'é'.repeat(500); // 1000 bytes of two-byte characters: a chunk boundary may split one
    const res = await fetch(url, { method: 'POST', body });
    expect(await res.text()).toBe('got 500');
  });

  it('refuses a body past the cap and drops the connection', async () => {
    const err = await fetch(url, { method: 'POST', body: 'x'.repeat(5000) }).then(
      (r) => r.text(),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(outcomes).toContain('over 1000');
  });
});
