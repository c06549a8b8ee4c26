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

import type http from 'node:http';
import type { Generation } from '../generation';
import { flagValue, PersonaArgError, tokeniseFlags, type FlagKind } from './flags';
import { KNOBS_HELP, parseKnobs, SIM_KNOB_FLAGS, type PersonaKnobs } from './knobs';
import { BadRequest, optInt, optNumber, parseJsonObject, readBody, readMessages, readOpenAiRequest, stopList, type OpenAiRequest } from './request';
import { nowMs, pathOf, runPersonaServer, sendJson, type PersonaRuntime, type RequestTiming } from './runtime';
import { ConfigScheduler } from './scheduler';
import type { GenerationInput } from '../generation';
import { countTextTokens } from '../text';

export const OLLAMA_VERSION = '0.30.2';
export const OLLAMA_DEFAULT_DRAFT_NUM_PREDICT = 4;
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

export async function serveOllama(o: OllamaOptions): Promise<never> {
  const log = (level: string, source: string, msg: string) => process.stderr.write(`time=${new Date().toISOString()} level=${level} source=${source} msg="${msg}"\n`);
  const gin = (status: number, started: number, req: http.IncomingMessage) =>
    process.stderr.write(`[GIN] ${ginTime()} | ${status} | ${((nowMs() - started) / 1000).toFixed(6)}s | 127.0.0.1 | ${req.method} "${pathOf(req)}"\n`);
  const models = [o.model, ...o.others.filter((m) => m !== o.model)];
  const hasHead = (m: string) => o.draftHead && m === o.model;
  const defaultDraft = (m: string) => (hasHead(m) ? OLLAMA_DEFAULT_DRAFT_NUM_PREDICT : 0);
  const keyOf = (c: RunnerConfig) => JSON.stringify([c.model, c.numCtx, c.draftNumPredict]);
  const initial: RunnerConfig = { model: o.model, numCtx: DEFAULT_NUM_CTX, draftNumPredict: defaultDraft(o.model) };
  let loadedAt: number | null = null;
  const scheduler = new ConfigScheduler<RunnerConfig>(o.preloaded ? { key: keyOf(initial), config: initial } : null, {
    reloadMs: o.knobs.reloadMs,
    capacity: () => o.parallel,
    onLoad: (c) => {
      log('INFO', 'server.go:410', `starting runner model=${c.model} num_ctx=${c.numCtx} draft_num_predict=${c.draftNumPredict} (SIMULATED)`);
      loadedAt = Date.now();
    },
  });
  const resolve = (name: unknown): string | null => {
    if (typeof name !== 'string' || name === '') return null;
    const tagged = withTag(name);
    return models.includes(tagged) ? tagged : null;
  };

  return runPersonaServer({
    name: 'ollama',
    host: o.host,
    port: o.port,
    knobs: o.knobs,
    maxModelLen: DEFAULT_NUM_CTX,
    log: (line) => log('WARN', 'server.go:1', line),
    bind: 'after-load',
    onListening(port) {
      log('INFO', 'routes.go:1300', `Listening on ${o.host}:${port} (version ${OLLAMA_VERSION}) (spectune simulator — no model is loaded)`);
    },
    onLoaded() {
      log('INFO', 'types.go:130', 'inference compute id=0 library=cuda name=CUDA0 description=SIMULATED-GPU total=24.0GiB available=23.1GiB');
      scheduler.setReady();
    },
    onLoadFailed() {
      log('ERROR', 'routes.go:1290', 'Error: could not initialise GPU discovery (simulated by --sim-fail-startup)');
    },
    onBindError(message) {
      process.stderr.write(`Error: listen tcp ${o.host}:${o.port}: bind: ${message}\n`);
    },
    onCrash() {
      log('ERROR', 'server.go:600', `llama runner process has terminated: exit status 2 (simulated by --sim-crash-after ${o.knobs.crashAfter})`);
    },
    onShutdown() {},
    handle(req, res, rt) {
      const started = nowMs();
      const path = pathOf(req);
      res.on('finish', () => gin(res.statusCode, started, req));
      if ((req.method === 'GET' || req.method === 'HEAD') && path === '/') {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(req.method === 'HEAD' ? undefined : 'Ollama is running');
        return;
      }
      if (req.method === 'GET' && path === '/api/version') {
        sendJson(res, 200, { version: OLLAMA_VERSION });
        return;
      }
      if (req.method === 'GET' && path === '/api/tags') {
        sendJson(res, 200, { models: models.map(tagRow) });
        return;
      }
      if (req.method === 'GET' && path === '/api/ps') {
        const c = scheduler.loaded;
        sendJson(res, 200, { models: c ? [{ ...tagRow(c.model), expires_at: new Date((loadedAt ?? Date.now()) + 300_000).toISOString(), size_vram: 5_000_000_000, context_length: c.numCtx }] : [] });
        return;
      }
      if (req.method === 'GET' && path === '/v1/models') {
        sendJson(res, 200, { object: 'list', data: models.map((m) => ({ id: m, object: 'model', created: 1764547200, owned_by: 'library' })) });
        return;
      }
      if (req.method === 'POST' && path === '/api/show') {
        void show(req, res);
        return;
      }
      if (req.method === 'POST' && (path === '/api/chat' || path === '/api/generate')) {
        void nativeGenerate(path === '/api/chat' ? 'chat' : 'generate', req, res, rt);
        return;
      }
      if (req.method === 'POST' && path === '/v1/chat/completions') {
        void openAiChat(req, res, rt);
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('404 page not found');
    },
  });

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

  async function show(req: http.IncomingMessage, res: http.ServerResponse) {
    let body: Record<string, unknown>;
    try {
      body = parseJsonObject(await readBody(req));
    } catch (err) {
      sendJson(res, 400, { error: (err as Error).message });
      return;
    }
    const asked = body.model ?? body.name;
    const m = resolve(asked);
    if (!m) {
      sendJson(res, 404, { error: `model '${String(asked ?? '')}' not found` });
      return;
    }
    const family = familyOf(m);
    const params = [...(hasHead(m) ? [`draft_num_predict              ${OLLAMA_DEFAULT_DRAFT_NUM_PREDICT}`] : []), 'temperature                    0.6', 'top_k                          20', 'top_p                          0.95'];
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
        ...(hasHead(m) ? { [`${family}.nextn_predict_layers`]: 1 } : {}),
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

  /** Runs a prepared request under its runner configuration, reloading when it differs. */
  async function run(p: Prepared, rt: PersonaRuntime, receivedMs: number, res: http.ServerResponse, out: { token(piece: string): void; done(t: RequestTiming, gen: Generation, loadMs: number): void }) {
    const { release, loadMs } = await scheduler.acquire(keyOf(p.config), p.config);
    if (res.destroyed) {
      release();
      return;
    }
    // A model without a head ignores draft_num_predict: nothing is drafted.
    const k = hasHead(p.model) ? p.config.draftNumPredict : 0;
    const gen = rt.generation(p.input, k > 0 ? { method: 'mtp', k } : null, {}, p.config.numCtx);
    let finished = false;
    // The prefill clock starts now: load time is reported apart, in load_duration.
    const player = rt.play(gen, nowMs(), {
      token: (piece) => out.token(piece),
      done: (t) => {
        finished = true;
        release();
        out.done({ ...t, receivedMs }, gen, loadMs);
      },
    });
    res.on('close', () => {
      if (!finished) {
        player.cancel();
        release();
      }
    });
  }

  function finalStats(t: RequestTiming, gen: Generation, loadMs: number, promptStartMs: number) {
    return {
      done_reason: gen.finishReason,
      total_duration: ns(t.lastTokenMs - t.receivedMs),
      load_duration: ns(loadMs > 0 ? loadMs : 0.08),
      prompt_eval_count: gen.promptTokens,
      prompt_eval_duration: ns(t.firstTokenMs - promptStartMs),
      eval_count: t.emitted,
      eval_duration: ns(t.lastTokenMs - t.firstTokenMs),
    };
  }

  /** /api/chat (messages → message) and /api/generate (prompt → response): same runner, same statistics. */
  async function nativeGenerate(api: 'chat' | 'generate', req: http.IncomingMessage, res: http.ServerResponse, rt: PersonaRuntime) {
    const receivedMs = nowMs();
    let p: Prepared;
    let stream: boolean;
    try {
      const body = parseJsonObject(await readBody(req));
      const m = resolve(body.model);
      if (!m) {
        sendJson(res, 404, { error: `model '${String(body.model ?? '')}' not found` });
        return;
      }
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
      stream = body.stream === undefined ? true : body.stream === true;
      p = {
        model: m,
        config: { model: m, numCtx: optInt(opt, 'num_ctx', 1, 'options.num_ctx') ?? DEFAULT_NUM_CTX, draftNumPredict: optInt(opt, 'draft_num_predict', 0, 'options.draft_num_predict') ?? defaultDraft(m) },
        input: {
          ...read,
          maxTokens: numPredict === undefined || numPredict < 0 ? null : Math.max(1, numPredict),
          temperature: optNumber(opt, 'temperature', 'options.temperature') ?? 0.6,
          seed: optInt(opt, 'seed', Number.MIN_SAFE_INTEGER, 'options.seed') ?? null,
          ignoreEos: false,
          stop: stopList(opt.stop),
        },
      };
    } catch (err) {
      sendJson(res, 400, { error: err instanceof BadRequest ? err.message : String(err) });
      return;
    }
    if (rt.injectFailure()) {
      sendJson(res, 500, { error: 'llama runner process has terminated: exit status 2 (simulated by --sim-http-500-*)' });
      return;
    }
    const createdAt = () => new Date().toISOString();
    if (stream) res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    let text = '';
    let promptStart = receivedMs;
    await run(p, rt, receivedMs, res, {
      token(piece) {
        text += piece;
        const out = api === 'chat' ? { message: { role: 'assistant', content: piece } } : { response: piece };
        if (stream) res.write(JSON.stringify({ model: p.model, created_at: createdAt(), ...out, done: false }) + '\n');
      },
      done(t, gen, loadMs) {
        promptStart = receivedMs + loadMs;
        const content = stream ? '' : text;
        const out = api === 'chat' ? { message: { role: 'assistant', content } } : { response: content };
        const last = { model: p.model, created_at: createdAt(), ...out, done: true, ...finalStats(t, gen, loadMs, promptStart) };
        if (stream) res.end(JSON.stringify(last) + '\n', () => rt.requestCompleted());
        else {
          sendJson(res, 200, last);
          rt.requestCompleted();
        }
      },
    });
  }

  async function openAiChat(req: http.IncomingMessage, res: http.ServerResponse, rt: PersonaRuntime) {
    const receivedMs = nowMs();
    let r: OpenAiRequest;
    let m: string | null;
    try {
      r = readOpenAiRequest('chat', parseJsonObject(await readBody(req)), null);
      m = resolve(r.model);
    } catch (err) {
      sendJson(res, 400, { error: { message: err instanceof BadRequest ? err.message : String(err), type: 'invalid_request_error', param: null, code: null } });
      return;
    }
    if (!m) {
      sendJson(res, 404, { error: { message: `model "${r.model ?? ''}" not found, try pulling it first`, type: 'api_error', param: null, code: null } });
      return;
    }
    if (rt.injectFailure()) {
      sendJson(res, 500, { error: { message: 'llama runner process has terminated (simulated by --sim-http-500-*)', type: 'api_error', param: null, code: null } });
      return;
    }
    const id = `chatcmpl-${Math.floor(Math.random() * 1000)}`;
    const created = Math.floor(Date.now() / 1000);
    const base = { id, object: 'chat.completion.chunk', created, model: m, system_fingerprint: 'fp_ollama' };
    const sse = (obj: unknown) => res.write(`data: ${JSON.stringify(obj)}\n\n`);
    if (r.stream) res.writeHead(200, { 'content-type': 'text/event-stream' });
    let text = '';
    const model = m;
    await run({ model, config: { model, numCtx: DEFAULT_NUM_CTX, draftNumPredict: defaultDraft(model) }, input: r.input }, rt, receivedMs, res, {
      token(piece) {
        text += piece;
        if (r.stream) sse({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: piece }, finish_reason: null }] });
      },
      done(t, gen) {
        const usage = { prompt_tokens: gen.promptTokens, completion_tokens: t.emitted, total_tokens: gen.promptTokens + t.emitted };
        if (r.stream) {
          sse({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: gen.finishReason }] });
          if (r.includeUsage) sse({ ...base, choices: [], usage });
          res.end('data: [DONE]\n\n', () => rt.requestCompleted());
          return;
        }
        sendJson(res, 200, { id, object: 'chat.completion', created, model, system_fingerprint: 'fp_ollama', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: gen.finishReason }], usage });
        rt.requestCompleted();
      },
    });
  }
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


