/**
 * llama-server's HTTP surface, served by the embedded engine: /health, /props,
 * /v1/models, /v1/chat/completions and /v1/completions (also without the /v1
 * prefix, as llama-server accepts). While the models load every endpoint but
 * /health answers 503 "Loading model", as there. Generations run one at a time
 * (a single slot); later requests wait their turn.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { EmbeddedEngine } from './engine';
import { applyChatTemplate } from './chat-template';
import { BadRequest, parseChatBody, parseCompletionBody, type GenerationRequest } from './request';
import { ContextExceededError } from './speculative-decoder';
import { readBodyText } from '../../../node/read-body';
import {
  chatDeltaChunk,
  chatFinalChunks,
  chatFirstChunk,
  chatResponse,
  completionDeltaChunk,
  completionFinalChunk,
  completionResponse,
  errorJson,
  type ResponseMeta,
} from './openai-shapes';

const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface ApiState {
  engine: EmbeddedEngine | null;
  modelPath: string;
  modelName: string;
  buildInfo: string;
  log: (line: string) => void;
}

type Serialise = <T>(job: () => Promise<T>) => Promise<T>;

export function createApi(state: ApiState): http.Server {
  let queue: Promise<unknown> = Promise.resolve();
  /** One slot: each generation starts when the previous one has finished. */
  const serialise: Serialise = (job) => {
    const run = queue.then(job, job);
    queue = run.catch(() => {});
    return run;
  };

  const server = http.createServer((req, res) => {
    res.socket?.setNoDelay(true);
    handle(state, serialise, req, res).catch((err: unknown) => {
      state.log(`srv  error: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) sendJson(res, 500, errorJson(500, err instanceof Error ? err.message : String(err), 'server_error'));
      else res.end();
    });
  });

  return server;
}

/** Routes one request: health and props answer at once, generations wait for the one slot. */
async function handle(state: ApiState, serialise: Serialise, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const route = url.pathname.replace(/^\/v1\//, '/');
  const engine = state.engine;
  if (req.method === 'GET' && url.pathname === '/health') {
    if (engine) sendJson(res, 200, { status: 'ok' });
    else sendJson(res, 503, errorJson(503, 'Loading model', 'unavailable_error'));
    return;
  }
  if (!engine) {
    sendJson(res, 503, errorJson(503, 'Loading model', 'unavailable_error'));
    return;
  }
  if (req.method === 'GET' && (route === '/props' || url.pathname === '/props')) {
    sendJson(res, 200, props(state, engine));
    return;
  }
  if (req.method === 'GET' && route === '/models') {
    sendJson(res, 200, {
      object: 'list',
      data: [{ id: state.modelName, object: 'model', created: Math.floor(Date.now() / 1000), owned_by: 'llamacpp', meta: { n_ctx_train: engine.target.trainContextSize } }],
    });
    return;
  }
  if (req.method === 'POST' && (route === '/chat/completions' || route === '/completions')) {
    let gen: GenerationRequest;
    try {
      const body = await readJson(req);
      gen = route === '/chat/completions' ? parseChatBody(body, applyChatTemplate) : parseCompletionBody(body);
    } catch (err) {
      if (err instanceof BadRequest) {
        sendJson(res, 400, errorJson(400, err.message, 'invalid_request_error'));
        return;
      }
      throw err;
    }
    await serialise(() => runGeneration(state, engine, gen, res));
    return;
  }
  sendJson(res, 404, errorJson(404, 'File Not Found', 'not_found_error'));
}

/** One generation, streamed (SSE) or whole, in the OpenAI shape llama-server answers with. */
async function runGeneration(state: ApiState, engine: EmbeddedEngine, gen: GenerationRequest, res: http.ServerResponse): Promise<void> {
  let gone = false;
  res.on('close', () => {
    if (!res.writableFinished) gone = true;
  });
  // The client may have left while the request waited for the slot. (req.destroyed
  // is no signal: a fully read request body is destroyed on its own.)
  if (res.destroyed || !res.socket || res.socket.destroyed) return;
  const meta: ResponseMeta = {
    id: `${gen.kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID().replaceAll('-', '')}`,
    created: Math.floor(Date.now() / 1000),
    model: state.modelName,
    fingerprint: state.buildInfo,
  };
  const chat = gen.kind === 'chat';
  const sse = (obj: unknown) => {
    if (!gone) res.write(`data: ${JSON.stringify(obj)}\n\n`);
  };
  try {
    if (gen.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      if (chat) sse(chatFirstChunk(meta));
      const out = await engine.generate(gen, (piece) => sse(chat ? chatDeltaChunk(meta, piece) : completionDeltaChunk(meta, piece)), () => gone);
      for (const chunk of chat ? chatFinalChunks(meta, out.stats, gen.includeUsage) : [completionFinalChunk(meta, out.stats)]) sse(chunk);
      if (!gone) res.end('data: [DONE]\n\n');
      state.log(`slot release: n_past = ${out.stats.promptTokens + out.stats.predictedTokens}, drafted ${out.stats.drafted}, accepted ${out.stats.accepted}`);
    } else {
      const out = await engine.generate(gen, () => {}, () => gone);
      sendJson(res, 200, chat ? chatResponse(meta, out.text, out.stats) : completionResponse(meta, out.text, out.stats));
    }
  } catch (err) {
    const status = err instanceof ContextExceededError ? 400 : 500;
    const type = err instanceof ContextExceededError ? 'exceed_context_size_error' : 'server_error';
    const body = errorJson(status, err instanceof Error ? err.message : String(err), type);
    if (!res.headersSent) sendJson(res, status, body);
    else {
      sse(body);
      res.end();
    }
  }
}

function props(state: ApiState, engine: EmbeddedEngine): Record<string, unknown> {
  const k = engine.draftMax;
  const pMin = engine.draftPMin;
  const speculative = { n_max: k, n_min: 0, p_min: pMin };
  return {
    default_generation_settings: {
      id: 0,
      id_task: -1,
      n_ctx: engine.contextSize,
      speculative: k > 0,
      is_processing: false,
      params: {
        n_predict: -1,
        seed: 4294967295,
        temperature: 0.8,
        top_k: 40,
        top_p: 0.95,
        min_p: 0.05,
        // llama-server writes these as flat dotted keys; the nested form is for readers that expect an object.
        'speculative.n_max': k,
        'speculative.n_min': 0,
        'speculative.p_min': pMin,
        speculative,
      },
    },
    total_slots: 1,
    model_path: state.modelPath,
    chat_template: '',
    bos_token: engine.target.tokens.bosString ?? '',
    eos_token: engine.target.tokens.eosString ?? '',
    modalities: { vision: false, audio: false },
    build_info: state.buildInfo,
  };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const text = await readBodyText(req, MAX_BODY_BYTES, (max) => new BadRequest(`request body larger than ${max} bytes`));
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BadRequest(`the body is not valid JSON (${(err as Error).message}); send a JSON object`);
  }
}
