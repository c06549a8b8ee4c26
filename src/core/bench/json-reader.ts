/**
 * Reads a non-streamed answer (dialect 'json': LM Studio's /api/v0/chat/completions,
 * the only place it reports draft counts): one OpenAI-shaped body, text in
 * choices[0].message.content (chat) or choices[0].text (completions), usage
 * beside it. There is no client-side first token: the whole text arrives at
 * once, so contentTimesMs holds that one arrival and TTFT must come from the
 * engine (Engine.engineUsage). The caller checked res.ok and times the request.
 *
 * Timing trap for the caller: a non-streamed answer sends its headers and body
 * only when generation is over, so a connect or stall deadline shorter than the
 * whole generation aborts a healthy request.
 */
import { badStream, countField, isErrorObject, isRecord, serverReportedError, snippet, type ReaderHooks, type ReadResult } from './reader-common';

const HINT = 'the server did not answer an OpenAI-style JSON completion; check the URL and the engine';

export async function readJsonResponse(res: Response, hooks: ReaderHooks): Promise<ReadResult> {
  const now = hooks.now ?? (() => performance.now());
  const fail = (what: string) => badStream(hooks.url, what, HINT);
  if (!res.body) throw fail('the response has no body');
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let raw = '';
  let end = now();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      end = now();
      hooks.guard?.received(value.byteLength);
      raw += decoder.decode(value, { stream: true });
    }
    raw += decoder.decode();
  } finally {
    reader.cancel().catch(() => {});
  }

  if (raw.trim() === '') throw fail('the body is empty');
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw fail(`the body is not valid JSON: ${snippet(raw)}`);
  }
  if (!isRecord(body)) throw fail(`the body is not a JSON object: ${snippet(raw)}`);
  // LM Studio answers some refusals with 200 and {"error": …}: the server's words pass through.
  if (isErrorObject(body)) throw serverReportedError(hooks.url, raw, false);

  const choices = body.choices;
  if (!Array.isArray(choices) || choices.length === 0 || !isRecord(choices[0])) {
    throw fail(`no choices[0] in the body: ${snippet(raw)}`);
  }
  const choice = choices[0];
  const message = isRecord(choice.message) ? choice.message : null;
  const content = message ? message.content : choice.text;
  const thinking = message ? (message.reasoning_content ?? message.reasoning) : undefined;
  if (content !== undefined && content !== null && typeof content !== 'string') {
    throw fail(`choices[0].${message ? 'message.content' : 'text'} is not a string`);
  }
  const text = typeof content === 'string' ? content : '';
  const generated = text.length > 0 || (typeof thinking === 'string' && thinking.length > 0);
  if (generated) hooks.onContent?.(end);

  let usage: ReadResult['usage'] = null;
  if (body.usage !== undefined && body.usage !== null) {
    if (!isRecord(body.usage)) throw fail('usage is not an object');
    const completion = countField(body.usage, 'completion_tokens', (w) => fail(`usage.${w}`));
    const prompt = countField(body.usage, 'prompt_tokens', (w) => fail(`usage.${w}`));
    if (completion !== null) usage = { completionTokens: completion, promptTokens: prompt };
  }
  return {
    text,
    contentTimesMs: generated ? [end] : [],
    finalObject: body,
    usage,
    finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
    endTimeMs: end,
  };
}
