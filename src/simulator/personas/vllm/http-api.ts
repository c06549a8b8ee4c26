/**
 * The OpenAI-compatible HTTP API of the simulator (node:http): health, version,
 * models, metrics, chat and plain completions, streamed or not. Tokens accepted
 * in one verification step leave in ONE SSE chunk, as vLLM sends them.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { prepareGeneration } from '../../generation';
import type { Logger } from './log';
import type { SimMetrics } from './metrics';
import { mixSeed, prng } from '../../model';
import { errorJson, type ErrorBody } from './openai';
import type { SimOptions } from './options';
import { drive } from '../../playback';
import { HttpError, prepareRequest, readJson, type PreparedRequest } from './request-parse';
import { Slots } from '../../slots';

export interface ApiContext {
  opts: SimOptions;
  log: Logger;
  metrics: SimMetrics;
  isReady(): boolean;
  /** A completion request finished and its response is fully written. */
  onCompleted(): void;
}

/** Wall-clock ms on the server's high-resolution clock, as sim_timing reports it. */
const nowMs = (): number => performance.timeOrigin + performance.now();

export function createApiServer(ctx: ApiContext): http.Server {
  const { opts, log, metrics } = ctx;
  let completionRequests = 0;
  let requestIndex = 0;
  const failRand = prng(mixSeed(opts.seed, 0x500));
  // --max-num-seqs: the scheduler's batch; requests beyond it wait with their TTFT clock running.
  const batch = new Slots(opts.maxNumSeqs);

  const accessLog = (req: http.IncomingMessage, status: number) => {
    // Readiness polls would drown the log tail a launcher keeps for error messages.
    if (req.url === '/health') return;
    const peer = `${req.socket.remoteAddress ?? '127.0.0.1'}:${req.socket.remotePort ?? 0}`;
    log.raw(`INFO:     ${peer} - "${req.method} ${req.url} HTTP/${req.httpVersion}" ${status} ${http.STATUS_CODES[status] ?? ''}`);
  };

  const sendJson = (req: http.IncomingMessage, res: http.ServerResponse, status: number, body: unknown, done?: () => void) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-spectune-simulated': '1' });
    accessLog(req, status);
    res.end(text, done);
  };
  const sendError = (req: http.IncomingMessage, res: http.ServerResponse, e: ErrorBody) => sendJson(req, res, e.status, errorJson(e, opts.version));

  const server = http.createServer({ noDelay: true, keepAliveTimeout: 5000 }, (req, res) => {
    const receivedMs = nowMs();
    const path = (req.url ?? '/').split('?')[0];
    if (!ctx.isReady()) {
      sendJson(req, res, 503, { detail: 'Service Unavailable: the server is still starting' });
      return;
    }
    const route = ROUTES[path];
    if (!route) {
      sendJson(req, res, 404, { detail: 'Not Found' });
      return;
    }
    if (req.method !== route) {
      sendJson(req, res, 405, { detail: 'Method Not Allowed' });
      return;
    }
    // vLLM guards only the /v1 routes; health, version and metrics stay open.
    if (opts.apiKey !== null && path.startsWith('/v1/') && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      sendJson(req, res, 401, { error: 'Unauthorized' });
      return;
    }
    switch (path) {
      case '/health':
      case '/ping':
        res.writeHead(200, { 'content-length': 0, 'x-spectune-simulated': '1' });
        accessLog(req, 200);
        res.end();
        return;
      case '/version':
        sendJson(req, res, 200, { version: opts.version.raw, simulated: true });
        return;
      case '/v1/models':
        sendJson(req, res, 200, modelList(opts));
        return;
      case '/metrics': {
        const text = metrics.render({ modelName: opts.servedModelNames[0], speculative: opts.speculative !== null, style: opts.sim.metrics });
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text) });
        accessLog(req, 200);
        res.end(text);
        return;
      }
      default:
        readJson(req)
          .then((body) => {
            const kind = path === '/v1/chat/completions' ? 'chat' : 'completions';
            const prepared = prepareRequest(kind, body, opts);
            completionRequests++;
            const every = opts.sim.http500Every;
            if ((every !== null && completionRequests % every === 0) || (opts.sim.http500Rate !== null && failRand() < opts.sim.http500Rate)) {
              throw new HttpError({
                status: 500,
                message: 'EngineCore encountered an issue. See stack trace (above) for the root cause. (simulated by --sim-http-500-*)',
                type: 'InternalServerError',
                param: null,
              });
            }
            serveCompletion(prepared, req, res, receivedMs, requestIndex++);
          })
          .catch((err: unknown) => {
            if (res.headersSent) res.destroy(err instanceof Error ? err : undefined);
            else if (err instanceof HttpError) sendError(req, res, err.body);
            else sendError(req, res, { status: 500, message: String((err as Error)?.message ?? err), type: 'InternalServerError', param: null });
          });
    }
  });

  function serveCompletion(p: PreparedRequest, req: http.IncomingMessage, res: http.ServerResponse, receivedMs: number, index: number) {
    const gen = prepareGeneration(p.input, opts, index);
    const id = `${p.kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID().replace(/-/g, '')}`;
    const created = Math.floor(Date.now() / 1000);
    if (!opts.disableLogRequests) {
      log.info(
        'logger.py:43',
        `Received request ${id}: prompt: ${JSON.stringify(p.input.prompt.slice(0, 200))}, params: SamplingParams(n=1, temperature=${p.input.temperature}, ` +
          `seed=${p.input.seed ?? 'None'}, stop=${JSON.stringify(p.input.stop)}, ignore_eos=${p.input.ignoreEos ? 'True' : 'False'}, max_tokens=${p.input.maxTokens ?? 'None'}), prompt_token_ids: [${p.input.promptTokens} tokens]`,
      );
    }
    metrics.promptTokens += gen.promptTokens;
    metrics.waiting++;
    let admitted = false;
    const gone = new AbortController();
    res.once('close', () => {
      if (!admitted) gone.abort();
    });
    void batch.acquire(gone.signal).then((release) => {
      metrics.waiting--;
      if (!release || res.destroyed) {
        release?.();
        metrics.success.abort++;
        if (!opts.disableLogRequests) log.info('async_llm.py:420', `Aborted request ${id}.`);
        return;
      }
      admitted = true;
      run(release);
    });

    function run(release: () => void) {
      metrics.running++;
      const timing = { received_ms: receivedMs, first_token_ms: 0, last_token_ms: 0, completion_tokens: gen.completionTokens, steps: 0, draft_tokens: 0, accepted_tokens: 0 };
      const usage = (completion: number) => ({ prompt_tokens: gen.promptTokens, total_tokens: gen.promptTokens + completion, completion_tokens: completion });

      let finished = false;
      const finish = (reason: 'stop' | 'length' | 'abort') => {
        if (finished) return;
        finished = true;
        metrics.running--;
        release();
        metrics.success[reason]++;
        if (reason !== 'abort') metrics.e2e.observe((nowMs() - receivedMs) / 1000);
      };
      res.on('close', () => {
        if (!finished) {
          driver.cancel();
          finish('abort');
          if (!opts.disableLogRequests) log.info('async_llm.py:420', `Aborted request ${id}.`);
        }
      });

      const chunkBase = p.kind === 'chat' ? { id, object: 'chat.completion.chunk', created, model: p.model } : { id, object: 'text_completion', created, model: p.model };
      const choice = (text: string, finishReason: string | null, first: boolean) =>
        p.kind === 'chat'
          ? { index: 0, delta: first ? { role: 'assistant', content: text } : { content: text }, logprobs: null, finish_reason: finishReason, ...(finishReason ? { stop_reason: gen.stopReason } : {}) }
          : { index: 0, text, logprobs: null, finish_reason: finishReason, stop_reason: finishReason ? gen.stopReason : null };

      let emitted = 0;
      let collected = '';
      if (p.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-spectune-simulated': '1' });
        accessLog(req, 200);
      }
      const sse = (obj: unknown) => res.write(`data: ${JSON.stringify(obj)}\n\n`);

      const driver = drive(gen, opts, metrics, {
        emit(text, tokens, isLast) {
          const t = nowMs();
          if (emitted === 0) {
            timing.first_token_ms = t;
            metrics.ttft.observe((t - receivedMs) / 1000);
          }
          timing.last_token_ms = t;
          timing.steps++;
          emitted += tokens;
          collected += text;
          if (!p.stream) return;
          // vLLM opens a chat stream with the role in an empty-content chunk at the first token; with
          // continuous usage that chunk counts no completion tokens yet.
          if (p.kind === 'chat' && emitted === tokens) sse({ ...chunkBase, choices: [choice('', null, true)], ...(p.continuousUsage ? { usage: usage(0) } : {}) });
          sse({ ...chunkBase, choices: [choice(text, isLast ? gen.finishReason : null, false)], ...(p.continuousUsage ? { usage: usage(emitted) } : {}) });
        },
        step(drafted, accepted) {
          timing.draft_tokens += drafted;
          timing.accepted_tokens += accepted;
        },
        done() {
          finish(gen.finishReason);
          const complete = () => ctx.onCompleted();
          if (p.stream) {
            if (p.includeUsage) sse({ ...chunkBase, choices: [], usage: usage(emitted), sim_timing: timing });
            res.end('data: [DONE]\n\n', complete);
            return;
          }
          const body =
            p.kind === 'chat'
              ? {
                  id,
                  object: 'chat.completion',
                  created,
                  model: p.model,
                  choices: [{ index: 0, message: { role: 'assistant', content: collected, tool_calls: [] }, logprobs: null, finish_reason: gen.finishReason, stop_reason: gen.stopReason }],
                  usage: usage(emitted),
                  prompt_logprobs: null,
                  sim_timing: timing,
                }
              : {
                  id,
                  object: 'text_completion',
                  created,
                  model: p.model,
                  choices: [{ index: 0, text: collected, logprobs: null, finish_reason: gen.finishReason, stop_reason: gen.stopReason, prompt_logprobs: null }],
                  usage: usage(emitted),
                  sim_timing: timing,
                };
          sendJson(req, res, 200, body, complete);
        },
      });
    }
  }

  return server;
}

const ROUTES: Record<string, 'GET' | 'POST'> = {
  '/health': 'GET',
  '/ping': 'GET',
  '/version': 'GET',
  '/v1/models': 'GET',
  '/metrics': 'GET',
  '/v1/chat/completions': 'POST',
  '/v1/completions': 'POST',
};

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
