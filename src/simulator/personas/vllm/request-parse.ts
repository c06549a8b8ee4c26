/**
 * Reads and validates a completion request body the way vLLM's OpenAI server
 * does: 400 naming the bad field, 404 for an unknown model, 400 for min_p /
 * logit_bias with speculation on or a prompt longer than the context.
 */
import type { z } from 'zod';
import { formatZodError } from '../../../shared/schemas';
import type { GenerationInput } from '../../generation';
import { countPromptTokens, countTextTokens } from '../../text';
import { HttpProblem } from '../router';
import { ChatRequestSchema, CompletionRequestSchema, messageText } from './openai';
import type { SimOptions } from './options';

const badRequest = (message: string, param: string | null = null) => new HttpProblem(400, message, { param });

/** vLLM's wording for a body that is not JSON. */
export const jsonDecodeError = (detail: string): string => `JSON decode error: ${detail}; send a JSON object body with content-type application/json`;

export interface PreparedRequest {
  kind: 'chat' | 'completions';
  model: string;
  stream: boolean;
  includeUsage: boolean;
  continuousUsage: boolean;
  input: GenerationInput;
}

function zodToBadRequest(err: z.ZodError): HttpProblem {
  const first = err.issues[0];
  return badRequest(formatZodError(err), first && first.path.length > 0 ? first.path.map(String).join('.') : null);
}

export function prepareRequest(kind: 'chat' | 'completions', body: Record<string, unknown>, opts: SimOptions): PreparedRequest {
  let prompt: string;
  let system = '';
  let promptTokens: number;
  let maxTokens: number | null;
  let common: z.infer<typeof ChatRequestSchema> | z.infer<typeof CompletionRequestSchema>;
  if (kind === 'chat') {
    const r = ChatRequestSchema.safeParse(body);
    if (!r.success) throw zodToBadRequest(r.error);
    const msgs = r.data.messages.map((m) => ({ role: m.role, content: messageText(m.content) }));
    system = msgs.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => m.content).join('\n');
    const lastUser = [...msgs].reverse().find((m) => m.role === 'user');
    prompt = lastUser?.content ?? msgs[msgs.length - 1].content;
    promptTokens = countPromptTokens(msgs);
    maxTokens = r.data.max_completion_tokens ?? r.data.max_tokens ?? null;
    common = r.data;
  } else {
    const r = CompletionRequestSchema.safeParse(body);
    if (!r.success) throw zodToBadRequest(r.error);
    prompt = Array.isArray(r.data.prompt) ? r.data.prompt[0] : r.data.prompt;
    promptTokens = countTextTokens(prompt);
    maxTokens = r.data.max_tokens ?? 16; // OpenAI's (and vLLM's) default for /v1/completions
    common = r.data;
  }

  const model = common.model ?? opts.servedModelNames[0];
  if (!opts.servedModelNames.includes(model)) {
    throw new HttpProblem(404, `The model \`${model}\` does not exist.`, { param: 'model' });
  }
  if (common.stream_options && !common.stream) {
    throw badRequest('Stream options can only be defined when `stream=True`.', 'stream_options');
  }
  if (opts.speculative && ((common.min_p ?? 0) > 0 || Object.keys(common.logit_bias ?? {}).length > 0)) {
    // vLLM's own sentence first: clients recognise this rejection by its text.
    throw badRequest(
      'The min_p and logit_bias sampling parameters are not yet supported with speculative decoding. ' +
        'Remove them from the request, or restart the server without speculation.',
      (common.min_p ?? 0) > 0 ? 'min_p' : 'logit_bias',
    );
  }
  if (promptTokens + (maxTokens ?? 0) > opts.maxModelLen || promptTokens >= opts.maxModelLen) {
    throw badRequest(
      `This model's maximum context length is ${opts.maxModelLen} tokens. However, you requested ${promptTokens + (maxTokens ?? 0)} tokens ` +
        `(${promptTokens} in the ${kind === 'chat' ? 'messages' : 'prompt'}, ${maxTokens ?? 0} in the completion). Please reduce the length of the ${kind === 'chat' ? 'messages' : 'prompt'} or completion.`,
      kind === 'chat' ? 'messages' : 'prompt',
    );
  }
  const stop = common.stop == null ? [] : Array.isArray(common.stop) ? common.stop : [common.stop];
  return {
    kind,
    model,
    stream: common.stream === true,
    includeUsage: common.stream_options?.include_usage === true,
    continuousUsage: common.stream_options?.continuous_usage_stats === true,
    input: {
      prompt,
      system,
      promptTokens,
      maxTokens,
      temperature: common.temperature ?? 1,
      seed: common.seed ?? null,
      ignoreEos: common.ignore_eos === true,
      stop,
    },
  };
}
