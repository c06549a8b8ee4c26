/**
 * The measuring client: one completion, timed from the client's side, in the
 * dialect the engine speaks (OpenAI SSE; Ollama's NDJSON; one JSON body for LM
 * Studio's v0 stats). Tokens come from the server's own count (`usage`, or the
 * engine's, e.g. Ollama's eval_count): vLLM packs several accepted draft tokens
 * into one chunk, so counting chunks undercounts exactly when speculation works;
 * chunks are counted only when the server says nothing. What the server sends is
 * bounded by what the request asked for (bench/stream-guard.ts), and only generated
 * text keeps the stall timer from firing.
 */
import { createHash } from 'node:crypto';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { medianSorted, quantileSorted } from 'simple-statistics';
import { z } from 'zod';
import { SpecTuneError } from '../shared/errors';
import { formatZodError, HttpUrlSchema, parseOrThrow, type InterChunkStats, type RequestMetrics } from '../shared/schemas';
import { connectError, httpStatusHint, joinUrl, networkErrorCode, serverErrorMessage } from '../node/http';
import type { EngineUsage, PromptRequest, RequestShape } from '../engines/engine';
import { openAiRequest } from '../engines/common/openai-request';
import { readJsonResponse } from './bench/json-reader';
import { readNdjsonResponse } from './bench/ndjson-reader';
import type { ReadResult } from './bench/reader-common';
import { StreamGuard, streamLimits } from './bench/stream-guard';
import { LineSplitter, LineTooLongError } from '../node/line-buffer';

/** One OpenAI-shaped request: the prompt side every engine shares, plus where and how long to wait. */
export interface CompletionRequest extends PromptRequest {
  baseUrl: string;
  connectTimeoutMs: number;
  stallTimeoutMs: number;
  signal?: AbortSignal;
  apiKey?: string;
}

const CompletionRequestSchema = z.object({
  baseUrl: HttpUrlSchema,
  model: z.string().min(1, 'give the model name the server serves (GET /v1/models)'),
  api: z.enum(['chat', 'completions'], { error: 'must be "chat" or "completions"' }),
  system: z.string(),
  prompt: z.string().min(1, 'the prompt is empty'),
  maxTokens: z.number().int('must be a whole number').min(1, 'must be 1 or more'),
  temperature: z.number().min(0, 'must be 0 or more').max(2, 'must be 2 or less'),
  seed: z.number().int('must be a whole number'),
  ignoreEos: z.boolean(),
  connectTimeoutMs: z.number().int().min(1, 'must be a positive number of milliseconds'),
  stallTimeoutMs: z.number().int().min(1, 'must be a positive number of milliseconds'),
  apiKey: z.string().optional(),
});

/** Validated once per request, never per chunk. */
const UsageSchema = z.looseObject({
  prompt_tokens: z.number().int().min(0).nullish(),
  completion_tokens: z.number({ error: 'must be a number' }).int().min(0),
});

/** One request in an engine's own shape (path, body, dialect), as the sweep sends it. */
export interface ShapedRequest {
  baseUrl: string;
  shape: RequestShape;
  /** What the shape asks for (its own field name differs per engine): bounds what the answer may bring. */
  maxTokens: number;
  /** Milliseconds per generated token measured on earlier requests, for the request's deadline; null before any. */
  stepMsHint?: number | null;
  connectTimeoutMs: number;
  stallTimeoutMs: number;
  signal?: AbortSignal;
  apiKey?: string;
  /** Tokens and engine timings for dialects without OpenAI `usage` (Ollama, LM Studio v0). */
  engineUsage?: (final: Record<string, unknown> | null) => EngineUsage | null;
}

export interface StreamDetails {
  metrics: RequestMetrics;
  text: string;
  /** The last object of the answer (the usage chunk, Ollama's done line, the JSON body): engines read draft counts there. */
  finalObject: Record<string, unknown> | null;
  /** The server's usage object as sent. */
  usage: Record<string, unknown> | null;
  /** The whole (last) chunk that carried usage: servers put extras beside it, e.g. the simulator's sim_timing. */
  usageChunk: Record<string, unknown> | null;
  /** When the request was sent, as performance.timeOrigin + performance.now() (ms). */
  sentAtEpochMs: number;
}

/** One streamed request → client-side metrics plus the output text. */
export async function streamCompletion(req: CompletionRequest): Promise<RequestMetrics & { text: string }> {
  const d = await streamCompletionDetailed(req);
  return { ...d.metrics, text: d.text };
}

type AbortCause = 'connect' | 'stall' | 'deadline' | 'user';

/** Parse state of one stream. Plain fields, so the per-event path allocates nothing of its own. */
class StreamState {
  readTime = 0;
  dataEvents = 0;
  sawDone = false;
  doneTime = 0;
  parts: string[] = [];
  /** Arrival time (ms) of each chunk that carried generated text. */
  contentTimes: number[] = [];
  finishReason: string | null = null;
  usage: unknown = null;
  usageChunk: Record<string, unknown> | null = null;

  /** `onContent` runs for every event that carried generated text (limits, stall timer). */
  constructor(
    readonly url: string,
    private readonly onContent: () => void,
  ) {}

  onEvent(ev: EventSourceMessage): void {
    const data = ev.data;
    if (data === '[DONE]') {
      this.sawDone = true;
      this.doneTime = this.readTime;
      return;
    }
    let obj: any;
    try {
      obj = JSON.parse(data);
    } catch {
      throw badStream(this.url, `an event is not valid JSON: ${snippet(data)}`);
    }
    if (obj === null || typeof obj !== 'object') throw badStream(this.url, `an event is not a JSON object: ${snippet(data)}`);
    this.dataEvents++;
    if (ev.event === 'error' || obj.error !== undefined || obj.object === 'error') {
      const msg = serverErrorMessage(data) || 'unknown error';
      throw new SpecTuneError('HTTP_ERROR', `${this.url} reported an error mid-stream: ${msg}`, {
        hint: 'the server failed while generating: check its log',
      });
    }
    const choices = obj.choices;
    if (choices !== undefined && choices !== null && choices.length > 0) {
      const c = choices[0];
      let piece: unknown;
      let thinking: unknown;
      const delta = c.delta;
      if (delta !== undefined && delta !== null) {
        piece = delta.content;
        // Reasoning models stream their thinking separately; those are generated tokens too.
        thinking = delta.reasoning_content ?? delta.reasoning;
      } else {
        piece = c.text;
      }
      if (typeof piece === 'string' && piece.length > 0) {
        this.parts.push(piece);
        this.contentTimes.push(this.readTime);
        this.onContent();
      } else if (typeof thinking === 'string' && thinking.length > 0) {
        this.contentTimes.push(this.readTime);
        this.onContent();
      }
      if (typeof c.finish_reason === 'string') this.finishReason = c.finish_reason;
    }
    if (obj.usage !== undefined && obj.usage !== null) {
      this.usage = obj.usage;
      this.usageChunk = obj;
    }
  }
}

function snippet(s: string): string {
  return JSON.stringify(s.length > 120 ? s.slice(0, 120) + '…' : s);
}

function badStream(url: string, what: string): SpecTuneError {
  return new SpecTuneError('BAD_STREAM', `malformed stream from ${url}: ${what}`, {
    hint: 'the server does not speak OpenAI-style server-sent events; check the URL and the api setting (chat/completions)',
  });
}

export function interChunkStats(contentTimesMs: readonly number[]): InterChunkStats {
  const n = contentTimesMs.length - 1;
  if (n < 1) return { count: 0, medianSeconds: null, p95Seconds: null, p99Seconds: null, maxSeconds: null };
  const gaps = new Array<number>(n);
  for (let i = 0; i < n; i++) gaps[i] = (contentTimesMs[i + 1] - contentTimesMs[i]) / 1000;
  const sorted = gaps.slice().sort((a, b) => a - b);
  // p99: the tail a loaded server's batch scheduling shows (a gap while other requests prefill).
  return { count: n, medianSeconds: medianSorted(sorted), p95Seconds: quantileSorted(sorted, 0.95), p99Seconds: quantileSorted(sorted, 0.99), maxSeconds: sorted[n - 1] };
}

/** Like streamCompletion, plus the raw usage object and the send time (for the fidelity bench). */
export async function streamCompletionDetailed(input: CompletionRequest): Promise<StreamDetails> {
  const req = parseOrThrow(CompletionRequestSchema, { ...input, signal: undefined }, 'request') as CompletionRequest;
  return sendRequest({ ...req, signal: input.signal, shape: openAiRequest(req), maxTokens: req.maxTokens });
}

const ShapedRequestSchema = z.object({
  baseUrl: HttpUrlSchema,
  shape: z.object({
    path: z.string().startsWith('/', 'must start with /'),
    body: z.record(z.string(), z.unknown()),
    dialect: z.enum(['openai-sse', 'ndjson', 'json']),
  }),
  maxTokens: z.number().int('must be a whole number').min(1, 'must be 1 or more'),
  stepMsHint: z.number().positive().nullish(),
  connectTimeoutMs: z.number().int().min(1, 'must be a positive number of milliseconds'),
  stallTimeoutMs: z.number().int().min(1, 'must be a positive number of milliseconds'),
  apiKey: z.string().optional(),
});

/** One request in the engine's dialect → client-side metrics, the text and the answer's final object. */
export async function sendRequest(input: ShapedRequest): Promise<StreamDetails> {
  const { signal, engineUsage } = input;
  const req = { ...parseOrThrow(ShapedRequestSchema, { ...input, signal: undefined, engineUsage: undefined }, 'request'), signal, engineUsage } as ShapedRequest;
  const url = joinUrl(req.baseUrl, req.shape.path);
  if (signal?.aborted) throw cancelled(url);

  const ac = new AbortController();
  let abortedBy: AbortCause | null = null;
  const abort = (why: AbortCause) => {
    if (abortedBy === null) {
      abortedBy = why;
      ac.abort();
    }
  };
  const onUserAbort = () => abort('user');
  signal?.addEventListener('abort', onUserAbort, { once: true });
  // A non-streamed answer (LM Studio v0) sends its headers only when generation is over, and Ollama only
  // after a model (re)load: there, the wait for headers is bounded by the stall timeout, not the connect one.
  const headerWaitMs = req.shape.dialect === 'openai-sse' ? req.connectTimeoutMs : Math.max(req.connectTimeoutMs, req.stallTimeoutMs);
  const connectTimer = setTimeout(() => abort('connect'), headerWaitMs);
  let stallTimer: NodeJS.Timeout | undefined;
  let deadlineTimer: NodeJS.Timeout | undefined;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const guard = new StreamGuard({
    url,
    limits: streamLimits(req.maxTokens),
    stallTimeoutMs: req.stallTimeoutMs,
    stepMsHint: req.stepMsHint,
    onDeadline: (at) => {
      clearTimeout(deadlineTimer);
      deadlineTimer = setTimeout(() => abort('deadline'), Math.max(0, at - performance.now()));
    },
  });
  // Only generated text shows the server is working: comment lines and empty events do not hold the stall timer off.
  const state = new StreamState(url, () => {
    guard.content(state.readTime);
    stallTimer?.refresh();
  });
  let phase: 'connect' | 'body' = 'connect';
  const dialect = req.shape.dialect;

  const accept = dialect === 'openai-sse' ? 'text/event-stream' : dialect === 'ndjson' ? 'application/x-ndjson' : 'application/json';
  const headers: Record<string, string> = { 'content-type': 'application/json', accept };
  if (req.apiKey) headers.authorization = `Bearer ${req.apiKey}`;
  const body = JSON.stringify(req.shape.body);

  const t0 = performance.now();
  const sentAtEpochMs = performance.timeOrigin + t0;
  try {
    const res = await fetch(url, { method: 'POST', headers, body, signal: ac.signal });
    clearTimeout(connectTimer);
    phase = 'body';
    stallTimer = setTimeout(() => abort('stall'), req.stallTimeoutMs);

    if (!res.ok) {
      const text = await res.text();
      const msg = serverErrorMessage(text);
      throw new SpecTuneError('HTTP_ERROR', `HTTP ${res.status} from ${url}${msg ? `: ${msg}` : ''}`, {
        hint: httpStatusHint(res.status),
      });
    }
    if (!res.body) throw badStream(url, 'the response has no body');
    if (dialect !== 'openai-sse') {
      const read = dialect === 'ndjson' ? readNdjsonResponse : readJsonResponse;
      const r = await read(res, { url, guard, onContent: () => stallTimer?.refresh() });
      return finish(r, t0, sentAtEpochMs, req.engineUsage, null, guard);
    }

    const parser = createParser({ onEvent: (ev) => state.onEvent(ev) });
    const decoder = new TextDecoder();
    // The parser only ever sees whole lines: the unfinished one is held here, under a cap.
    const lines = new LineSplitter(guard.limits.maxLineChars);
    reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      state.readTime = performance.now();
      guard.received(value.byteLength);
      const whole = lines.push(decoder.decode(value, { stream: true }));
      if (whole) parser.feed(whole);
      if (state.sawDone) break;
    }
    const endTime = state.sawDone ? state.doneTime : performance.now();
    if (state.sawDone) await drainAfterDone(reader);

    if (state.dataEvents === 0) {
      const type = res.headers.get('content-type') ?? 'no content type';
      throw badStream(
        url,
        type.includes('text/event-stream') ? 'the stream carried no data events' : `the server answered ${type}, not an event stream`,
      );
    }
    return finish(sseResult(state, endTime, url), t0, sentAtEpochMs, req.engineUsage, state.usage as Record<string, unknown> | null, guard);
  } catch (err) {
    if (abortedBy === 'deadline') throw guard.deadlineError();
    if (err instanceof LineTooLongError) throw guard.lineError(err);
    throw classify(err, { abortedBy, phase, url, stallTimeoutMs: req.stallTimeoutMs, connectTimeoutMs: req.connectTimeoutMs, chunks: state.contentTimes.length });
  } finally {
    clearTimeout(connectTimer);
    clearTimeout(deadlineTimer);
    if (stallTimer) clearTimeout(stallTimer);
    signal?.removeEventListener('abort', onUserAbort);
    // Stops the download after [DONE] or an error; on a body that already ended it is a no-op.
    if (reader) reader.cancel().catch(() => {});
  }
}

/**
 * After [DONE] only the end of the chunked body should follow. Reading it lets
 * undici keep the connection for the next request (a fresh TCP connect would
 * land in the next request's TTFT); a server that holds the stream open is cut off.
 */
async function drainAfterDone(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  const cut = setTimeout(() => reader.cancel().catch(() => {}), 200);
  try {
    while (!(await reader.read()).done) {
      /* discard */
    }
  } catch {
    /* the measurement is complete; a late transport error does not change it */
  } finally {
    clearTimeout(cut);
  }
}

/** The SSE parse state as the neutral result every dialect produces. */
function sseResult(state: StreamState, endTime: number, url: string): ReadResult {
  let usage: ReadResult['usage'] = null;
  if (state.usage !== null) {
    const r = UsageSchema.safeParse(state.usage);
    if (!r.success) throw badStream(url, `the usage object is invalid (${formatZodError(r.error, 'usage')})`);
    usage = { completionTokens: r.data.completion_tokens, promptTokens: r.data.prompt_tokens ?? null };
  }
  return {
    text: state.parts.join(''),
    contentTimesMs: state.contentTimes,
    finalObject: state.usageChunk,
    usage,
    finishReason: state.finishReason,
    endTimeMs: endTime,
  };
}

function finish(
  r: ReadResult,
  t0: number,
  sentAtEpochMs: number,
  engineUsage: ShapedRequest['engineUsage'],
  rawUsage: Record<string, unknown> | null,
  guard: StreamGuard,
): StreamDetails {
  const eng = engineUsage?.(r.finalObject) ?? null;
  const usage = r.usage ?? (eng?.completionTokens != null ? { completionTokens: eng.completionTokens, promptTokens: eng.promptTokens } : null);
  // Every figure below divides by this count: one far above what was asked is refused, not turned into a speed.
  if (usage) guard.usage(usage.completionTokens);
  // A model (re)load inside this request (Ollama reloads on an option change) is not generation time.
  const loadMs = (eng?.loadSeconds ?? 0) * 1000;
  const times = r.contentTimesMs;
  const chunkCount = times.length;
  const totalSeconds = Math.max(r.endTimeMs - t0 - loadMs, 1e-6) / 1000;
  const completionTokens = usage ? usage.completionTokens : chunkCount;
  // A non-streamed answer has no client-side first token: the engine's own figure, else the whole wait.
  const ttftSeconds =
    eng?.ttftSeconds != null ? eng.ttftSeconds : chunkCount > 0 ? Math.max(times[0] - t0 - loadMs, 0) / 1000 : totalSeconds;
  const decodeSpan = chunkCount > 1 ? (times[chunkCount - 1] - times[0]) / 1000 : 0;
  const text = r.text;
  const metrics: RequestMetrics = {
    ttftSeconds,
    totalSeconds,
    completionTokens,
    promptTokens: usage?.promptTokens ?? null,
    tokensEstimated: usage === null,
    tokensPerSecond: completionTokens / totalSeconds,
    decodeTokensPerSecond: decodeSpan > 0 && completionTokens > 1 ? (completionTokens - 1) / decodeSpan : null,
    chunkCount,
    interChunk: interChunkStats(times),
    finishReason: r.finishReason,
    outputHash: createHash('sha256').update(text).digest('hex'),
    outputChars: text.length,
  };
  return { metrics, text, finalObject: r.finalObject, usage: rawUsage, usageChunk: r.finalObject, sentAtEpochMs };
}

function cancelled(url: string): SpecTuneError {
  return new SpecTuneError('CANCELLED', `request to ${url} cancelled`);
}

function classify(
  err: unknown,
  ctx: { abortedBy: AbortCause | null; phase: 'connect' | 'body'; url: string; stallTimeoutMs: number; connectTimeoutMs: number; chunks: number },
): SpecTuneError {
  if (err instanceof SpecTuneError) return err;
  const { url } = ctx;
  const req = ctx;
  if (ctx.abortedBy === 'user') return cancelled(url);
  if (ctx.abortedBy === 'connect') return connectError(err, url, true, req.connectTimeoutMs);
  if (ctx.abortedBy === 'stall' || networkErrorCode(err) === 'UND_ERR_BODY_TIMEOUT') {
    return new SpecTuneError(
      'STREAM_STALLED',
      `${url} sent nothing for ${req.stallTimeoutMs} ms ${ctx.chunks > 0 ? `after ${ctx.chunks} chunks` : 'before the first token'}`,
      {
        hint: 'the server stopped generating mid-stream: check its log, or raise the stall timeout for very slow models',
        cause: err,
      },
    );
  }
  if (ctx.phase === 'connect') return connectError(err, url, false, req.connectTimeoutMs);
  const reason = err instanceof Error ? (networkErrorCode(err) ?? err.message) : String(err);
  return new SpecTuneError('BAD_STREAM', `${url} closed the stream early after ${ctx.chunks} chunks (${reason})`, {
    hint: 'did the server crash or restart? check its log',
    cause: err,
  });
}
