/**
 * The measuring client: one streamed OpenAI-compatible completion, timed from
 * the client's side. Tokens come from the server's `usage` (vLLM packs several
 * accepted draft tokens into one chunk, so counting chunks undercounts exactly
 * when speculation works); chunks are counted only when no usage arrives.
 */
import { createHash } from 'node:crypto';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { max, median, quantileSorted } from 'simple-statistics';
import { z } from 'zod';
import { SpecTuneError } from '../shared/errors';
import { formatZodError, HttpUrlSchema, parseOrThrow, type InterChunkStats, type RequestMetrics } from '../shared/schemas';
import { connectError, httpStatusHint, joinUrl, networkErrorCode, serverErrorMessage } from '../node/http';

export interface CompletionRequest {
  baseUrl: string;
  model: string;
  api: 'chat' | 'completions';
  /** '' = no system message */
  system: string;
  prompt: string;
  maxTokens: number;
  temperature: number;
  seed: number;
  ignoreEos: boolean;
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

export interface StreamDetails {
  metrics: RequestMetrics;
  text: string;
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

export function buildRequestBody(req: CompletionRequest): Record<string, unknown> {
  const body: Record<string, unknown> = { model: req.model };
  if (req.api === 'chat') {
    const messages: { role: string; content: string }[] = [];
    if (req.system !== '') messages.push({ role: 'system', content: req.system });
    messages.push({ role: 'user', content: req.prompt });
    body.messages = messages;
  } else {
    body.prompt = req.system !== '' ? `${req.system}\n\n${req.prompt}` : req.prompt;
  }
  body.stream = true;
  body.stream_options = { include_usage: true };
  body.max_tokens = req.maxTokens;
  body.temperature = req.temperature;
  body.seed = req.seed;
  if (req.ignoreEos) body.ignore_eos = true;
  return body;
}

type AbortCause = 'connect' | 'stall' | 'user';

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

  constructor(
    readonly chat: boolean,
    readonly url: string,
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
      } else if (typeof thinking === 'string' && thinking.length > 0) {
        this.contentTimes.push(this.readTime);
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
  if (n < 1) return { count: 0, medianSeconds: null, p95Seconds: null, maxSeconds: null };
  const gaps = new Array<number>(n);
  for (let i = 0; i < n; i++) gaps[i] = (contentTimesMs[i + 1] - contentTimesMs[i]) / 1000;
  const sorted = gaps.slice().sort((a, b) => a - b);
  return { count: n, medianSeconds: median(gaps), p95Seconds: quantileSorted(sorted, 0.95), maxSeconds: max(gaps) };
}

/** Like streamCompletion, plus the raw usage object and the send time (for the fidelity bench). */
export async function streamCompletionDetailed(input: CompletionRequest): Promise<StreamDetails> {
  const { signal } = input;
  const req = parseOrThrow(CompletionRequestSchema, { ...input, signal: undefined }, 'request') as CompletionRequest;
  const url = joinUrl(req.baseUrl, req.api === 'chat' ? '/v1/chat/completions' : '/v1/completions');
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
  const connectTimer = setTimeout(() => abort('connect'), req.connectTimeoutMs);
  let stallTimer: NodeJS.Timeout | undefined;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const state = new StreamState(req.api === 'chat', url);
  let phase: 'connect' | 'body' = 'connect';

  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
  if (req.apiKey) headers.authorization = `Bearer ${req.apiKey}`;
  const body = JSON.stringify(buildRequestBody(req));

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

    const parser = createParser({ onEvent: (ev) => state.onEvent(ev) });
    const decoder = new TextDecoder();
    reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      state.readTime = performance.now();
      stallTimer.refresh();
      parser.feed(decoder.decode(value, { stream: true }));
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
    return finish(state, t0, endTime, url, sentAtEpochMs);
  } catch (err) {
    throw classify(err, { abortedBy, phase, url, req, chunks: state.contentTimes.length });
  } finally {
    clearTimeout(connectTimer);
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

function finish(state: StreamState, t0: number, endTime: number, url: string, sentAtEpochMs: number): StreamDetails {
  let usage: z.infer<typeof UsageSchema> | null = null;
  if (state.usage !== null) {
    const r = UsageSchema.safeParse(state.usage);
    if (!r.success) throw badStream(url, `the usage object is invalid (${formatZodError(r.error, 'usage')})`);
    usage = r.data;
  }
  const times = state.contentTimes;
  const chunkCount = times.length;
  const totalSeconds = Math.max(endTime - t0, 1e-6) / 1000;
  const completionTokens = usage ? usage.completion_tokens : chunkCount;
  // With nothing generated there is no first token; the whole wait is the best bound.
  const ttftSeconds = chunkCount > 0 ? (times[0] - t0) / 1000 : totalSeconds;
  const decodeSpan = chunkCount > 1 ? (times[chunkCount - 1] - times[0]) / 1000 : 0;
  const text = state.parts.join('');
  const metrics: RequestMetrics = {
    ttftSeconds,
    totalSeconds,
    completionTokens,
    promptTokens: usage?.prompt_tokens ?? null,
    tokensEstimated: usage === null,
    tokensPerSecond: completionTokens / totalSeconds,
    decodeTokensPerSecond: decodeSpan > 0 && completionTokens > 1 ? (completionTokens - 1) / decodeSpan : null,
    chunkCount,
    interChunk: interChunkStats(times),
    finishReason: state.finishReason,
    outputHash: createHash('sha256').update(text).digest('hex'),
    outputChars: text.length,
  };
  return { metrics, text, usage: usage as Record<string, unknown> | null, usageChunk: state.usageChunk, sentAtEpochMs };
}

function cancelled(url: string): SpecTuneError {
  return new SpecTuneError('CANCELLED', `request to ${url} cancelled`);
}

function classify(
  err: unknown,
  ctx: { abortedBy: AbortCause | null; phase: 'connect' | 'body'; url: string; req: CompletionRequest; chunks: number },
): SpecTuneError {
  if (err instanceof SpecTuneError) return err;
  const { url, req } = ctx;
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
