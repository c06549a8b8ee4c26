/**
 * The LM Studio persona: LM Studio's local server (`lms server start`) in
 * attached mode — the user runs it; here a test or the demo starts it. Per the
 * reference (engines.md, "LM Studio"):
 *
 * - GET /api/v0/models rows: id, type (llm/vlm/embeddings), state (loaded/not-loaded),
 *   arch, compatibility_type (gguf/mlx), quantization, max_context_length; /v1/models
 *   lists the loaded model (Just-in-Time loading off).
 * - Per-request `draft_model` on /v1/chat/completions and /api/v0/chat/completions;
 *   switching drafts loads the new one (--sim-reload-ms). Draft length is a load-time
 *   setting (--sim-draft-max K), never a request field.
 * - Draft counts ONLY in non-streaming /api/v0/chat/completions `stats`
 *   (total = accepted + rejected + ignored); /v1 answers "stats": {}; v0 streaming
 *   carries neither stats nor usage.
 * - A draft with another vocabulary (--sim-incompatible) is refused with HTTP 400.
 *   LM Studio's exact wording for that is not known; the message names the
 *   vocabulary mismatch. "No models loaded …" / "Model 'x' not found" are LM Studio's.
 * - Unknown endpoints answer 200 with {"error": "Unexpected endpoint or method. (…)"},
 *   as LM Studio does.
 */
import { randomUUID } from 'node:crypto';
import { nowMs, sleep } from '../clock';
import type { Generation } from '../generation';
import { flagValue, PersonaArgError, tokeniseFlags, type FlagKind } from './flags';
import { KNOBS_HELP, parseKnobs, SIM_KNOB_FLAGS, type PersonaKnobs } from './knobs';
import { BadRequest, readOpenAiRequest, type OpenAiRequest } from './request';
import { sendJson, sseEvent, SSE_DONE } from './respond';
import { HttpProblem, readJsonBody, type Exchange, type Route } from './router';
import { runPersonaServer, type PersonaRuntime, type RequestTiming } from './runtime';

const LMSTUDIO_DEFAULT_DRAFT_MAX = 8;

export interface LmStudioOptions {
  host: string;
  port: number;
  model: string;
  drafts: string[];
  incompatible: string[];
  /** Other downloaded models (not loaded). */
  others: string[];
  draftMax: number;
  format: 'gguf' | 'mlx';
  contextLength: number;
  knobs: PersonaKnobs;
}

export type LmStudioCommand = { kind: 'help'; text: string } | { kind: 'serve'; options: LmStudioOptions };

const FLAGS: Record<string, FlagKind> = {
  '--host': 'value',
  '--port': 'value',
  '--model': 'value',
  '--draft-models': 'value',
  '--models': 'value',
  '--context-length': 'value',
  '--sim-incompatible': 'value',
  '--sim-draft-max': 'value',
  '--sim-format': 'value',
  '--help': 'bool',
  ...SIM_KNOB_FLAGS,
};

const HELP = `usage: spectune sim lmstudio --model M [options]   (LM Studio local server; spectune simulator — no model is loaded)

  --port N                 port (default 1234)
  --host H                 address (default 127.0.0.1)
  --model M                the loaded model
  --draft-models a,b       downloaded models usable as drafts (not loaded until a request names one)
  --models x,y             other downloaded models (not loaded)
  --context-length N       loaded context length (default 4096)
  --sim-incompatible x[,…] drafts whose vocabulary differs from the model's (refused with HTTP 400)
  --sim-draft-max K        draft length, fixed at load (default ${LMSTUDIO_DEFAULT_DRAFT_MAX})
  --sim-format gguf|mlx    compatibility_type of every model (default gguf)
  (a draft named in --sim-draft below is downloaded too)
${KNOBS_HELP}`;

const list = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);

export function parseLmStudioArgs(argv: readonly string[]): LmStudioCommand {
  const p = tokeniseFlags(argv, {
    kinds: FLAGS,
    aliases: { '-h': '--help', '-p': '--port' },
    unknown(word) {
      throw new PersonaArgError(`error: unknown option '${word}'`, 1);
    },
    missingValue(flag) {
      throw new PersonaArgError(`error: option '${flag}' argument missing`, 1);
    },
  });
  if (p.flags.get('--help') === true) return { kind: 'help', text: HELP };
  if (p.positionals.length > 0) throw new PersonaArgError(`error: too many arguments: ${p.positionals.join(' ')}`, 1);
  const fail = (m: string) => new PersonaArgError(`error: ${m}`, 1);
  let knobs: PersonaKnobs;
  try {
    knobs = parseKnobs(p);
  } catch (err) {
    throw fail((err as Error).message);
  }
  const model = flagValue(p, '--model');
  if (!model) throw fail('--model is required: the model LM Studio has loaded (e.g. --model qwen3-8b)');
  const intFlag = (flag: string, def: number, min: number, max: number): number => {
    const raw = flagValue(p, flag);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) throw fail(`${flag} must be a whole number from ${min} to ${max} (got "${raw}")`);
    return n;
  };
  const format = flagValue(p, '--sim-format') ?? 'gguf';
  if (format !== 'gguf' && format !== 'mlx') throw fail(`--sim-format must be gguf or mlx (got "${format}")`);
  const incompatible = list(flagValue(p, '--sim-incompatible'));
  const drafts = [...new Set([...list(flagValue(p, '--draft-models')), ...Object.keys(knobs.draftProfiles), ...incompatible])].filter((d) => d !== model);
  return {
    kind: 'serve',
    options: {
      host: flagValue(p, '--host') ?? '127.0.0.1',
      port: intFlag('--port', 1234, 0, 65535),
      model,
      drafts,
      incompatible,
      others: list(flagValue(p, '--models')).filter((m) => m !== model && !drafts.includes(m)),
      draftMax: intFlag('--sim-draft-max', LMSTUDIO_DEFAULT_DRAFT_MAX, 1, 64),
      format,
      contextLength: intFlag('--context-length', 4096, 16, 1_048_576),
      knobs,
    },
  };
}

/** A plausible architecture for a model name; incompatible drafts get another family. */
function archOf(name: string): string {
  const n = name.toLowerCase();
  if (n.includes('llama')) return 'llama';
  if (n.includes('gemma')) return 'gemma3';
  if (n.includes('mistral')) return 'mistral';
  if (n.includes('phi')) return 'phi3';
  return 'qwen3';
}

const EMBEDDING = 'text-embedding-nomic-embed-text-v1.5';

/** LM Studio's log line: [2026-12-01 22:18:00][INFO] … */
function log(level: 'INFO' | 'ERROR' | 'WARN', line: string): void {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  process.stdout.write(`[${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}][${level}] ${line}\n`);
}

/** The downloaded models and the loaded draft: what every LM Studio handler works with. */
class LmStudio {
  readonly quant: string;
  private loadedDraft: string | null = null;
  /** Draft loads happen one at a time. */
  private draftLoading: Promise<void> = Promise.resolve();

  constructor(
    readonly o: LmStudioOptions,
    readonly rt: PersonaRuntime,
  ) {
    this.quant = o.format === 'gguf' ? 'Q4_K_M' : '4bit';
  }

  private row(id: string, state: 'loaded' | 'not-loaded', type = 'llm', arch = archOf(id)) {
    return {
      id,
      object: 'model',
      type,
      publisher: 'lmstudio-community',
      arch,
      compatibility_type: this.o.format,
      quantization: this.quant,
      state,
      max_context_length: type === 'embeddings' ? 2048 : 32768,
      ...(state === 'loaded' ? { loaded_context_length: this.o.contextLength } : {}),
    };
  }

  /** /api/v0/models: the loaded model, the drafts (an incompatible one is another family: another vocabulary), the rest. */
  rows() {
    const { o } = this;
    const otherFamily = archOf(o.model) === 'llama' ? 'qwen3' : 'llama';
    return [
      this.row(o.model, 'loaded'),
      ...o.drafts.map((d) => this.row(d, 'not-loaded', 'llm', o.incompatible.includes(d) ? otherFamily : archOf(o.model))),
      ...o.others.map((m) => this.row(m, 'not-loaded')),
      this.row(EMBEDDING, 'not-loaded', 'embeddings', 'nomic-bert'),
    ];
  }

  isDownloaded(model: string): boolean {
    return [this.o.model, ...this.o.drafts, ...this.o.others, EMBEDDING].includes(model);
  }

  /** Loads `draft` unless it is loaded already: real time, one load at a time. */
  async loadDraft(draft: string): Promise<void> {
    if (draft === this.loadedDraft) return;
    this.draftLoading = this.draftLoading.then(async () => {
      if (this.loadedDraft === draft) return;
      log('INFO', `[${this.o.model}] Loading draft model ${draft}…`);
      await sleep(this.o.knobs.reloadMs);
      this.loadedDraft = draft;
    });
    await this.draftLoading;
  }
}

export async function serveLmStudio(o: LmStudioOptions): Promise<never> {
  const unexpected = ({ req, res, path }: Exchange) => {
    log('ERROR', `Unexpected endpoint or method. (${req.method} ${path}). Returning 200 anyway`);
    sendJson(res, 200, { error: `Unexpected endpoint or method. (${req.method} ${path})` });
  };
  return runPersonaServer({
    name: 'lmstudio',
    host: o.host,
    port: o.port,
    knobs: o.knobs,
    maxModelLen: o.contextLength,
    log: (line) => log('WARN', line),
    bind: 'after-load',
    routes: (rt) => lmStudioRoutes(new LmStudio(o, rt)),
    dialect: {
      notFound: unexpected,
      fail: ({ res }, p) => sendJson(res, p.status, { error: { message: p.message, type: 'invalid_request_error', param: p.param, code: p.code } }),
    },
    onListening(port) {
      log('INFO', `[LM STUDIO SERVER] Success! HTTP server listening on port ${port} (spectune simulator — no model is loaded)`);
      log('INFO', `[LM STUDIO SERVER] Supported endpoints: GET /v1/models, POST /v1/chat/completions, GET /api/v0/models, POST /api/v0/chat/completions`);
      log('INFO', `[LM STUDIO SERVER] Server started.`);
    },
    onLoaded() {
      log('INFO', `[LM STUDIO SERVER] Just-in-time model loading inactive. Loaded model: ${o.model}`);
    },
    onLoadFailed() {
      log('ERROR', `Failed to load model "${o.model}". Error: failed to allocate compute buffers (simulated by --sim-fail-startup)`);
    },
    onBindError(message) {
      log('ERROR', `[LM STUDIO SERVER] Failed to start server on port ${o.port}: ${message}`);
    },
    onCrash() {
      log('ERROR', `[${o.model}] The model has crashed without additional information. (Exit code: 1) (simulated by --sim-crash-after ${o.knobs.crashAfter})`);
    },
    onShutdown() {
      log('INFO', '[LM STUDIO SERVER] Server stopped.');
    },
  });
}

function lmStudioRoutes(lms: LmStudio): Route[] {
  return [
    { method: 'GET', path: '/v1/models', handler: ({ res }) => sendJson(res, 200, { data: [{ id: lms.o.model, object: 'model', owned_by: 'organization_owner' }], object: 'list' }) },
    { method: 'GET', path: '/api/v0/models', handler: ({ res }) => sendJson(res, 200, { object: 'list', data: lms.rows() }) },
    { method: 'GET', path: '/api/v0/models/*', handler: (x) => modelRow(lms, x) },
    { method: 'POST', path: '/v1/chat/completions', handler: (x) => chat(lms, 'v1', x) },
    { method: 'POST', path: '/api/v0/chat/completions', handler: (x) => chat(lms, 'v0', x) },
  ];
}

const modelNotFound = (message: string, param = 'model') => new HttpProblem(404, message, { param, code: 'model_not_found' });

function modelRow(lms: LmStudio, { res, path }: Exchange): void {
  const id = decodeURIComponent(path.slice('/api/v0/models/'.length));
  const hit = lms.rows().find((r) => r.id === id);
  if (!hit) throw modelNotFound(`Model '${id}' not found`);
  sendJson(res, 200, hit);
}

/** The request and its draft model, refused the way LM Studio refuses them: a model not loaded, an unknown or incompatible draft. */
function readChat(lms: LmStudio, body: Record<string, unknown>): { r: OpenAiRequest; draft: string | null } {
  const { o } = lms;
  const r = readOpenAiRequest('chat', body, null);
  const d = r.body.draft_model;
  if (d !== undefined && d !== null && typeof d !== 'string') throw new BadRequest("'draft_model' must be a string", 'draft_model');
  const draft = typeof d === 'string' && d !== '' ? d : null;
  const model = r.model ?? o.model;
  if (model !== o.model) {
    throw modelNotFound(lms.isDownloaded(model) ? `Model '${model}' is not loaded. Please load it in the developer page or use the 'lms load' command.` : `Model '${model}' not found`);
  }
  if (draft === null) return { r, draft };
  if (!o.drafts.includes(draft) && draft !== o.model) throw modelNotFound(`Draft model '${draft}' not found`, 'draft_model');
  if (o.incompatible.includes(draft)) {
    log('ERROR', `Draft model '${draft}' is incompatible with '${o.model}': vocabulary mismatch`);
    throw new HttpProblem(
      400,
      `Cannot use draft model '${draft}' with main model '${o.model}': the draft model's vocabulary does not match the main model's. ` +
        'Speculative decoding needs a draft model from the same model family (same tokenizer vocabulary).',
      { param: 'draft_model', code: 'draft_model_incompatible' },
    );
  }
  return { r, draft };
}

async function chat(lms: LmStudio, api: 'v0' | 'v1', x: Exchange): Promise<void> {
  const { r, draft } = readChat(lms, await readJsonBody(x.req));
  if (lms.rt.injectFailure()) throw new HttpProblem(500, 'Engine protocol predict stream returned an error (simulated by --sim-http-500-*)');
  if (draft !== null) await lms.loadDraft(draft);
  const gen = lms.rt.generation(r.input, draft ? { method: 'draft_model', k: lms.o.draftMax, draftModel: draft, targetModel: lms.o.model } : null);
  // Time to first token counts from when the prediction starts, after any draft load.
  stream(lms, new ChatAnswer(lms, api, gen, draft), r, x.res, draft !== null ? nowMs() : x.receivedMs);
}

function stream(lms: LmStudio, a: ChatAnswer, r: OpenAiRequest, res: Exchange['res'], startMs: number): void {
  if (r.stream) res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let text = '';
  lms.rt.play(a.gen, startMs, res, {
    token(piece) {
      text += piece;
      if (r.stream) sseEvent(res, a.chunk({ index: 0, delta: { role: 'assistant', content: piece }, logprobs: null, finish_reason: null }));
    },
    done(t) {
      if (!r.stream) {
        sendJson(res, 200, a.body(text, t), {}, lms.rt.requestCompleted);
        return;
      }
      sseEvent(res, a.chunk({ index: 0, delta: {}, logprobs: null, finish_reason: a.gen.finishReason }));
      // v0 streaming carries no usage; /v1 only on request.
      if (a.api === 'v1' && r.includeUsage) sseEvent(res, { ...a.chunk(), choices: [], usage: a.usage(t.emitted) });
      res.end(SSE_DONE, lms.rt.requestCompleted);
    },
  });
}

/** The answer's chunks and body: /v1 answers "stats": {}, /api/v0 its stats with the draft counts, model_info and runtime. */
class ChatAnswer {
  private readonly id = `chatcmpl-${randomUUID().replace(/-/g, '').slice(0, 20)}`;
  private readonly created = Math.floor(Date.now() / 1000);

  constructor(
    private readonly lms: LmStudio,
    readonly api: 'v0' | 'v1',
    readonly gen: Generation,
    private readonly draft: string | null,
  ) {}

  usage(n: number) {
    return { prompt_tokens: this.gen.promptTokens, completion_tokens: n, total_tokens: this.gen.promptTokens + n };
  }

  chunk(...choices: unknown[]) {
    const model = this.lms.o.model;
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model, system_fingerprint: model, choices };
  }

  body(text: string, t: RequestTiming) {
    const { o, quant } = this.lms;
    const gen = this.gen;
    const head = { id: this.id, object: 'chat.completion', created: this.created, model: o.model };
    const choices = [{ index: 0, logprobs: null, finish_reason: gen.finishReason, message: { role: 'assistant', content: text } }];
    if (this.api === 'v1') return { ...head, choices, usage: this.usage(t.emitted), stats: {}, system_fingerprint: o.model };
    const stopReason = gen.stopReason !== null ? 'stopStringFound' : gen.finishReason === 'stop' ? 'eosFound' : 'maxPredictedTokensReached';
    return {
      ...head,
      choices,
      usage: this.usage(t.emitted),
      stats: v0Stats(t, stopReason, this.draft),
      model_info: { arch: archOf(o.model), quant, format: o.format, context_length: o.contextLength },
      runtime: { name: o.format === 'gguf' ? 'llama.cpp-linux-x86_64-avx2' : 'mlx-llm-mac-arm64-apple-metal-advsimd', version: '1.50.0', supported_formats: [o.format] },
    };
  }
}

/** v0 `stats`; draft counts only when a draft model was used (total = accepted + rejected + ignored). */
function v0Stats(t: RequestTiming, stopReason: string, draft: string | null): Record<string, unknown> {
  const generationS = Math.max(1e-6, (t.lastTokenMs - t.firstTokenMs) / 1000);
  const stats: Record<string, unknown> = {
    tokens_per_second: t.emitted / generationS,
    time_to_first_token: (t.firstTokenMs - t.receivedMs) / 1000,
    generation_time: generationS,
    stop_reason: stopReason,
  };
  if (draft) {
    const accepted = t.accepted - t.acceptedBeyondEnd;
    stats.draft_model = draft;
    stats.total_draft_tokens_count = t.drafted;
    stats.accepted_draft_tokens_count = accepted;
    stats.rejected_draft_tokens_count = t.drafted - t.accepted;
    stats.ignored_draft_tokens_count = t.acceptedBeyondEnd;
  }
  return stats;
}
