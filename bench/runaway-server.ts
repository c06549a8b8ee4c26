/**
 * A hostile stand-in for vLLM: it identifies as vLLM (/version, /v1/models) and
 * answers every completion with content chunks that never end, whatever
 * max_tokens asked for (one chunk every --gap-ms, as fast as the socket takes
 * them with 0). The runaway bench points a real `spectune sweep` at it.
 *
 *   node bin/run-ts.js bench/runaway-server.ts --port P [--gap-ms 0]
 */
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string' }, 'gap-ms': { type: 'string', default: '0' } } });
const port = Number(values.port);
const gapMs = Number(values['gap-ms']);
const MODEL = 'runaway/never-stops';
const chunk = `data: ${JSON.stringify({ id: 'chatcmpl-runaway', object: 'chat.completion.chunk', created: 1732800000, model: MODEL, choices: [{ index: 0, delta: { content: ' more' }, logprobs: null, finish_reason: null }] })}\n\n`;
const burst = Buffer.from(chunk.repeat(256));

async function forever(res: http.ServerResponse): Promise<void> {
  while (!res.destroyed) {
    const ok = res.write(gapMs > 0 ? chunk : burst);
    if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
    else if (!ok) await new Promise((r) => res.once('drain', r).once('close', r));
  }
}

const json = (res: http.ServerResponse, body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));

const server = http.createServer({ noDelay: true }, (req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (req.method === 'GET') {
    if (path === '/version') return json(res, { version: '0.15.1' });
    if (path === '/v1/models') return json(res, { object: 'list', data: [{ id: MODEL, object: 'model' }] });
    if (path === '/metrics') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('');
    return void res.end('ok');
  }
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    void forever(res);
  });
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
