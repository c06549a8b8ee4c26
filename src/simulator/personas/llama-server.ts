/**
 * The llama-server persona: llama.cpp's HTTP server over the shared timing
 * model. What a client sees, per the reference (engines.md, "llama.cpp"):
 * /health 503 "Loading model" then 200; /props with build_info, total_slots,
 * model_path and default_generation_settings.params.speculative; one token per
 * SSE event; `timings` in the final chunk (and non-streaming bodies) with
 * draft_n / draft_n_accepted only when something was drafted; /metrics only
 * with --metrics, spec-decode counters only on the 2026-08 build.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { nowMs } from '../clock';
import type { Generation } from '../generation';
import { admitWhileConnected, Slots } from '../slots';
import { buildInfo, SPEC_TYPES, type LlamaOptions } from './llama-args';
import { BadRequest, optInt, optNumber, readOpenAiRequest, type OpenAiRequest } from './request';
import { sendJson, sseEvent, SSE_DONE } from './respond';
import { HttpProblem, readJsonBody, type Exchange, type Route } from './router';
import { runPersonaServer, type PersonaRuntime, type RequestTiming } from './runtime';

type Kind = 'chat' | 'completions' | 'native';

/** What every llama-server handler works with. */
interface Llama {
  o: LlamaOptions;
  rt: PersonaRuntime;
  slots: Slots;
  modelId: string;
  fingerprint: string;
}

const ERROR_TYPES: Record<number, string> = { 400: 'invalid_request_error', 404: 'not_found_error', 501: 'not_supported_error', 503: 'unavailable_error' };

/** llama.cpp's error shape: {"error": {"code", "message", "type"}}. */
function llamaError(res: http.ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: { code: status, message, type: ERROR_TYPES[status] ?? 'server_error' } });
}

export async function serveLlama(o: LlamaOptions): Promise<never> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const slots = new Slots(o.parallel);
  const fingerprint = buildInfo(o.build);
  let listening = '';

  log(`build: ${o.build.number} (${o.build.commit}) with cc (Debian 12.2.0-14) 12.2.0 for x86_64-linux-gnu (SIMULATED by spectune — no model is loaded)`);
  log(`system info: n_threads = 4, n_threads_batch = 4, total_threads = 4`);
  if (o.draftModel && !o.speculation && o.build.specType) {
    log(`srv    load_model: draft model given but --spec-type is none: the draft is loaded and not used (pass --spec-type draft-simple)`);
  }

  return runPersonaServer({
    name: 'llama-server',
    host: o.host,
    port: o.port,
    knobs: o.knobs,
    maxModelLen: o.ctxSize,
    log,
    bind: 'before-load',
    routes: (rt) => llamaRoutes({ o, rt, slots, modelId: o.alias ?? o.model, fingerprint }),
    // Every endpoint answers 503 while the model loads.
    whileLoading: ({ res }) => llamaError(res, 503, 'Loading model'),
    dialect: {
      notFound: ({ res }) => llamaError(res, 404, 'File Not Found'),
      fail: ({ res }, p) => llamaError(res, p.status, p.message),
    },
    onListening(port) {
      const host = o.host.includes(':') ? `[${o.host}]` : o.host;
      log(`main: HTTP server is listening, hostname: ${o.host}, port: ${port}, http threads: 3`);
      log(`main: loading model`);
      log(`srv    load_model: loading model '${o.model}'`);
      if (o.draftModel) log(`srv    load_model: loading draft model '${o.draftModel}'`);
      listening = `http://${host}:${port}`;
    },
    onLoaded() {
      if (o.speculation) {
        log(`srv    load_model: speculative decoding: type = ${o.speculation.specType ?? 'draft'}, n_max = ${o.speculation.nMax}, n_min = ${o.speculation.nMin}, p_min = ${o.speculation.pMin}`);
      }
      log(`srv          init: initializing slots, n_slots = ${o.parallel}`);
      log(`main: model loaded`);
      log(`main: server is listening on ${listening} - starting the main loop`);
      log(`srv  update_slots: all slots are idle`);
    },
    onLoadFailed() {
      log(`llama_model_load: error loading model: unable to allocate CUDA0 buffer (simulated by --sim-fail-startup)`);
      log(`llama_model_load_from_file_impl: failed to load model`);
      log(`srv    load_model: failed to load model, '${o.model}'`);
      log(`main: exiting due to model loading error`);
    },
    onBindError(message) {
      log(`start: couldn't bind HTTP server socket, hostname: ${o.host}, port: ${o.port}: ${message}`);
      log(`main: exiting due to HTTP server error`);
    },
    onCrash() {
      log(`/llama.cpp/ggml/src/ggml-cuda/ggml-cuda.cu:88: CUDA error (simulated by --sim-crash-after ${o.knobs.crashAfter})`);
    },
    onShutdown() {
      log(`srv    operator(): operator(): cleaning up before exit...`);
    },
  });
}

function llamaRoutes(l: Llama): Route[] {
  return [
    { method: 'GET', path: ['/health', '/v1/health'], handler: ({ res }) => sendJson(res, 200, { status: 'ok' }) },
    { method: 'GET', path: '/props', handler: ({ res }) => sendJson(res, 200, props(l.o, l.fingerprint)) },
    { method: 'GET', path: ['/models', '/v1/models'], handler: ({ res }) => sendJson(res, 200, modelList(l.modelId)) },
    { method: 'GET', path: '/metrics', handler: (x) => metrics(l, x) },
    { method: 'POST', path: ['/v1/chat/completions', '/chat/completions'], handler: (x) => generate(l, 'chat', x) },
    { method: 'POST', path: ['/v1/completions', '/completions'], handler: (x) => generate(l, 'completions', x) },
    { method: 'POST', path: '/completion', handler: (x) => generate(l, 'native', x) },
  ];
}

function modelList(modelId: string) {
  return {
    models: [{ name: modelId, model: modelId, modified_at: '', size: '', digest: '', type: 'model', description: '', tags: [''], capabilities: ['completion'], parameters: '', details: { parent_model: '', format: 'gguf', family: '', families: [''], parameter_size: '', quantization_level: '' } }],
    object: 'list',
    data: [{ id: modelId, object: 'model', created: Math.floor(Date.now() / 1000), owned_by: 'llamacpp', meta: { vocab_type: 2, n_vocab: 151936, n_ctx_train: 40960, n_embd: 4096, n_params: 8190735360, size: 5027783488 } }],
  };
}

function metrics(l: Llama, { res }: Exchange): void {
  if (!l.o.metrics) throw new HttpProblem(501, 'This server does not support metrics endpoint. Start it with `--metrics`');
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
  res.end(renderMetrics(l.rt, l.slots, l.o));
}

/**
 * The request, its draft length and cut-off: old builds take a per-request
 * speculative.n_max (never above the server's) and speculative.p_min.
 */
function readLlamaRequest(o: LlamaOptions, kind: Kind, body: Record<string, unknown>): { r: OpenAiRequest; nMax: number; pMin: number } {
  const r = readOpenAiRequest(kind === 'native' ? 'completions' : kind, body, null);
  let nMax = o.speculation?.nMax ?? 0;
  let pMin = o.pMin;
  const spec = body.speculative;
  if (o.build.perRequestSpeculative && spec && typeof spec === 'object' && o.speculation) {
    const asked = optInt(spec as Record<string, unknown>, 'n_max', 0, 'speculative.n_max');
    if (asked !== undefined) nMax = Math.min(asked, o.speculation.nMax);
    pMin = optNumber(spec as Record<string, unknown>, 'p_min', 'speculative.p_min') ?? pMin;
  }
  if (r.input.promptTokens >= o.ctxSize) {
    throw new BadRequest(`the request exceeds the available context size, try increasing it (n_prompt_tokens = ${r.input.promptTokens}, n_ctx = ${o.ctxSize})`);
  }
  return { r, nMax, pMin };
}

async function generate(l: Llama, kind: Kind, x: Exchange): Promise<void> {
  const { r, nMax, pMin } = readLlamaRequest(l.o, kind, await readJsonBody(x.req));
  if (l.rt.injectFailure()) throw new HttpProblem(500, 'Internal server error (simulated by --sim-http-500-*)');
  // Beyond --parallel slots a request waits (requests_deferred); a client that leaves stops waiting.
  const release = await admitWhileConnected(l.slots, x.res);
  if (!release) return;
  const spec = l.o.speculation;
  // n-gram types draft from the text, not from -md, and have no cut-off.
  const usesDraft = spec !== null && SPEC_TYPES[spec.specType ?? 'draft-simple']?.needsDraft !== false;
  const gen = l.rt.generation(
    r.input,
    spec && nMax > 0 ? { method: spec.method, k: nMax, draftModel: usesDraft ? l.o.draftModel : null, targetModel: l.o.model, pMin: usesDraft ? pMin : 0 } : null,
    l.o.ctxSize,
  );
  respond(l, new LlamaAnswer(l, kind, r, gen, x.receivedMs), x, release);
}

function respond(l: Llama, a: LlamaAnswer, { res, receivedMs }: Exchange, release: () => void): void {
  let text = '';
  if (a.r.stream) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    if (a.kind === 'chat') sseEvent(res, a.chunk({ finish_reason: null, index: 0, delta: { role: 'assistant', content: null } }));
  }
  const everyChunk = a.r.body.timings_per_token === true;
  l.rt.play(
    a.gen,
    receivedMs,
    res,
    {
      token(piece, index) {
        text += piece;
        if (a.r.stream) sseEvent(res, { ...a.tokenEvent(piece, index), ...(everyChunk ? { timings: a.partialTimings(index + 1) } : {}) });
      },
      done(t) {
        if (a.r.stream) {
          sseEvent(res, a.lastEvent(t));
          res.end(a.kind === 'native' ? undefined : SSE_DONE, l.rt.requestCompleted);
        } else sendJson(res, 200, a.body(text, t), {}, l.rt.requestCompleted);
      },
    },
    release,
  );
}

/** The answer's events and bodies in llama-server's shapes: OpenAI chat, OpenAI completions, native /completion. */
class LlamaAnswer {
  private readonly id: string;
  private readonly created = Math.floor(Date.now() / 1000);

  constructor(
    private readonly l: Llama,
    readonly kind: Kind,
    readonly r: OpenAiRequest,
    readonly gen: Generation,
    private readonly receivedMs: number,
  ) {
    this.id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID().replace(/-/g, '')}`;
  }

  private usage(n: number) {
    return { completion_tokens: n, prompt_tokens: this.gen.promptTokens, total_tokens: this.gen.promptTokens + n };
  }

  /** An OpenAI stream chunk around one choice. */
  chunk(choice: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    const object = this.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
    return { choices: [choice], created: this.created, id: this.id, model: this.l.modelId, system_fingerprint: this.l.fingerprint, object, ...extra };
  }

  tokenEvent(piece: string, index: number) {
    if (this.kind === 'chat') return this.chunk({ finish_reason: null, index: 0, delta: { content: piece } });
    if (this.kind === 'completions') return this.chunk({ text: piece, index: 0, logprobs: null, finish_reason: null });
    return { index: 0, content: piece, tokens: [], stop: false, id_slot: 0, tokens_predicted: index + 1, tokens_evaluated: this.gen.promptTokens };
  }

  lastEvent(t: RequestTiming) {
    const finish = this.gen.finishReason;
    const extra = { usage: this.usage(t.emitted), timings: timingsOf(t, this.gen) };
    if (this.kind === 'chat') return this.chunk({ finish_reason: finish, index: 0, delta: {} }, extra);
    if (this.kind === 'completions') return this.chunk({ text: '', index: 0, logprobs: null, finish_reason: finish }, extra);
    return this.nativeFinal('', t);
  }

  body(text: string, t: RequestTiming) {
    if (this.kind === 'native') return this.nativeFinal(text, t);
    const finish = this.gen.finishReason;
    const choice = this.kind === 'chat' ? { finish_reason: finish, index: 0, message: { role: 'assistant', content: text } } : { text, index: 0, logprobs: null, finish_reason: finish };
    const object = this.kind === 'chat' ? 'chat.completion' : 'text_completion';
    return { choices: [choice], created: this.created, model: this.l.modelId, system_fingerprint: this.l.fingerprint, object, usage: this.usage(t.emitted), id: this.id, timings: timingsOf(t, this.gen) };
  }

  partialTimings(n: number) {
    return { prompt_n: this.gen.promptTokens, predicted_n: n, predicted_ms: nowMs() - this.receivedMs };
  }

  private nativeFinal(content: string, t: RequestTiming) {
    const { gen, r } = this;
    const o = this.l.o;
    return {
      index: 0,
      content,
      tokens: [],
      id_slot: 0,
      stop: true,
      model: this.l.modelId,
      tokens_predicted: t.emitted,
      tokens_evaluated: gen.promptTokens,
      generation_settings: { n_predict: r.input.maxTokens ?? -1, temperature: r.input.temperature, speculative: { n_max: o.nMax, n_min: o.nMin, p_min: o.pMin } },
      prompt: r.input.prompt,
      has_new_line: content.includes('\n'),
      truncated: false,
      stop_type: gen.stopReason !== null ? 'word' : gen.finishReason === 'stop' ? 'eos' : 'limit',
      stopping_word: gen.stopReason ?? '',
      tokens_cached: 0,
      timings: timingsOf(t, gen),
    };
  }
}

/** llama.cpp's `timings`: draft fields only when something was drafted. */
function timingsOf(t: RequestTiming, gen: Generation): Record<string, number> {
  const promptMs = Math.max(0.001, t.firstTokenMs - t.receivedMs);
  const predictedMs = Math.max(0.001, t.lastTokenMs - t.firstTokenMs);
  const out: Record<string, number> = {
    prompt_n: gen.promptTokens,
    prompt_ms: promptMs,
    prompt_per_token_ms: promptMs / Math.max(1, gen.promptTokens),
    prompt_per_second: (1000 * gen.promptTokens) / promptMs,
    predicted_n: t.emitted,
    predicted_ms: predictedMs,
    predicted_per_token_ms: predictedMs / Math.max(1, t.emitted),
    predicted_per_second: (1000 * t.emitted) / predictedMs,
  };
  if (t.drafted > 0) {
    out.draft_n = t.drafted;
    out.draft_n_accepted = t.accepted;
  }
  return out;
}

function props(o: LlamaOptions, fingerprint: string) {
  return {
    default_generation_settings: {
      id: 0,
      id_task: -1,
      n_ctx: o.ctxSize,
      speculative: o.speculation !== null,
      is_processing: false,
      params: {
        n_predict: -1,
        seed: 4294967295,
        temperature: 0.8,
        top_k: 40,
        top_p: 0.95,
        min_p: 0.05,
        stream: true,
        speculative: { n_max: o.nMax, n_min: o.nMin, p_min: o.pMin, ...(o.build.specType ? { type: o.speculation?.specType ?? 'none' } : {}) },
      },
      prompt: '',
      next_token: { has_next_token: true, n_remain: -1, n_decoded: 0 },
    },
    total_slots: o.parallel,
    model_path: o.model,
    modalities: { vision: false, audio: false },
    chat_template: '{{ messages }}',
    bos_token: '<|im_start|>',
    eos_token: '<|im_end|>',
    build_info: fingerprint,
    simulated: true,
  };
}

function renderMetrics(rt: PersonaRuntime, slots: Slots, o: LlamaOptions): string {
  const c = rt.counters;
  const lines: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, value: number) => {
    lines.push(`# HELP llamacpp:${name} ${help}`, `# TYPE llamacpp:${name} ${type}`, `llamacpp:${name} ${value}`);
  };
  metric('prompt_tokens_total', 'counter', 'Number of prompt tokens processed.', c.promptTokens);
  metric('prompt_seconds_total', 'counter', 'Prompt process time', c.promptMs / 1000);
  metric('tokens_predicted_total', 'counter', 'Number of generation tokens processed.', c.generationTokens);
  metric('tokens_predicted_seconds_total', 'counter', 'Predict process time', c.predictedMs / 1000);
  metric('n_decode_total', 'counter', 'Total number of llama_decode() calls', c.decodeCalls);
  metric('n_busy_slots_per_decode', 'counter', 'Average number of busy slots per llama_decode() call', slots.busy);
  metric('prompt_tokens_seconds', 'gauge', 'Average prompt throughput in tokens/s.', c.promptMs > 0 ? (1000 * c.promptTokens) / c.promptMs : 0);
  metric('predicted_tokens_seconds', 'gauge', 'Average generation throughput in tokens/s.', c.predictedMs > 0 ? (1000 * c.generationTokens) / c.predictedMs : 0);
  metric('requests_processing', 'gauge', 'Number of requests processing.', slots.busy);
  metric('requests_deferred', 'gauge', 'Number of requests deferred.', slots.queued);
  if (o.build.specMetrics) {
    metric('spec_decode_num_drafts_total', 'counter', 'Number of speculative drafts.', c.drafts);
    metric('spec_decode_num_draft_tokens_total', 'counter', 'Number of drafted tokens.', c.draftTokens);
    metric('spec_decode_num_accepted_tokens_total', 'counter', 'Number of accepted draft tokens.', c.acceptedTokens);
    lines.push('# HELP llamacpp:spec_decode_num_accepted_tokens_per_pos_total Accepted draft tokens per draft position.', '# TYPE llamacpp:spec_decode_num_accepted_tokens_per_pos_total counter');
    const positions = Math.max(c.acceptedPerPos.length, o.speculation?.nMax ?? 0);
    for (let i = 0; i < positions; i++) lines.push(`llamacpp:spec_decode_num_accepted_tokens_per_pos_total{position="${i}"} ${c.acceptedPerPos[i] ?? 0}`);
  }
  return lines.join('\n') + '\n';
}
