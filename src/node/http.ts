/**
 * Small helpers over Node's global fetch (undici): one place that turns its
 * error shapes into SpecTuneErrors a user can act on, and a JSON GET with a
 * hard deadline for status probes and metric reads.
 */
import { SpecTuneError } from '../shared/errors';

/** The system-level code buried in undici's `TypeError: fetch failed`. */
export function networkErrorCode(err: unknown): string | null {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ABORT_ERR') return code;
    // Happy-eyeballs connects (localhost → ::1 and 127.0.0.1) fail with an AggregateError.
    const inner = (e as { errors?: unknown[] }).errors;
    if (Array.isArray(inner) && inner.length > 0) {
      const c = networkErrorCode(inner[0]);
      if (c) return c;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset',
  ENOTFOUND: 'Host not found',
  EAI_AGAIN: 'Host not found',
  EHOSTUNREACH: 'Host unreachable',
  ENETUNREACH: 'Network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_SOCKET: 'Connection closed',
};

/** Short reason for a status table: 'Connection refused', 'timeout', ... */
export function networkReason(err: unknown): string {
  const code = networkErrorCode(err);
  if (code && REASONS[code]) return REASONS[code];
  if (code) return code;
  // undici says only "fetch failed"; the innermost cause says why (e.g. "bad port").
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e instanceof Error && e.cause instanceof Error; depth++) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

/** Join a base URL ('http://h:8000', 'http://h:8000/', 'http://h:8000/v1') and an API path. */
export function joinUrl(baseUrl: string, path: string): string {
  let base = baseUrl.trim().replace(/\/+$/, '');
  // Users paste the OpenAI base URL (".../v1"); the paths here already carry /v1.
  if (path.startsWith('/v1/') && base.endsWith('/v1')) base = base.slice(0, -3);
  return base + path;
}

/** Error for a request that never got a response. */
export function connectError(err: unknown, url: string, timedOut: boolean, timeoutMs: number): SpecTuneError {
  const code = networkErrorCode(err);
  if (timedOut || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT') {
    return new SpecTuneError('CONNECT_TIMEOUT', `no answer from ${url} within ${timeoutMs} ms`, {
      hint: 'the server may be overloaded or still starting; check it is up (spectune status) or raise the connect timeout',
      cause: err,
    });
  }
  if (code === 'ECONNREFUSED') {
    return new SpecTuneError('CONNECT_FAILED', `connection refused by ${url}`, {
      hint: 'nothing listens there: start the server, or check the host and port',
      cause: err,
    });
  }
  return new SpecTuneError('CONNECT_FAILED', `could not connect to ${url}: ${networkReason(err)}`, {
    hint: 'check the URL, and that the server is running and reachable',
    cause: err,
  });
}

/** The error text a server put in an error body (OpenAI, vLLM, FastAPI, LM Studio, Ollama shapes). */
export function serverErrorMessage(body: string): string {
  const trimmed = body.trim();
  if (!trimmed) return '';
  try {
    const j: unknown = JSON.parse(trimmed);
    if (j && typeof j === 'object') {
      const o = j as Record<string, unknown>;
      const err = o.error;
      if (typeof err === 'string') return err;
      if (err && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string') {
        return (err as { message: string }).message;
      }
      if (typeof o.message === 'string') return o.message;
      if (typeof o.detail === 'string') return o.detail;
      if (Array.isArray(o.detail)) return JSON.stringify(o.detail).slice(0, 300);
    }
  } catch {
    /* not JSON: fall through to the raw text */
  }
  return trimmed.length > 300 ? trimmed.slice(0, 300) + '…' : trimmed;
}

export function httpStatusHint(status: number): string {
  if (status === 401 || status === 403) {
    return "the server wants an API key: put it in the variable its engine reads (e.g. VLLM_API_KEY, LLAMA_API_KEY, LM_API_TOKEN), or in one you name with --api-key-env; SpecTune sends it as a bearer token";
  }
  if (status === 404) return 'check the URL and the model name (GET /v1/models lists what the server serves)';
  if (status === 400 || status === 422) return 'the server rejected the request parameters (see its message)';
  if (status === 429) return 'the server is rate-limiting: lower the concurrency';
  if (status >= 500) return 'the server failed on this request: check its log';
  return 'check the server URL and its log';
}

export interface GetResult {
  status: number;
  /** Parsed JSON body, or undefined when the body was not JSON. */
  json: unknown;
  text: string;
  latencyMs: number;
  /** The answer says it comes from SpecTune's simulator (x-spectune-simulated), whatever dialect it speaks. */
  simulated: boolean;
}

/**
 * GET with a deadline covering connect AND body. Throws SpecTuneError
 * (CONNECT_FAILED / CONNECT_TIMEOUT / CANCELLED); any HTTP status is a result.
 */
export async function getWithDeadline(url: string, timeoutMs: number, signal?: AbortSignal, apiKey?: string): Promise<GetResult> {
  // AbortSignal.timeout rejects fractional delays.
  const timeout = AbortSignal.timeout(Math.max(1, Math.ceil(timeoutMs)));
  const combined = signal ? AbortSignal.any([timeout, signal]) : timeout;
  const t0 = performance.now();
  try {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    const res = await fetch(url, { signal: combined, headers });
    const latencyMs = performance.now() - t0;
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text, latencyMs, simulated: res.headers.get('x-spectune-simulated') === '1' };
  } catch (err) {
    if (signal?.aborted) throw new SpecTuneError('CANCELLED', `request to ${url} cancelled`, { cause: err });
    throw connectError(err, url, timeout.aborted, timeoutMs);
  }
}
