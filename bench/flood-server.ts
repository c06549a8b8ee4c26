/**
 * A stand-in OpenAI server that streams a fixed number of vLLM-shaped chat
 * chunks. It runs in its own process so the bench's CPU accounting sees only
 * the client.
 *
 * Two paces, because a client's cost per chunk depends on how chunks arrive:
 *   --gap-ms 0 (bulk): everything as fast as the socket takes it, so one read
 *     carries hundreds of chunks and per-read costs are spread thin;
 *   --gap-ms N: one chunk per write, N ms apart, so each chunk is its own read
 *     as when vLLM streams tokens as it generates them.
 *
 * Paced mode also keeps the server's own truth for the load bench: the wall
 * time (epoch ms) of every content chunk it wrote, so GET /stats?from=A&to=B
 * answers how many tokens it produced in that window (a content chunk = one token).
 *
 *   node bin/run-ts.js bench/flood-server.ts --port P --chunks N [--gap-ms G]
 */
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { port: { type: 'string' }, chunks: { type: 'string', default: '20000' }, 'gap-ms': { type: 'string', default: '0' } },
});
const port = Number(values.port);
const chunks = Number(values.chunks);
const gapMs = Number(values['gap-ms']);

const WORDS = [' the', ' model', ' accepts', ' draft', ' tokens', ' quickly', ',', ' and', ' then', ' verifies', ' them', '.'];

function events(): string[] {
  const base = {
    id: 'chatcmpl-9f1c2d3e4b5a69788796a5b4c3d2e1f0',
    object: 'chat.completion.chunk',
    created: 1732800000,
    model: 'Qwen/Qwen2.5-7B-Instruct',
  };
  const out: string[] = [];
  out.push(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] })}\n\n`);
  for (let i = 0; i < chunks; i++) {
    const last = i === chunks - 1;
    const c = { index: 0, delta: { content: WORDS[i % WORDS.length] }, logprobs: null, finish_reason: last ? 'length' : null };
    out.push(`data: ${JSON.stringify({ ...base, choices: [c] })}\n\n`);
  }
  out.push(`data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 42, total_tokens: 42 + chunks, completion_tokens: chunks } })}\n\n`);
  out.push('data: [DONE]\n\n');
  return out;
}

const stream = events();
const bulk = Buffer.from(stream.join(''));
const SLICE = 64 * 1024;

async function sendBulk(res: http.ServerResponse): Promise<void> {
  for (let i = 0; i < bulk.length; i += SLICE) {
    if (!res.write(bulk.subarray(i, i + SLICE))) await new Promise((r) => res.once('drain', r));
  }
}

/** Epoch ms of each content chunk written (paced mode): the server-side truth for the load bench. */
const written: number[] = [];
const nowEpochMs = () => performance.timeOrigin + performance.now();

async function sendPaced(res: http.ServerResponse): Promise<void> {
  for (let i = 0; i < stream.length; i++) {
    if (res.destroyed) return;
    res.write(stream[i]);
    // Events 1..chunks carry the content; the first is the role chunk, the last two usage and [DONE].
    if (i >= 1 && i <= chunks) written.push(nowEpochMs());
    // After [DONE] the body ends at once, as a real server's does (a pause there would hold the client's slot).
    if (i < stream.length - 1) await new Promise((r) => setTimeout(r, gapMs));
  }
}

/** Tokens written in [from, to] (epoch ms); `written` is in time order. */
function tokensBetween(from: number, to: number): number {
  let n = 0;
  for (const t of written) if (t >= from && t <= to) n++;
  return n;
}

const server = http.createServer({ noDelay: true }, (req, res) => {
  if (req.method === 'GET') {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/stats') {
      const from = Number(url.searchParams.get('from') ?? 0);
      const to = Number(url.searchParams.get('to') ?? Infinity);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ tokens: tokensBetween(from, to), total: written.length }));
      return;
    }
    res.end('ok');
    return;
  }
  req.resume();
  req.on('end', async () => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    await (gapMs > 0 ? sendPaced(res) : sendBulk(res));
    res.end();
  });
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
