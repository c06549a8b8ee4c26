/**
 * Response bodies in llama-server's dialect (tools/server: the OpenAI-compatible
 * shapes plus its `timings`). Kept field for field, so a client written for
 * llama-server reads this engine with no special case.
 */
import type { DecodeStats } from './speculative-decoder';

export interface ResponseMeta {
  id: string;
  created: number;
  model: string;
  fingerprint: string;
}

/** llama-server's timings; draft fields only when something was drafted, as there. */
export function timingsJson(s: DecodeStats): Record<string, unknown> {
  const t: Record<string, unknown> = {
    cache_n: s.cachedTokens,
    prompt_n: s.promptTokens - s.cachedTokens,
    prompt_ms: s.promptMs,
    prompt_per_token_ms: s.promptTokens > s.cachedTokens ? s.promptMs / (s.promptTokens - s.cachedTokens) : 0,
    prompt_per_second: s.promptMs > 0 ? ((s.promptTokens - s.cachedTokens) * 1000) / s.promptMs : 0,
    predicted_n: s.predictedTokens,
    predicted_ms: s.predictedMs,
    predicted_per_token_ms: s.predictedTokens > 0 ? s.predictedMs / s.predictedTokens : 0,
    predicted_per_second: s.predictedMs > 0 ? (s.predictedTokens * 1000) / s.predictedMs : 0,
  };
  if (s.drafted > 0) {
    t.draft_n = s.drafted;
    t.draft_n_accepted = s.accepted;
    // SpecTune extensions (not in llama-server): per-position counts, as vLLM's
    // accepted_tokens_per_pos; the second is the denominator for each position.
    t.draft_n_accepted_per_pos = s.acceptedPerPosition;
    t.draft_n_per_pos = s.draftedPerPosition;
    t.draft_n_drafts = s.drafts;
  }
  return t;
}

export function usageJson(s: DecodeStats): Record<string, number> {
  return { completion_tokens: s.predictedTokens, prompt_tokens: s.promptTokens, total_tokens: s.promptTokens + s.predictedTokens };
}

function base(meta: ResponseMeta, object: string): Record<string, unknown> {
  return { created: meta.created, id: meta.id, model: meta.model, system_fingerprint: meta.fingerprint, object };
}

export function chatFirstChunk(meta: ResponseMeta): Record<string, unknown> {
  return { choices: [{ finish_reason: null, index: 0, delta: { role: 'assistant', content: null } }], ...base(meta, 'chat.completion.chunk') };
}

export function chatDeltaChunk(meta: ResponseMeta, content: string): Record<string, unknown> {
  return { choices: [{ finish_reason: null, index: 0, delta: { content } }], ...base(meta, 'chat.completion.chunk') };
}

/** The last chunks of a chat stream; timings ride on the very last one (the usage chunk when asked for). */
export function chatFinalChunks(meta: ResponseMeta, s: DecodeStats, includeUsage: boolean): Record<string, unknown>[] {
  const chunks: Record<string, unknown>[] = [
    { choices: [{ finish_reason: s.finishReason, index: 0, delta: {} }], ...base(meta, 'chat.completion.chunk') },
  ];
  if (includeUsage) chunks.push({ choices: [], ...base(meta, 'chat.completion.chunk'), usage: usageJson(s) });
  chunks[chunks.length - 1].timings = timingsJson(s);
  return chunks;
}

export function chatResponse(meta: ResponseMeta, text: string, s: DecodeStats): Record<string, unknown> {
  return {
    choices: [{ finish_reason: s.finishReason, index: 0, message: { role: 'assistant', content: text } }],
    ...base(meta, 'chat.completion'),
    usage: usageJson(s),
    timings: timingsJson(s),
  };
}

export function completionDeltaChunk(meta: ResponseMeta, text: string): Record<string, unknown> {
  return { choices: [{ text, index: 0, logprobs: null, finish_reason: null }], ...base(meta, 'text_completion') };
}

/** llama-server's final completions chunk always carries usage and timings. */
export function completionFinalChunk(meta: ResponseMeta, s: DecodeStats): Record<string, unknown> {
  return {
    choices: [{ text: '', index: 0, logprobs: null, finish_reason: s.finishReason }],
    ...base(meta, 'text_completion'),
    usage: usageJson(s),
    timings: timingsJson(s),
  };
}

export function completionResponse(meta: ResponseMeta, text: string, s: DecodeStats): Record<string, unknown> {
  return {
    choices: [{ text, index: 0, logprobs: null, finish_reason: s.finishReason }],
    ...base(meta, 'text_completion'),
    usage: usageJson(s),
    timings: timingsJson(s),
  };
}

export function errorJson(code: number, message: string, type: string): Record<string, unknown> {
  return { error: { code, message, type } };
}
