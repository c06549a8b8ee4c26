/**
 * What one request may take from a server. A server's bytes and numbers are not
 * trusted: one that keeps streaming past max_tokens grew the client without limit,
 * one line without a line end spun it, comment lines kept a stall timer alive for
 * ever, and a usage count of 2^53 became a speed. So every request is bounded by
 * what it asked for:
 *
 * - content events: each carries at least one token, so more than max_tokens plus a
 *   margin means the server sent more than was asked;
 * - bytes: a cap scaled from max_tokens (an event is a few hundred bytes);
 * - one line: a cap on the unfinished line the splitter holds;
 * - time: from the first content, max_tokens steps at the measured step time (the
 *   sweep's earlier requests, else this one's first events) times a slack factor,
 *   never less than the stall timeout;
 * - the reported completion tokens: no more than asked, plus the same allowance.
 *
 * Passing any of them fails the request (STREAM_LIMIT) with the limit in its words.
 */
import { SpecTuneError } from '../../shared/errors';
import type { LineTooLongError } from '../../node/line-buffer';

export interface StreamLimits {
  maxTokens: number;
  maxContentEvents: number;
  maxBytes: number;
  maxLineChars: number;
  maxCompletionTokens: number;
}

/** An event is a few hundred bytes; this leaves room for long model names and engine extras. */
const BYTES_PER_TOKEN = 4096;
const BASE_BYTES = 1024 * 1024;
/** One line is one event (or one NDJSON object): far below this. */
export const MAX_LINE_CHARS = 1024 * 1024;
/** How much slower than its measured pace the rest of an answer may run before the request is given up. */
const DEADLINE_SLACK = 10;
/** This request's own pace is trusted once this many content events came over at least this long. */
const OWN_PACE_EVENTS = 8;
const OWN_PACE_MS = 500;

export function streamLimits(maxTokens: number): StreamLimits {
  // One allowance for both counts, so the usage a server reports is one its stream could have carried
  // (an engine counting its end token, a server rounding its own limit).
  const allowance = Math.max(16, Math.ceil(maxTokens / 4));
  return {
    maxTokens,
    maxContentEvents: maxTokens + allowance,
    maxBytes: BASE_BYTES + maxTokens * BYTES_PER_TOKEN,
    maxLineChars: MAX_LINE_CHARS,
    maxCompletionTokens: maxTokens + allowance,
  };
}

const HINT = 'the server sent more than the request asked for (a broken or hostile server); check what is listening at that URL';

function limitError(url: string, what: string, hint = HINT): SpecTuneError {
  return new SpecTuneError('STREAM_LIMIT', `${url} ${what}; the request was ended`, { hint });
}

export interface GuardOptions {
  url: string;
  limits: StreamLimits;
  stallTimeoutMs: number;
  /** Seconds-per-token pace the sweep measured on earlier requests, in ms; null before any. */
  stepMsHint?: number | null;
  /** Called when the deadline is known (performance.now() ms), to arm a timer. */
  onDeadline?: (atMs: number) => void;
}

/** Counts what one answer brings in and throws STREAM_LIMIT past a limit. Plain fields: it runs per event. */
export class StreamGuard {
  readonly limits: StreamLimits;
  private bytes = 0;
  private events = 0;
  private firstAt = -1;
  private deadline = Infinity;

  constructor(private readonly o: GuardOptions) {
    this.limits = o.limits;
  }

  /** Bytes of the body as they arrive. */
  received(n: number): void {
    this.bytes += n;
    if (this.bytes > this.limits.maxBytes) {
      throw limitError(this.o.url, `sent more than ${Math.round(this.limits.maxBytes / 1024)} KB for max_tokens ${this.limits.maxTokens}`);
    }
  }

  /** One event or line that carried generated text, at time t (ms). */
  content(t: number): void {
    this.events++;
    if (this.events > this.limits.maxContentEvents) {
      throw limitError(this.o.url, `sent more than ${this.limits.maxContentEvents} pieces of generated text for max_tokens ${this.limits.maxTokens} (each carries at least one token)`);
    }
    if (this.firstAt < 0) {
      this.firstAt = t;
      if (this.o.stepMsHint) this.setDeadline(this.o.stepMsHint);
    } else if (this.deadline === Infinity && this.events >= OWN_PACE_EVENTS && t - this.firstAt >= OWN_PACE_MS) {
      this.setDeadline((t - this.firstAt) / (this.events - 1));
    }
    if (t > this.deadline) throw this.deadlineError();
  }

  /** The time limit has passed (the caller's timer, or a late event). */
  deadlineError(): SpecTuneError {
    const seconds = ((this.deadline - this.firstAt) / 1000).toFixed(1);
    return limitError(
      this.o.url,
      `was still generating ${seconds} s after its first token, ${DEADLINE_SLACK}× the time ${this.limits.maxTokens} tokens take at the pace measured (or the stall timeout, if longer)`,
      'the server slowed down far below its own pace or does not stop at max_tokens: check its log; a very uneven server needs a longer --stall-timeout',
    );
  }

  lineError(err: LineTooLongError): SpecTuneError {
    return limitError(this.o.url, `sent ${err.message}`, 'the server does not end its lines (a broken or hostile server); check what is listening at that URL');
  }

  /** The server's own count of generated tokens, which the metrics are computed from. */
  usage(completionTokens: number): void {
    if (completionTokens > this.limits.maxCompletionTokens) {
      throw limitError(this.o.url, `reported ${completionTokens} completion tokens for max_tokens ${this.limits.maxTokens}`);
    }
  }

  private setDeadline(stepMs: number): void {
    this.deadline = this.firstAt + Math.max(this.o.stallTimeoutMs, DEADLINE_SLACK * this.limits.maxTokens * stepMs);
    this.o.onDeadline?.(this.deadline);
  }
}
