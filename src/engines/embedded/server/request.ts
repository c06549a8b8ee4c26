/**
 * Completion request bodies, validated the way llama-server answers: 400 with
 * {"error":{"code":400,"message":…,"type":"invalid_request_error"}} naming the
 * field. Only the fields this engine acts on are read; others are ignored, as
 * llama-server ignores what it does not know.
 */
import { z } from 'zod';
import { formatZodError } from '../../../shared/schemas';
import type { ChatMessage } from './chat-template';

const ContentSchema = z.union(
  [
    z.string(),
    z.array(z.looseObject({ type: z.literal('text', { error: 'only text parts are supported' }), text: z.string() })),
  ],
  { error: 'must be a string or an array of {"type":"text","text":…} parts' },
);

const CommonFields = {
  model: z.string().optional(),
  stream: z.boolean({ error: 'must be true or false' }).optional(),
  stream_options: z.looseObject({ include_usage: z.boolean({ error: 'must be true or false' }).optional() }).nullish(),
  max_tokens: z.number().int('must be a whole number').min(-1, 'must be -1 (no limit) or more').nullish(),
  max_completion_tokens: z.number().int('must be a whole number').min(-1, 'must be -1 (no limit) or more').nullish(),
  n_predict: z.number().int('must be a whole number').min(-1, 'must be -1 (no limit) or more').nullish(),
  temperature: z.number().min(0, 'must be 0 or more').max(100, 'must be at most 100').nullish(),
  top_k: z.number().int('must be a whole number').min(0, 'must be 0 or more').nullish(),
  top_p: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').nullish(),
  min_p: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').nullish(),
  seed: z.number().int('must be a whole number').nullish(),
  ignore_eos: z.boolean({ error: 'must be true or false' }).optional(),
  n: z.literal(1, { error: 'only n = 1 is supported' }).optional(),
};

export const ChatBodySchema = z.looseObject({
  ...CommonFields,
  messages: z
    .array(z.looseObject({ role: z.string({ error: 'give each message a role' }), content: ContentSchema.nullish() }), {
      error: 'messages must be an array of {role, content}',
    })
    .min(1, 'send at least one message'),
});

export const CompletionBodySchema = z.looseObject({
  ...CommonFields,
  prompt: z.union([z.string(), z.array(z.string()).length(1, 'send exactly one prompt')], {
    error: 'prompt must be a string',
  }),
});

export interface GenerationRequest {
  kind: 'chat' | 'completions';
  /** Text for the tokenizer (chat: after the template). */
  prompt: string;
  stream: boolean;
  includeUsage: boolean;
  /** -1 = until the context is full or the end-of-sequence token. */
  maxTokens: number;
  temperature: number;
  seed: number;
  topK: number;
  topP: number;
  minP: number;
  ignoreEos: boolean;
}

export class BadRequest extends Error {}

type ChatBody = z.infer<typeof ChatBodySchema>;

export function parseChatBody(body: unknown, applyTemplate: (m: ChatMessage[]) => string): GenerationRequest {
  const r = ChatBodySchema.safeParse(body);
  if (!r.success) throw new BadRequest(formatZodError(r.error, 'request'));
  const messages = r.data.messages.map((m) => ({ role: m.role, content: contentText(m.content) }));
  return common(r.data, 'chat', applyTemplate(messages));
}

export function parseCompletionBody(body: unknown): GenerationRequest {
  const r = CompletionBodySchema.safeParse(body);
  if (!r.success) throw new BadRequest(formatZodError(r.error, 'request'));
  const prompt = typeof r.data.prompt === 'string' ? r.data.prompt : r.data.prompt[0];
  return common(r.data, 'completions', prompt);
}

function contentText(content: ChatBody['messages'][number]['content']): string {
  if (content === null || content === undefined) return '';
  return typeof content === 'string' ? content : content.map((p) => p.text).join('');
}

function common(b: z.infer<z.ZodObject<typeof CommonFields>>, kind: 'chat' | 'completions', prompt: string): GenerationRequest {
  if (prompt.length === 0) throw new BadRequest('request.prompt: the prompt is empty');
  return {
    kind,
    prompt,
    stream: b.stream ?? false,
    includeUsage: b.stream_options?.include_usage ?? false,
    maxTokens: b.max_completion_tokens ?? b.max_tokens ?? b.n_predict ?? -1,
    // llama-server's sampling defaults.
    temperature: b.temperature ?? 0.8,
    seed: b.seed === null || b.seed === undefined || b.seed < 0 ? Math.floor(Math.random() * 2 ** 32) : b.seed,
    topK: b.top_k ?? 40,
    topP: b.top_p ?? 0.95,
    minP: b.min_p ?? 0.05,
    ignoreEos: b.ignore_eos ?? false,
  };
}
