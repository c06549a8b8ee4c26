/**
 * The OpenAI-compatible request most engines take. Engines add their own fields
 * (per-request k, draft model) on top.
 */
import type { PromptRequest, RequestShape } from '../engine';

export function openAiBody(req: PromptRequest): Record<string, unknown> {
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

/** A streamed OpenAI request, with engine-specific fields merged into the body. */
export function openAiRequest(req: PromptRequest, extra: Record<string, unknown> = {}): RequestShape {
  return {
    path: req.api === 'chat' ? '/v1/chat/completions' : '/v1/completions',
    body: { ...openAiBody(req), ...extra },
    dialect: 'openai-sse',
  };
}
