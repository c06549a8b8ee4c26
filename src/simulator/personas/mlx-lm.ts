/**
 * The mlx_lm.server persona (Apple MLX's HTTP server, mlx-lm ≥ 0.28.4), over the
 * shared timing model. Per the reference (engines.md, "mlx_lm.server") and
 * mlx_lm/server.py:
 *
 * - argparse command line: `--model M --draft-model D --num-draft-tokens K` (3),
 *   `--host` (127.0.0.1), `--port` (8080), `--max-tokens` (512), `--temp` (0.0) …
 *   There is no `--version`: argparse answers "unrecognized arguments", exit 2.
 * - Per request: `num_draft_tokens` (int ≥ 0) and `draft_model` (absent = the
 *   command line's, null = none, a name = that one). The loaded (model, draft)
 *   pair is a key; a request with another key waits for running requests, then
 *   reloads (--sim-reload-ms), as ModelProvider.load does.
 * - With a draft model the server runs one request at a time (not batchable);
 *   without one, requests decode together.
 * - No acceptance anywhere: no /metrics, no timings; usage in a stream only with
 *   stream_options.include_usage (a last chunk with choices: []).
 */
import { randomUUID } from 'node:crypto';
import type { Generation } from '../generation';
import { PersonaArgError, tokeniseFlags, flagValue, type FlagKind } from './flags';
import { KNOBS_HELP, parseKnobs, SIM_KNOB_FLAGS, type PersonaKnobs } from './knobs';
import { BadRequest, optInt, readOpenAiRequest, type OpenAiRequest } from './request';
import { sendJson, sseEvent, SSE_DONE } from './respond';
import { HttpProblem, readJsonBody, type Exchange, type Route } from './router';
import { runPersonaServer, type PersonaRuntime } from './runtime';
import { ConfigScheduler } from './scheduler';

const keyOf = (model: string, draft: string | null): string => JSON.stringify([model, draft]);

const MLX_LM_VERSION = '0.28.4';
const PROG = 'mlx_lm.server';

export interface MlxOptions {
  model: string | null;
  draftModel: string | null;
  numDraftTokens: number;
  draftMtp: boolean;
  host: string;
  port: number;
  maxTokens: number;
  temp: number;
  knobs: PersonaKnobs;
}

export type MlxCommand = { kind: 'help'; text: string } | { kind: 'serve'; options: MlxOptions };

const FLAGS: Record<string, FlagKind> = {
  '--model': 'value',
  '--adapter-path': 'value',
  '--host': 'value',
  '--port': 'value',
  '--allowed-origins': 'value',
  '--draft-model': 'value',
  '--num-draft-tokens': 'value',
  '--draft-mtp': 'bool',
  '--trust-remote-code': 'bool',
  '--log-level': 'value',
  '--chat-template': 'value',
  '--use-default-chat-template': 'bool',
  '--temp': 'value',
  '--top-p': 'value',
  '--top-k': 'value',
  '--min-p': 'value',
  '--max-tokens': 'value',
  '--chat-template-args': 'value',
  '--decode-concurrency': 'value',
  '--prompt-concurrency': 'value',
  '--prefill-step-size': 'value',
  '--prompt-cache-size': 'value',
  '--prompt-cache-bytes': 'value',
  '--pipeline': 'bool',
  '--help': 'bool',
};

const USAGE =
  `usage: ${PROG} [-h] [--model MODEL] [--adapter-path ADAPTER_PATH] [--host HOST] [--port PORT]\n` +
  `                     [--allowed-origins ALLOWED_ORIGINS] [--draft-model DRAFT_MODEL]\n` +
  `                     [--num-draft-tokens NUM_DRAFT_TOKENS] [--draft-mtp] [--trust-remote-code]\n` +
  `                     [--log-level {DEBUG,INFO,WARNING,ERROR,CRITICAL}] [--chat-template CHAT_TEMPLATE]\n` +
  `                     [--use-default-chat-template] [--temp TEMP] [--top-p TOP_P] [--top-k TOP_K]\n` +
  `                     [--min-p MIN_P] [--max-tokens MAX_TOKENS] [--chat-template-args CHAT_TEMPLATE_ARGS]\n` +
  `                     [--decode-concurrency DECODE_CONCURRENCY] [--prompt-concurrency PROMPT_CONCURRENCY]\n` +
  `                     [--prefill-step-size PREFILL_STEP_SIZE] [--prompt-cache-size PROMPT_CACHE_SIZE]\n` +
  `                     [--prompt-cache-bytes PROMPT_CACHE_BYTES] [--pipeline]\n`;

const argparseError = (message: string) => new PersonaArgError(`${USAGE}${PROG}: error: ${message}`, 2);

/** argparse accepts any unambiguous prefix of a long option. */
function expandAbbreviations(argv: readonly string[], names: string[]): string[] {
  return argv.map((word) => {
    if (!word.startsWith('--') || word === '--') return word;
    const eq = word.indexOf('=');
    const name = eq > 0 ? word.slice(0, eq) : word;
    if (names.includes(name)) return word;
    const matches = names.filter((n) => n.startsWith(name));
    if (matches.length > 1) throw argparseError(`ambiguous option: ${name} could match ${matches.join(', ')}`);
    return matches.length === 1 ? matches[0] + (eq > 0 ? word.slice(eq) : '') : word;
  });
}

export function parseMlxArgs(argv: readonly string[]): MlxCommand {
  const kinds = { ...FLAGS, ...SIM_KNOB_FLAGS };
  const words = expandAbbreviations(argv, Object.keys(kinds));
  const p = tokeniseFlags(words, {
    kinds,
    aliases: { '-h': '--help' },
    unknown() {
      // argparse keeps going and reports every extra word at the end (they land in positionals).
    },
    missingValue(flag) {
      throw argparseError(`argument ${flag}: expected one argument`);
    },
  });
  if (p.flags.get('--help') === true) return { kind: 'help', text: `${USAGE}\nMLX Http Server. (spectune simulator — no model is loaded)\n\n${KNOBS_HELP}` };
  if (p.positionals.length > 0) throw argparseError(`unrecognized arguments: ${p.positionals.join(' ')}`);
  const int = (flag: string, def: number): number => {
    const raw = flagValue(p, flag);
    if (raw === undefined) return def;
    if (!/^[-+]?\d+$/.test(raw.trim())) throw argparseError(`argument ${flag}: invalid int value: '${raw}'`);
    return Number(raw);
  };
  const float = (flag: string, def: number): number => {
    const raw = flagValue(p, flag);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw argparseError(`argument ${flag}: invalid float value: '${raw}'`);
    return n;
  };
  let knobs: PersonaKnobs;
  try {
    knobs = parseKnobs(p);
  } catch (err) {
    throw argparseError((err as Error).message);
  }
  const draftModel = flagValue(p, '--draft-model') ?? null;
  const draftMtp = p.flags.get('--draft-mtp') === true;
  if (draftMtp && draftModel) {
    throw new PersonaArgError('Traceback (most recent call last):\n  ...\nValueError: --draft-mtp cannot be used together with --draft-model.', 1);
  }
  return {
    kind: 'serve',
    options: {
      model: flagValue(p, '--model') ?? null,
      draftModel,
      numDraftTokens: int('--num-draft-tokens', 3),
      draftMtp,
      host: flagValue(p, '--host') ?? '127.0.0.1',
      port: int('--port', 8080),
      maxTokens: int('--max-tokens', 512),
      temp: float('--temp', 0),
      knobs,
    },
  };
}

/** BaseHTTPRequestHandler's log_date_time_string: 01/Dec/2026 22:18:00. */
function httpDate(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getMonth()];
  return `${p(d.getDate())}/${mon}/${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function pyTime(d = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
}

interface LoadedPair {
  model: string;
  draft: string | null;
}

/** What every mlx_lm.server handler works with. */
interface Mlx {
  o: MlxOptions;
  rt: PersonaRuntime;
  scheduler: ConfigScheduler<LoadedPair>;
}

const log = (line: string) => process.stderr.write(line + '\n');
const FINGERPRINT = `${MLX_LM_VERSION}-0.29.1-macOS-15.5-arm64-arm-64bit-applegpu_g15s`;
const CORS = { 'access-control-allow-origin': '*' };

export async function serveMlx(o: MlxOptions): Promise<never> {
  const model = o.model ?? 'default_model';
  // With a draft model (or MTP) the model is not batchable: one request at a time.
  const scheduler = new ConfigScheduler<LoadedPair>(
    { key: keyOf(model, o.draftModel), config: { model, draft: o.draftModel } },
    {
      reloadMs: o.knobs.reloadMs,
      capacity: (c) => (c.draft !== null || o.draftMtp ? 1 : 32),
      onLoad: (c) => log(`${pyTime()} - INFO - Loading model ${c.model}${c.draft ? ` with draft model ${c.draft}` : ''} (SIMULATED, ${o.knobs.reloadMs} ms)`),
    },
  );

  return runPersonaServer({
    name: 'mlx_lm.server',
    host: o.host,
    port: o.port,
    knobs: o.knobs,
    maxModelLen: 32768,
    log,
    // run() starts the generation thread (which loads the model) and binds at once.
    bind: 'before-load',
    routes: (rt) => mlxRoutes({ o, rt, scheduler }),
    dialect: {
      notFound: ({ res }) => {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('Not Found');
      },
      fail: ({ res }, p) => sendJson(res, p.status, { error: p.message }),
      answered: ({ req, res }) => log(`127.0.0.1 - - [${httpDate()}] "${req.method} ${req.url} HTTP/1.1" ${res.statusCode} -`),
    },
    onListening(port) {
      log(`${PROG}: UserWarning: mlx_lm.server is not recommended for production as it only implements basic security checks. (spectune simulator — no model is loaded)`);
      log(`${pyTime()} - INFO - Starting httpd at ${o.host} on port ${port}...`);
    },
    onLoaded() {
      scheduler.setReady();
    },
    onLoadFailed() {
      log(`Traceback (most recent call last):\n  ...\nRuntimeError: [metal::malloc] Attempting to allocate 17179869184 bytes which is greater than the maximum allowed buffer size (simulated by --sim-fail-startup)`);
    },
    onBindError(message) {
      log(`Traceback (most recent call last):\n  ...\nOSError: [Errno 48] ${message}`);
    },
    onCrash() {
      log(`libc++abi: terminating due to uncaught exception of type std::runtime_error: [METAL] Command buffer execution failed (simulated by --sim-crash-after ${o.knobs.crashAfter})`);
    },
    onShutdown() {},
  });
}

function mlxRoutes(m: Mlx): Route[] {
  return [
    { method: 'GET', path: '/health', handler: ({ res }) => sendJson(res, 200, { status: 'ok' }) },
    { method: 'GET', path: '/v1/models*', handler: ({ res }) => sendJson(res, 200, modelList(m.o)) },
    { method: 'POST', path: ['/v1/chat/completions', '/chat/completions'], handler: (x) => generate(m, 'chat', x) },
    { method: 'POST', path: '/v1/completions', handler: (x) => generate(m, 'completions', x) },
  ];
}

function modelList(o: MlxOptions) {
  const created = Math.floor(Date.now() / 1000);
  const ids = [o.model, o.draftModel].filter((x): x is string => !!x);
  return { object: 'list', data: ids.map((id) => ({ id, object: 'model', created })) };
}

interface MlxRequest {
  r: OpenAiRequest;
  /** The model as the request named it (`default_model` when it named none): answers echo it. */
  requestedModel: string;
  draft: string | null;
  k: number;
}

/** The body with mlx_lm's per-request draft settings: draft_model (absent = the command line's, null = none) and num_draft_tokens. */
function readMlxRequest(o: MlxOptions, kind: 'chat' | 'completions', body: Record<string, unknown>): MlxRequest {
  const r = readOpenAiRequest(kind, body, o.maxTokens);
  if (body.temperature === undefined) r.input.temperature = o.temp;
  if ('draft_model' in body && body.draft_model !== null && typeof body.draft_model !== 'string') throw new BadRequest('draft_model must be of type str');
  const draft = !('draft_model' in body) || body.draft_model === 'default_model' ? o.draftModel : (body.draft_model as string | null);
  const nd = body.num_draft_tokens;
  if (nd !== undefined && (typeof nd !== 'number' || !Number.isInteger(nd))) throw new BadRequest('num_draft_tokens must be of type int');
  const k = optInt(body, 'num_draft_tokens', Number.MIN_SAFE_INTEGER) ?? o.numDraftTokens;
  if (k < 0) throw new BadRequest('num_draft_tokens must be at least 0');
  return { r, requestedModel: r.model ?? 'default_model', draft, k };
}

async function generate(m: Mlx, kind: 'chat' | 'completions', x: Exchange): Promise<void> {
  const { o, rt } = m;
  const { r, requestedModel, draft, k } = readMlxRequest(o, kind, await readJsonBody(x.req, (detail) => `Invalid JSON in request body: ${detail}`));
  if (rt.injectFailure()) throw new HttpProblem(500, 'Internal server error (simulated by --sim-http-500-*)');
  const model = requestedModel === 'default_model' ? (o.model ?? 'default_model') : requestedModel;
  if (model === 'default_model') throw new HttpProblem(404, 'No model given: start the server with --model or name one in the request');
  const { release } = await m.scheduler.acquire(keyOf(model, draft), { model, draft });
  if (x.res.destroyed) {
    release();
    return;
  }
  const drafting = draft !== null || o.draftMtp;
  const gen = rt.generation(r.input, drafting && k > 0 ? { method: o.draftMtp ? 'mtp' : 'draft_model', k, draftModel: draft, targetModel: model } : null);
  stream(m, kind, r, requestedModel, gen, x, release);
}

function stream(m: Mlx, kind: 'chat' | 'completions', r: OpenAiRequest, requestedModel: string, gen: Generation, { res, receivedMs }: Exchange, release: () => void): void {
  const object = kind === 'chat' ? (r.stream ? 'chat.completion.chunk' : 'chat.completion') : 'text_completion';
  const head = { id: `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID()}`, system_fingerprint: FINGERPRINT, object, model: requestedModel, created: Math.floor(Date.now() / 1000) };
  const choice = (text: string, finish: string | null) =>
    kind === 'chat' ? { index: 0, finish_reason: finish, [r.stream ? 'delta' : 'message']: text ? { role: 'assistant', content: text } : { role: 'assistant' } } : { index: 0, finish_reason: finish, text };
  const usage = (n: number) => ({ prompt_tokens: gen.promptTokens, completion_tokens: n, total_tokens: gen.promptTokens + n, prompt_tokens_details: { cached_tokens: 0 } });
  if (r.stream) res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...CORS });
  let text = '';
  const answer = {
    token(piece: string) {
      text += piece;
      if (r.stream && piece) sseEvent(res, { ...head, choices: [choice(piece, null)] });
    },
    done(t: { emitted: number }) {
      if (r.stream) {
        sseEvent(res, { ...head, choices: [choice('', gen.finishReason)] });
        if (r.includeUsage) sseEvent(res, { ...head, object: 'chat.completion', choices: [], usage: usage(t.emitted) });
        res.end(SSE_DONE, m.rt.requestCompleted);
      } else sendJson(res, 200, { ...head, choices: [choice(text, gen.finishReason)], usage: usage(t.emitted) }, CORS, m.rt.requestCompleted);
    },
  };
  m.rt.play(gen, receivedMs, res, answer, release);
}
