/**
 * OpenAI-compatible request bodies as vLLM accepts them. Unknown fields pass
 * (clients send many); known ones are type-checked so a 400 names the field.
 */
import { z } from 'zod';
import { versionAtLeast, type DottedVersion } from '../../../shared/version';

const optionalNumber = (msg: string) => z.number({ error: msg }).nullable().optional();

const StreamOptionsSchema = z
  .looseObject({
    include_usage: z.boolean({ error: 'must be true or false' }).nullable().optional(),
    continuous_usage_stats: z.boolean({ error: 'must be true or false' }).nullable().optional(),
  })
  .nullable()
  .optional();

const common = {
  model: z.string({ error: 'must be a model name string' }).nullable().optional(),
  max_tokens: z.number({ error: 'must be a whole number ≥ 1' }).int('must be a whole number ≥ 1').min(1, 'must be a whole number ≥ 1').nullable().optional(),
  temperature: z.number({ error: 'must be a number ≥ 0' }).min(0, 'must be a number ≥ 0').nullable().optional(),
  top_p: z.number({ error: 'must be a number in (0, 1]' }).gt(0).max(1).nullable().optional(),
  top_k: z.number({ error: 'must be a whole number' }).int().nullable().optional(),
  seed: z.number({ error: 'must be a whole number' }).int('must be a whole number').nullable().optional(),
  stream: z.boolean({ error: 'must be true or false' }).nullable().optional(),
  stream_options: StreamOptionsSchema,
  ignore_eos: z.boolean({ error: 'must be true or false' }).nullable().optional(),
  stop: z.union([z.string(), z.array(z.string())], { error: 'must be a string or a list of strings' }).nullable().optional(),
  n: z.number({ error: 'must be 1' }).int().min(1).max(1, 'the simulator returns one choice; use n = 1').nullable().optional(),
  min_p: z.number({ error: 'must be a number in [0, 1]' }).min(0).max(1).nullable().optional(),
  logit_bias: z.record(z.string(), z.number(), { error: 'must map token ids to numbers' }).nullable().optional(),
  presence_penalty: optionalNumber('must be a number'),
  frequency_penalty: optionalNumber('must be a number'),
  repetition_penalty: optionalNumber('must be a number'),
};

const ContentPartSchema = z.looseObject({ type: z.string(), text: z.string().optional() });

const ChatMessageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool'], { error: 'must be system, developer, user, assistant or tool' }),
  content: z.union([z.string(), z.array(ContentPartSchema), z.null()], { error: 'must be a string or a list of content parts' }).optional(),
});

export const ChatRequestSchema = z.looseObject({
  ...common,
  messages: z.array(ChatMessageSchema, { error: 'must be a list of messages' }).min(1, 'give at least one message'),
  max_completion_tokens: z.number({ error: 'must be a whole number ≥ 1' }).int().min(1, 'must be a whole number ≥ 1').nullable().optional(),
});

export const CompletionRequestSchema = z.looseObject({
  ...common,
  prompt: z.union([z.string(), z.array(z.string()).length(1, 'the simulator takes one prompt per request')], {
    error: 'must be a string (token-id prompts are not simulated)',
  }),
});

export function messageText(content: z.infer<typeof ChatMessageSchema>['content']): string {
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content.map((p) => (p.type === 'text' && p.text ? p.text : '')).join('');
}

/** FastAPI's JSON content type (no charset). */
export const VLLM_JSON = { 'content-type': 'application/json' };

export interface ErrorBody {
  status: number;
  message: string;
  type: string;
  param: string | null;
}

/**
 * vLLM's error JSON: flat `{object: "error", message, type, param, code}` before
 * 0.10.1, nested `{error: {...}}` (OpenAI's shape) from then on.
 */
export function errorJson(e: ErrorBody, version: DottedVersion): unknown {
  const info = { message: e.message, type: e.type, param: e.param, code: e.status };
  // The change came with vllm-project/vllm#22099.
  return versionAtLeast(version, 0, 10, 1) ? { error: info } : { object: 'error', ...info };
}
