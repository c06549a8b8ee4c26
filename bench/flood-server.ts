/**
 * A stand-in OpenAI server that streams a fixed number of vLLM-shaped chat
 * chunks as fast as the socket takes them. It runs in its own process so the
 * bench's CPU accounting sees only the client.
 *
 *   node bin/run-ts.js bench/flood-server.ts --port P --chunks N
 */
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string' }, chunks: { type: 'string', default: '20000' } } });
const port = Number(values.port);
const chunks = Number(values.chunks);

const WORDS = [' the', ' model', ' accepts', ' draft', ' tokens', ' quickly', ',', ' and', ' then', ' verifies', ' them', '.'];

function body(): Buffer {
  const base = {
    id: 'chatcmpl-9f1c2d3e4b5a69788796a5b4c3d2e1f0',
    object: 'chat.completion.chunk',
    created: 1732800000,
    model: 'Qwen/Qwen2.5-7B-Instruct',
  };
  const parts: string[] = [];
  parts.push(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] })}\n\n`);
  for (let i = 0; i < chunks; i++) {
    const last = i === chunks - 1;
    const c = { index: 0, delta: { content: WORDS[i % WORDS.length] }, logprobs: null, finish_reason: last ? 'length' : null };
    parts.push(`data: ${JSON.stringify({ ...base, choices: [c] })}\n\n`);
  }
  parts.push(`data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 42, total_tokens: 42 + chunks, completion_tokens: chunks } })}\n\n`);
  parts.push('data: [DONE]\n\n');
  return Buffer.from(parts.join(''));
}

const payload = body();
const SLICE = 64 * 1024;

const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    res.end('ok');
    return;
  }
  req.resume();
  req.on('end', async () => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (let i = 0; i < payload.length; i += SLICE) {
      if (!res.write(payload.subarray(i, i + SLICE))) await new Promise((r) => res.once('drain', r));
    }
    res.end();
  });
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
