/**
 * The vLLM persona's OpenAI-compatible HTTP API (node:http): health, version,
 * models, metrics, chat and plain completions (completion.ts), as one route
 * table. Like vLLM: 503 until the engine is ready, 404/405 as FastAPI words
 * them, an API key guarding only the /v1 routes, uvicorn's access log.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { Slots } from '../../slots';
import type { InjectedFaults } from '../faults';
import { sendJson } from '../respond';
import { createRouter, HttpProblem, readJsonBody, type Dialect, type Exchange, type Handler, type Route } from '../router';
import { serveCompletion } from './completion';
import type { Logger } from './log';
import type { SimMetrics } from './metrics';
import { errorJson, VLLM_JSON } from './openai';
import type { SimOptions } from './options';
import { jsonDecodeError, prepareRequest } from './request-parse';

export interface ApiContext {
  opts: SimOptions;
  log: Logger;
  metrics: SimMetrics;
  faults: InjectedFaults;
  isReady(): boolean;
  /** A completion request finished and its response is fully written. */
  onCompleted(): void;
}

export function createApiServer(ctx: ApiContext): http.Server {
  // --max-num-seqs: the scheduler's batch; requests beyond it wait with their TTFT clock running.
  const batch = new Slots(ctx.opts.maxNumSeqs);
  let requestIndex = 0;
  const completion =
    (kind: 'chat' | 'completions'): Handler =>
    async ({ req, res, receivedMs }) => {
      const prepared = prepareRequest(kind, await readJsonBody(req, jsonDecodeError), ctx.opts);
      if (ctx.faults.failsNext()) {
        throw new HttpProblem(500, 'EngineCore encountered an issue. See stack trace (above) for the root cause. (simulated by --sim-http-500-*)');
      }
      await serveCompletion({ ...ctx, batch }, prepared, res, receivedMs, requestIndex++);
    };
  return http.createServer({ noDelay: true, keepAliveTimeout: 5000 }, createRouter(vllmRoutes(ctx, completion), vllmDialect(ctx)));
}

const json = (res: http.ServerResponse, status: number, body: unknown) => sendJson(res, status, body, VLLM_JSON);

function vllmRoutes(ctx: ApiContext, completion: (kind: 'chat' | 'completions') => Handler): Route[] {
  const { opts } = ctx;
  const v1 = guardedByApiKey(opts.apiKey);
  return [
    { method: 'GET', path: ['/health', '/ping'], handler: ({ res }) => void res.writeHead(200, { 'content-length': 0 }).end() },
    { method: 'GET', path: '/version', handler: ({ res }) => json(res, 200, { version: opts.version.raw, simulated: true }) },
    { method: 'GET', path: '/v1/models', handler: v1(({ res }) => json(res, 200, modelList(opts))) },
    { method: 'GET', path: '/metrics', handler: ({ res }) => metricsText(ctx, res) },
    { method: 'POST', path: '/v1/chat/completions', handler: v1(completion('chat')) },
    { method: 'POST', path: '/v1/completions', handler: v1(completion('completions')) },
  ];
}

/** vLLM guards only the /v1 routes (health, version and metrics stay open): 401 without `Authorization: Bearer <key>`. */
function guardedByApiKey(apiKey: string | null): (h: Handler) => Handler {
  return (h) => (x) => {
    if (apiKey === null || x.req.headers.authorization === `Bearer ${apiKey}`) return h(x);
    json(x.res, 401, { error: 'Unauthorized' });
  };
}

function metricsText({ opts, metrics }: ApiContext, res: http.ServerResponse): void {
  const text = metrics.render({ modelName: opts.servedModelNames[0], speculative: opts.speculative !== null, style: opts.sim.metrics });
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const ERROR_TYPES: Record<number, string> = { 404: 'NotFoundError', 500: 'InternalServerError' };

function vllmDialect({ opts, log, isReady }: ApiContext): Dialect {
  return {
    refuse: ({ res }) => {
      if (isReady()) return false;
      json(res, 503, { detail: 'Service Unavailable: the server is still starting' });
      return true;
    },
    notFound: ({ res }) => json(res, 404, { detail: 'Not Found' }),
    wrongMethod: ({ res }) => json(res, 405, { detail: 'Method Not Allowed' }),
    fail: ({ res }, p) => json(res, p.status, errorJson({ status: p.status, message: p.message, type: ERROR_TYPES[p.status] ?? 'BadRequestError', param: p.param }, opts.version)),
    answered: ({ req, res, path }: Exchange) => {
      // Readiness polls would drown the log tail a launcher keeps for error messages.
      if (path === '/health') return;
      const peer = `${req.socket.remoteAddress ?? '127.0.0.1'}:${req.socket.remotePort ?? 0}`;
      log.raw(`INFO:     ${peer} - "${req.method} ${req.url} HTTP/${req.httpVersion}" ${res.statusCode} ${http.STATUS_CODES[res.statusCode] ?? ''}`);
    },
  };
}

function modelList(opts: SimOptions) {
  const created = Math.floor(Date.now() / 1000);
  return {
    object: 'list',
    data: opts.servedModelNames.map((name) => ({
      id: name,
      object: 'model',
      created,
      owned_by: 'vllm',
      root: opts.model,
      parent: null,
      max_model_len: opts.maxModelLen,
      permission: [
        {
          id: `modelperm-${randomUUID().replace(/-/g, '')}`,
          object: 'model_permission',
          created,
          allow_create_engine: false,
          allow_sampling: true,
          allow_logprobs: true,
          allow_search_indices: false,
          allow_view: true,
          allow_fine_tuning: false,
          organization: '*',
          group: null,
          is_blocking: false,
        },
      ],
    })),
  };
}
