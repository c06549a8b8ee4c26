/**
 * What the response readers for non-SSE dialects share: the result shape the
 * bench client turns into metrics, the timing hooks it passes in, and the two
 * errors (malformed data, an error object from the server) in the same words
 * as the SSE path, so a sweep reports them the same way.
 */
import { SpecTuneError } from '../../shared/errors';
import { serverErrorMessage } from '../../node/http';
import type { StreamGuard } from './stream-guard';

export interface ReaderHooks {
  /** The request URL, for error messages. */
  url: string;
  /** Called with the arrival time of every piece that carried generated text (refresh a stall timer here). */
  onContent?: (tMs: number) => void;
  /** Bounds what the answer may bring (bytes, lines, content pieces); the bench client always passes one. */
  guard?: StreamGuard;
  /** Clock, performance.now() unless a test pins it. */
  now?: () => number;
}

export interface ReadUsage {
  completionTokens: number;
  promptTokens: number | null;
}

export interface ReadResult {
  /** The generated text (thinking excluded). */
  text: string;
  /** Arrival time (performance.now() ms) of each piece that carried generated text or thinking. */
  contentTimesMs: number[];
  /** The last object: Ollama's done:true line, the whole JSON body. */
  finalObject: Record<string, unknown> | null;
  /** Tokens as the server counted them; null when it did not say. */
  usage: ReadUsage | null;
  finishReason: string | null;
  /** When the final object arrived (performance.now() ms): the end of the measurement. */
  endTimeMs: number;
}

export function snippet(s: string): string {
  return JSON.stringify(s.length > 120 ? s.slice(0, 120) + '…' : s);
}

export function badStream(url: string, what: string, hint: string): SpecTuneError {
  return new SpecTuneError('BAD_STREAM', `malformed response from ${url}: ${what}`, { hint });
}

/** An error object inside a 200 answer (Ollama mid-stream, LM Studio's 200 + {error}): the server's own words pass through. */
export function serverReportedError(url: string, raw: string, midStream: boolean): SpecTuneError {
  const msg = serverErrorMessage(raw) || 'unknown error';
  return new SpecTuneError('HTTP_ERROR', `${url} reported an error${midStream ? ' mid-stream' : ''}: ${msg}`, {
    hint: midStream ? 'the server failed while generating: check its log' : 'the server refused the request (see its message)',
  });
}

export function isErrorObject(o: Record<string, unknown>): boolean {
  return o.error !== undefined && o.error !== null;
}

export const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A count the server sent: absent/null → null, otherwise a whole number ≥ 0 or the stream is malformed. */
export function countField(o: Record<string, unknown>, key: string, fail: (what: string) => SpecTuneError): number | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw fail(`${key} must be a whole number ≥ 0, got ${snippet(JSON.stringify(v))}`);
  return v;
}
