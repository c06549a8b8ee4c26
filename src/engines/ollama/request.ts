/**
 * Requests on Ollama's native API, where draft_num_predict can go in `options`
 * (the OpenAI-compatible /v1 takes no Ollama options).
 */
import type { PromptRequest, RequestShape, SpecConfig } from '../engine';

export function ollamaRequest(req: PromptRequest, config: SpecConfig): RequestShape {
  const options: Record<string, unknown> = { temperature: req.temperature, seed: req.seed, num_predict: req.maxTokens };
  // Always explicit, 0 included: an MTP model drafts only when it is set, a DRAFT model drafts 4 unless told 0.
  // null: the model's own setting (nothing sent).
  if (config.numSpeculativeTokens !== null) options.draft_num_predict = config.numSpeculativeTokens;
  // Ollama has no ignore_eos: answers end where the model stops (done_reason "stop"), and tokens come from eval_count.
  if (req.api === 'chat') {
    const messages: { role: string; content: string }[] = [];
    if (req.system !== '') messages.push({ role: 'system', content: req.system });
    messages.push({ role: 'user', content: req.prompt });
    return { path: '/api/chat', body: { model: req.model, messages, stream: true, options }, dialect: 'ndjson' };
  }
  // Plain completion, as OpenAI's /v1/completions: raw skips the chat template.
  const prompt = req.system !== '' ? `${req.system}\n\n${req.prompt}` : req.prompt;
  return { path: '/api/generate', body: { model: req.model, prompt, raw: true, stream: true, options }, dialect: 'ndjson' };
}
