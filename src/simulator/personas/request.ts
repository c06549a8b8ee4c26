/**
 * Reads the generation part of a request body for the engine personas: OpenAI
 * chat/completions and Ollama's native chat. Lenient like those servers (unknown
 * fields pass), strict on the types of the fields the simulator uses, so a bad
 * request gets a 400 naming the field. Each persona's router dialect writes
 * the message in its own error shape.
 */
import type { GenerationInput } from '../generation';
import { countPromptTokens, countTextTokens } from '../text';
import { HttpProblem } from './router';

/** A field the persona cannot take: HTTP 400 naming it. */
export class BadRequest extends HttpProblem {
  constructor(message: string, param: string | null = null) {
    super(400, message, { param });
  }
}

type Obj = Record<string, unknown>;

export function optInt(o: Obj, key: string, min: number, label = key): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new BadRequest(`${label} must be a whole number ≥ ${min}`, label);
  return v;
}

export function optNumber(o: Obj, key: string, label = key): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new BadRequest(`${label} must be a number`, label);
  return v;
}

function optBool(o: Obj, key: string, label = key): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new BadRequest(`${label} must be true or false`, label);
  return v;
}

function optString(o: Obj, key: string, label = key): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new BadRequest(`${label} must be a string`, label);
  return v;
}

function stopList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
  throw new BadRequest('stop must be a string or a list of strings', 'stop');
}

function contentText(c: unknown, i: number): string {
  if (typeof c === 'string') return c;
  if (c === undefined || c === null) return '';
  if (Array.isArray(c)) return c.map((p) => (p && typeof p === 'object' && (p as Obj).type === 'text' && typeof (p as Obj).text === 'string' ? ((p as Obj).text as string) : '')).join('');
  throw new BadRequest(`messages[${i}].content must be a string or a list of content parts`, 'messages');
}

export interface ReadMessages {
  prompt: string;
  system: string;
  promptTokens: number;
}

/** Chat messages → the text that decides the answer (last user message), the system prompt, and the prompt size. */
export function readMessages(v: unknown): ReadMessages {
  if (!Array.isArray(v) || v.length === 0) throw new BadRequest("'messages' must be a non-empty list of {role, content} objects", 'messages');
  const msgs = v.map((m, i) => {
    if (!m || typeof m !== 'object' || typeof (m as Obj).role !== 'string') throw new BadRequest(`messages[${i}] must be an object with a string 'role'`, 'messages');
    return { role: (m as Obj).role as string, content: contentText((m as Obj).content, i) };
  });
  const system = msgs.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => m.content).join('\n');
  const lastUser = [...msgs].reverse().find((m) => m.role === 'user');
  return { prompt: lastUser?.content ?? msgs[msgs.length - 1].content, system, promptTokens: countPromptTokens(msgs) };
}

export interface OpenAiRequest {
  kind: 'chat' | 'completions';
  model: string | undefined;
  stream: boolean;
  includeUsage: boolean;
  input: GenerationInput;
  body: Obj;
}

/**
 * An OpenAI chat or text completion body. `defaultMaxTokens` is the engine's
 * default when the client gives none (null: until the answer ends naturally).
 */
export function readOpenAiRequest(kind: 'chat' | 'completions', body: Obj, defaultMaxTokens: number | null): OpenAiRequest {
  let read: ReadMessages;
  if (kind === 'chat') {
    read = readMessages(body.messages);
  } else {
    const p = body.prompt;
    const prompt = typeof p === 'string' ? p : Array.isArray(p) && typeof p[0] === 'string' ? (p[0] as string) : undefined;
    if (prompt === undefined) throw new BadRequest("'prompt' must be a string", 'prompt');
    read = { prompt, system: '', promptTokens: countTextTokens(prompt) };
  }
  const streamOptions = body.stream_options;
  const includeUsage = !!streamOptions && typeof streamOptions === 'object' && (streamOptions as Obj).include_usage === true;
  const maxTokens = optInt(body, 'max_completion_tokens', 1) ?? optMaxTokens(body, 'max_tokens') ?? optMaxTokens(body, 'n_predict') ?? defaultMaxTokens;
  return {
    kind,
    model: optString(body, 'model'),
    stream: optBool(body, 'stream') ?? false,
    includeUsage,
    body,
    input: {
      ...read,
      maxTokens,
      temperature: optNumber(body, 'temperature') ?? 0.8,
      seed: optInt(body, 'seed', Number.MIN_SAFE_INTEGER) ?? null,
      ignoreEos: optBool(body, 'ignore_eos') ?? false,
      stop: stopList(body.stop),
    },
  };
}

/** max_tokens where -1 (llama.cpp, LM Studio) means "no limit". */
function optMaxTokens(o: Obj, key: string): number | undefined {
  const v = o[key];
  if (v === -1) return undefined;
  return optInt(o, key, 1);
}

export { stopList };
