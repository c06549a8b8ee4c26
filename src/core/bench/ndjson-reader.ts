/**
 * Reads a streamed answer in the NDJSON dialect (Ollama's native /api/chat and
 * /api/generate): one JSON object per line, text in message.content (chat) or
 * response (generate), thinking in message.thinking / thinking, and a last
 * object with done:true carrying eval_count, prompt_eval_count, the durations
 * (ns) and done_reason. The caller checked res.ok and times the request.
 */
import type { SpecTuneError } from '../../shared/errors';
import { LineSplitter, LineTooLongError } from '../../node/line-buffer';
import { MAX_LINE_CHARS } from './stream-guard';
import { badStream, countField, isErrorObject, isRecord, serverReportedError, snippet, type ReaderHooks, type ReadResult } from './reader-common';

const HINT = 'the server does not speak newline-delimited JSON (Ollama /api/chat); check the URL and the engine';

/** After done:true only the end of the body should follow; a server that holds the connection open is cut off after this. */
const DRAIN_MS = 200;

class NdjsonState {
  parts: string[] = [];
  contentTimes: number[] = [];
  final: Record<string, unknown> | null = null;
  endTime = 0;
  lines = 0;

  constructor(
    readonly url: string,
    private readonly hooks: ReaderHooks,
  ) {}

  fail(what: string): SpecTuneError {
    return badStream(this.url, what, HINT);
  }

  onLine(raw: string, t: number): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    if (this.final !== null) return; // nothing counts after the final object
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      throw this.fail(`a line is not valid JSON: ${snippet(line)}`);
    }
    if (!isRecord(obj)) throw this.fail(`a line is not a JSON object: ${snippet(line)}`);
    this.lines++;
    // Ollama reports a failure while generating as {"error": "..."} on its own line.
    if (isErrorObject(obj)) throw serverReportedError(this.url, line, true);
    const message = isRecord(obj.message) ? obj.message : null;
    const piece = message ? message.content : obj.response;
    const thinking = message ? message.thinking : obj.thinking;
    if (typeof piece === 'string' && piece.length > 0) {
      this.parts.push(piece);
      this.content(t);
    } else if (typeof thinking === 'string' && thinking.length > 0) {
      // Thinking tokens are generated tokens too (eval_count counts them): they time the stream.
      this.content(t);
    }
    if (obj.done === true) {
      this.final = obj;
      this.endTime = t;
    }
  }

  private content(t: number): void {
    this.contentTimes.push(t);
    this.hooks.guard?.content(t);
    this.hooks.onContent?.(t);
  }
}

export async function readNdjsonResponse(res: Response, hooks: ReaderHooks): Promise<ReadResult> {
  const now = hooks.now ?? (() => performance.now());
  const state = new NdjsonState(hooks.url, hooks);
  if (!res.body) throw state.fail('the response has no body');
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  // Whole lines only; the unfinished one is held under a cap (the guard's, else the same default).
  const splitter = new LineSplitter(hooks.guard?.limits.maxLineChars ?? MAX_LINE_CHARS);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const t = now();
      hooks.guard?.received(value.byteLength);
      const whole = splitter.push(decoder.decode(value, { stream: true }));
      for (let at = 0; at < whole.length && state.final === null; ) {
        const nl = whole.indexOf('\n', at);
        const end = nl < 0 ? whole.length : nl;
        state.onLine(whole.slice(at, end), t);
        at = end + 1;
      }
      if (state.final !== null) break;
    }
    if (state.final === null) {
      // The last line may come without a newline before the body ends.
      state.onLine(splitter.rest() + decoder.decode(), now());
    } else {
      await drain(reader);
    }
  } catch (err) {
    if (err instanceof LineTooLongError) throw hooks.guard?.lineError(err) ?? state.fail(`it sent ${err.message}`);
    throw err;
  } finally {
    reader.cancel().catch(() => {});
  }

  const final = state.final;
  if (final === null) {
    throw state.fail(state.lines === 0 ? 'the body carried no JSON lines' : `the stream ended after ${state.lines} lines without a done:true line`);
  }
  // Go's omitempty drops a zero eval_count: absent means "not said", and the caller counts pieces instead.
  const completion = countField(final, 'eval_count', (w) => state.fail(`the done:true line's ${w}`));
  const prompt = countField(final, 'prompt_eval_count', (w) => state.fail(`the done:true line's ${w}`));
  return {
    text: state.parts.join(''),
    contentTimesMs: state.contentTimes,
    finalObject: final,
    usage: completion === null ? null : { completionTokens: completion, promptTokens: prompt },
    finishReason: typeof final.done_reason === 'string' ? final.done_reason : null,
    endTimeMs: state.endTime,
  };
}

/** Reading the end of the body lets undici reuse the connection (a fresh connect would land in the next request's TTFT). */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  const cut = setTimeout(() => reader.cancel().catch(() => {}), DRAIN_MS);
  try {
    while (!(await reader.read()).done) {
      /* discard */
    }
  } catch {
    /* the measurement is complete */
  } finally {
    clearTimeout(cut);
  }
}
