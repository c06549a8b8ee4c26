/**
 * The Ollama persona (0.30.x), attached: the user runs `ollama serve`; here a
 * test or the demo starts it. Per the reference (engines.md, "Ollama"):
 *
 * - GET / → "Ollama is running"; GET /api/version → {"version": "0.30.2"}; /api/tags;
 *   /api/ps; POST /api/show {model} → details, `parameters` (with `draft_num_predict 4`
 *   when the model has a draft/MTP head), `model_info` (`<arch>.nextn_predict_layers`
 *   = 1 for a head, the GGUF key llama.cpp reads MTP layers from) and `capabilities`.
 * - POST /api/chat streams NDJSON (stream defaults to true), one token per line; the
 *   final object has done_reason, total_duration, load_duration, prompt_eval_count,
 *   prompt_eval_duration, eval_count, eval_duration (ns). No acceptance statistics.
 * - `options.draft_num_predict` (default 4 with a head, 0 disables) is a runner option:
 *   a request with another value (or another num_ctx) waits for the runner to go idle
 *   and reloads it — real time (--sim-reload-ms), shown in that request's load_duration.
 *   A model without a head ignores the value (the reload still happens: the runner
 *   options changed). The first request loads the model (ollama serve starts empty).
 * - /v1/chat/completions: the OpenAI-compatible layer (model defaults, no options).
 */

import { nowMs } from '../clock';
import type { Generation, GenerationInput } from '../generation';
import { countTextTokens } from '../text';
import { flagValue, PersonaArgError, tokeniseFlags, type FlagKind } from './flags';
import { KNOBS_HELP, parseKnobs, SIM_KNOB_FLAGS, type PersonaKnobs } from './knobs';
import { BadRequest, optInt, optNumber, readMessages, readOpenAiRequest, stopList, type OpenAiRequest } from './request';
import { sendJson, sseEvent, SSE_DONE } from './respond';
import { HttpProblem, readJsonBody, type Exchange, type Route } from './router';
import { runPersonaServer, type PersonaRuntime, type RequestTiming } from './runtime';
import { ConfigScheduler } from './scheduler';

const OLLAMA_VERSION = '0.30.2';
const OLLAMA_DEFAULT_DRAFT_NUM_PREDICT = 4;
const DEFAULT_NUM_CTX = 4096;

export interface OllamaOptions {
  host: string;
  port: number;
  model: string;
  others: string[];
  draftHead: boolean;
  parallel: number;
  preloaded: boolean;
  knobs: PersonaKnobs;
}

export type OllamaCommand = { kind: 'help'; text: string } | { kind: 'version'; text: string } | { kind: 'serve'; options: OllamaOptions };

const FLAGS: Record<string, FlagKind> = {
  '--host': 'value',
  '--port': 'value',
  '--model': 'value',
  '--models': 'value',
  '--sim-draft-head': 'bool',
  '--sim-parallel': 'value',
  '--sim-preloaded': 'bool',
  '--help': 'bool',
  '--version': 'bool',
  ...SIM_KNOB_FLAGS,
};

const HELP = `usage: spectune sim ollama [serve] --model NAME[:TAG] [options]   (Ollama ${OLLAMA_VERSION}; spectune simulator — no model is loaded)

  --port N             port (default 11434)
  --host H             address (default 127.0.0.1)
  --model M            a pulled model (":latest" is added when no tag is given)
  --models x,y         other pulled models (no draft head)
  --sim-draft-head     M has a draft/MTP head: draft_num_predict defaults to ${OLLAMA_DEFAULT_DRAFT_NUM_PREDICT} and speeds it up
  --sim-parallel N     requests one runner serves together (OLLAMA_NUM_PARALLEL, default 1)
  --sim-preloaded      M is loaded at start (default: the first request loads it)
${KNOBS_HELP}`;

const withTag = (name: string): string => (name.includes(':') ? name : `${name}:latest`);

export function parseOllamaArgs(argv: readonly string[]): OllamaCommand {
  const words = argv[0] === 'serve' ? argv.slice(1) : argv;
  const p = tokeniseFlags(words, {
    kinds: FLAGS,
    aliases: { '-h': '--help', '-v': '--version' },
    unknown(word) {
      throw new PersonaArgError(`Error: unknown flag: ${word}`, 1);
    },
    missingValue(flag) {
      throw new PersonaArgError(`Error: flag needs an argument: ${flag}`, 1);
    },
  });
  if (p.flags.get('--help') === true) return { kind: 'help', text: HELP };
  if (p.flags.get('--version') === true) return { kind: 'version', text: `ollama version is ${OLLAMA_VERSION}\n` };
  if (p.positionals.length > 0) throw new PersonaArgError(`Error: accepts 0 arg(s), received ${p.positionals.length}`, 1);
  let knobs: PersonaKnobs;
  try {
    knobs = parseKnobs(p);
  } catch (err) {
    throw new PersonaArgError(`Error: ${(err as Error).message}`, 1);
  }
  const model = flagValue(p, '--model');
  if (!model) throw new PersonaArgError('Error: --model is required: a pulled model such as qwen3:8b', 1);
  const int = (flag: string, def: number, min: number, max: number): number => {
    const raw = flagValue(p, flag);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) throw new PersonaArgError(`Error: ${flag} must be a whole number from ${min} to ${max} (got "${raw}")`, 1);
    return n;
  };
  return {
    kind: 'serve',
    options: {
      host: flagValue(p, '--host') ?? '127.0.0.1',
      port: int('--port', 11434, 0, 65535),
      model: withTag(model),
      others: (flagValue(p, '--models') ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(withTag),
      draftHead: p.flags.get('--sim-draft-head') === true,
      parallel: int('--sim-parallel', 1, 1, 64),
      preloaded: p.flags.get('--sim-preloaded') === true,
      knobs,
    },
  };
}

interface RunnerConfig {
  model: string;
  numCtx: number;
  draftNumPredict: number;
}

const familyOf = (name: string): string => {
  const n = name.toLowerCase();
  return n.startsWith('llama') ? 'llama' : n.startsWith('gemma') ? 'gemma3' : n.startsWith('mistral') ? 'mistral' : 'qwen3';
};

const ns = (ms: number): number => Math.max(0, Math.round(ms * 1e6));

/** Ollama's server log line (Go slog). */
const slog = (level: string, source: string, msg: string) => process.stderr.write(`time=${new Date().toISOString()} level=${level} source=${source} msg="${msg}"\n`);

/** The pulled models and the one runner: what every Ollama handler works with. */
class Ollama {
  readonly models: string[];
  readonly scheduler: ConfigScheduler<RunnerConfig>;
  private loadedAt: number | null = null;

  constructor(
    readonly o: OllamaOptions,
    readonly rt: PersonaRuntime,
  ) {
    this.models = [o.model, ...o.others.filter((m) => m !== o.model)];
    const initial: RunnerConfig = { model: o.model, numCtx: DEFAULT_NUM_CTX, draftNumPredict: this.defaultDraft(o.model) };
    this.scheduler = new ConfigScheduler<RunnerConfig>(o.preloaded ? { key: runnerKey(initial), config: initial } : null, {
      reloadMs: o.knobs.reloadMs,
      capacity: () => o.parallel,
      onLoad: (c) => {
        slog('INFO', 'server.go:410', `starting runner model=${c.model} num_ctx=${c.numCtx} draft_num_predict=${c.draftNumPredict} (SIMULATED)`);
        this.loadedAt = Date.now();
      },
    });
  }

  hasHead(m: string): boolean {
    return this.o.draftHead && m === this.o.model;
  }

  defaultDraft(m: string): number {
    return this.hasHead(m) ? OLLAMA_DEFAULT_DRAFT_NUM_PREDICT : 0;
  }

  /** A pulled model's full name (":latest" added), or null. */
  resolve(name: unknown): string | null {
    if (typeof name !== 'string' || name === '') return null;
    const tagged = withTag(name);
    return this.models.includes(tagged) ? tagged : null;
  }

  /** The runner now loaded, as /api/ps lists it. */
  running() {
    const c = this.scheduler.loaded;
    if (!c) return [];
    return [{ ...tagRow(c.model), expires_at: new Date((this.loadedAt ?? Date.now()) + 300_000).toISOString(), size_vram: 5_000_000_000, context_length: c.numCtx }];
  }
}

const runnerKey = (c: RunnerConfig) => JSON.stringify([c.model, c.numCtx, c.draftNumPredict]);

export async function serveOllama(o: OllamaOptions): Promise<never> {
  let ollama: Ollama | undefined;
  return runPersonaServer({
    name: 'ollama',
    host: o.host,
    port: o.port,
    knobs: o.knobs,
    maxModelLen: DEFAULT_NUM_CTX,
    log: (line) => slog('WARN', 'server.go:1', line),
    bind: 'after-load',
    routes: (rt) => ollamaRoutes((ollama = new Ollama(o, rt))),
    dialect: {
      notFound: ({ res }) => {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('404 page not found');
      },
      fail: ({ res }, p) => sendJson(res, p.status, { error: p.message }),
      answered: ({ req, res, path, receivedMs }) =>
        process.stderr.write(`[GIN] ${ginTime()} | ${res.statusCode} | ${((nowMs() - receivedMs) / 1000).toFixed(6)}s | 127.0.0.1 | ${req.method} "${path}"\n`),
    },
    onListening(port) {
      slog('INFO', 'routes.go:1300', `Listening on ${o.host}:${port} (version ${OLLAMA_VERSION}) (spectune simulator — no model is loaded)`);
    },
    onLoaded() {
      slog('INFO', 'types.go:130', 'inference compute id=0 library=cuda name=CUDA0 description=SIMULATED-GPU total=24.0GiB available=23.1GiB');
      ollama?.scheduler.setReady();
    },
    onLoadFailed() {
      slog('ERROR', 'routes.go:1290', 'Error: could not initialise GPU discovery (simulated by --sim-fail-startup)');
    },
    onBindError(message) {
      process.stderr.write(`Error: listen tcp ${o.host}:${o.port}: bind: ${message}\n`);
    },
    onCrash() {
      slog('ERROR', 'server.go:600', `llama runner process has terminated: exit status 2 (simulated by --sim-crash-after ${o.knobs.crashAfter})`);
    },
    onShutdown() {},
  });
}

/** The OpenAI-compatible layer's error shape. */
function openAiError({ res }: Exchange, p: HttpProblem): void {
  sendJson(res, p.status, { error: { message: p.message, type: p.status === 400 ? 'invalid_request_error' : 'api_error', param: null, code: null } });
}

function ollamaRoutes(ol: Ollama): Route[] {
  return [
    { method: ['GET', 'HEAD'], path: '/', handler: root },
    { method: 'GET', path: '/api/version', handler: ({ res }) => sendJson(res, 200, { version: OLLAMA_VERSION }) },
    { method: 'GET', path: '/api/tags', handler: ({ res }) => sendJson(res, 200, { models: ol.models.map(tagRow) }) },
    { method: 'GET', path: '/api/ps', handler: ({ res }) => sendJson(res, 200, { models: ol.running() }) },
    { method: 'GET', path: '/v1/models', handler: ({ res }) => sendJson(res, 200, { object: 'list', data: ol.models.map((m) => ({ id: m, object: 'model', created: 1764547200, owned_by: 'library' })) }) },
    { method: 'POST', path: '/api/show', handler: (x) => show(ol, x) },
    { method: 'POST', path: '/api/chat', handler: (x) => nativeGenerate(ol, 'chat', x) },
    { method: 'POST', path: '/api/generate', handler: (x) => nativeGenerate(ol, 'generate', x) },
    { method: 'POST', path: '/v1/chat/completions', handler: (x) => openAiChat(ol, x), fail: openAiError },
  ];
}

function root({ req, res }: Exchange): void {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(req.method === 'HEAD' ? undefined : 'Ollama is running');
}

function tagRow(m: string) {
  const family = familyOf(m);
  return {
    name: m,
    model: m,
    modified_at: '2026-11-20T10:00:00.000000000Z',
    size: 5_225_388_164,
    digest: `${(Math.abs(hashString(m)) * 2654435761).toString(16).padStart(12, '0').slice(0, 12)}${'0'.repeat(52)}`,
    details: { parent_model: '', format: 'gguf', family, families: [family], parameter_size: '8.2B', quantization_level: 'Q4_K_M' },
  };
}

async function show(ol: Ollama, { req, res }: Exchange): Promise<void> {
  const body = await readJsonBody(req);
  const asked = body.model ?? body.name;
  const m = ol.resolve(asked);
  if (!m) throw new HttpProblem(404, `model '${String(asked ?? '')}' not found`);
  const family = familyOf(m);
  const head = ol.hasHead(m);
  const params = [...(head ? [`draft_num_predict              ${OLLAMA_DEFAULT_DRAFT_NUM_PREDICT}`] : []), 'temperature                    0.6', 'top_k                          20', 'top_p                          0.95'];
  sendJson(res, 200, {
    license: 'Apache License 2.0',
    modelfile: `# Modelfile generated by "ollama show"\nFROM ${m}\n${params.map((p) => `PARAMETER ${p.replace(/\s+/, ' ')}`).join('\n')}\n`,
    parameters: params.join('\n'),
    template: '{{ .Prompt }}',
    details: tagRow(m).details,
    model_info: {
      'general.architecture': family,
      'general.parameter_count': 8_190_735_360,
      'general.file_type': 15,
      [`${family}.context_length`]: 40960,
      [`${family}.block_count`]: 36,
      [`${family}.embedding_length`]: 4096,
      ...(head ? { [`${family}.nextn_predict_layers`]: 1 } : {}),
    },
    capabilities: ['completion', 'tools'],
    modified_at: tagRow(m).modified_at,
  });
}

interface Prepared {
  model: string;
  config: RunnerConfig;
  input: GenerationInput;
}

interface RunOutput {
  token(piece: string): void;
  done(t: RequestTiming, gen: Generation, loadMs: number): void;
}

/** Runs a prepared request under its runner configuration, reloading when it differs. */
async function run(ol: Ollama, p: Prepared, { res, receivedMs }: Exchange, out: RunOutput): Promise<void> {
  const { release, loadMs } = await ol.scheduler.acquire(runnerKey(p.config), p.config);
  if (res.destroyed) {
    release();
    return;
  }
  // A model without a head ignores draft_num_predict: nothing is drafted.
  const k = ol.hasHead(p.model) ? p.config.draftNumPredict : 0;
  const gen = ol.rt.generation(p.input, k > 0 ? { method: 'mtp', k } : null, p.config.numCtx);
  // The prefill clock starts now: load time is reported apart, in load_duration.
  ol.rt.play(gen, nowMs(), res, { token: (piece) => out.token(piece), done: (t) => out.done({ ...t, receivedMs }, gen, loadMs) }, release);
}

function finalStats(t: RequestTiming, gen: Generation, loadMs: number) {
  return {
    done_reason: gen.finishReason,
    total_duration: ns(t.lastTokenMs - t.receivedMs),
    load_duration: ns(loadMs > 0 ? loadMs : 0.08),
    prompt_eval_count: gen.promptTokens,
    prompt_eval_duration: ns(t.firstTokenMs - (t.receivedMs + loadMs)),
    eval_count: t.emitted,
    eval_duration: ns(t.lastTokenMs - t.firstTokenMs),
  };
}

/** A native /api/chat or /api/generate body: the model, its runner options and the generation input. */
function readNative(ol: Ollama, api: 'chat' | 'generate', body: Record<string, unknown>): Prepared {
  const m = ol.resolve(body.model);
  if (!m) throw new HttpProblem(404, `model '${String(body.model ?? '')}' not found`);
  const options = body.options ?? {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new BadRequest('options must be an object');
  const opt = options as Record<string, unknown>;
  let read;
  if (api === 'chat') read = readMessages(body.messages);
  else {
    if (typeof body.prompt !== 'string') throw new BadRequest("'prompt' must be a string");
    const system = typeof body.system === 'string' ? body.system : '';
    read = { prompt: body.prompt, system, promptTokens: countTextTokens(system + '\n' + body.prompt) };
  }
  const numPredict = optInt(opt, 'num_predict', -2, 'options.num_predict');
  return {
    model: m,
    config: { model: m, numCtx: optInt(opt, 'num_ctx', 1, 'options.num_ctx') ?? DEFAULT_NUM_CTX, draftNumPredict: optInt(opt, 'draft_num_predict', 0, 'options.draft_num_predict') ?? ol.defaultDraft(m) },
    input: {
      ...read,
      maxTokens: numPredict === undefined || numPredict < 0 ? null : Math.max(1, numPredict),
      temperature: optNumber(opt, 'temperature', 'options.temperature') ?? 0.6,
      seed: optInt(opt, 'seed', Number.MIN_SAFE_INTEGER, 'options.seed') ?? null,
      ignoreEos: false,
      stop: stopList(opt.stop),
    },
  };
}

/** /api/chat (messages → message) and /api/generate (prompt → response): same runner, same statistics. */
async function nativeGenerate(ol: Ollama, api: 'chat' | 'generate', x: Exchange): Promise<void> {
  const body = await readJsonBody(x.req);
  const p = readNative(ol, api, body);
  const stream = body.stream === undefined ? true : body.stream === true;
  if (ol.rt.injectFailure()) throw new HttpProblem(500, 'llama runner process has terminated: exit status 2 (simulated by --sim-http-500-*)');
  const { res } = x;
  const line = (piece: string, done: boolean) => ({ model: p.model, created_at: new Date().toISOString(), ...(api === 'chat' ? { message: { role: 'assistant', content: piece } } : { response: piece }), done });
  if (stream) res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  let text = '';
  await run(ol, p, x, {
    token(piece) {
      text += piece;
      if (stream) res.write(JSON.stringify(line(piece, false)) + '\n');
    },
    done(t, gen, loadMs) {
      const last = { ...line(stream ? '' : text, true), ...finalStats(t, gen, loadMs) };
      if (stream) res.end(JSON.stringify(last) + '\n', ol.rt.requestCompleted);
      else sendJson(res, 200, last, {}, ol.rt.requestCompleted);
    },
  });
}

async function openAiChat(ol: Ollama, x: Exchange): Promise<void> {
  const r: OpenAiRequest = readOpenAiRequest('chat', await readJsonBody(x.req), null);
  const model = ol.resolve(r.model);
  if (!model) throw new HttpProblem(404, `model "${r.model ?? ''}" not found, try pulling it first`);
  if (ol.rt.injectFailure()) throw new HttpProblem(500, 'llama runner process has terminated (simulated by --sim-http-500-*)');
  const { res } = x;
  const id = `chatcmpl-${Math.floor(Math.random() * 1000)}`;
  const created = Math.floor(Date.now() / 1000);
  const base = { id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_ollama' };
  if (r.stream) res.writeHead(200, { 'content-type': 'text/event-stream' });
  let text = '';
  await run(ol, { model, config: { model, numCtx: DEFAULT_NUM_CTX, draftNumPredict: ol.defaultDraft(model) }, input: r.input }, x, {
    token(piece) {
      text += piece;
      if (r.stream) sseEvent(res, { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: piece }, finish_reason: null }] });
    },
    done(t, gen) {
      const usage = { prompt_tokens: gen.promptTokens, completion_tokens: t.emitted, total_tokens: gen.promptTokens + t.emitted };
      if (!r.stream) {
        sendJson(res, 200, { ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: gen.finishReason }], usage }, {}, ol.rt.requestCompleted);
        return;
      }
      sseEvent(res, { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: gen.finishReason }] });
      if (r.includeUsage) sseEvent(res, { ...base, choices: [], usage });
      res.end(SSE_DONE, ol.rt.requestCompleted);
    },
  });
}

/** Gin's access-log clock: 2026/12/01 - 22:23:03. */
function ginTime(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} - ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function hashString(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}


