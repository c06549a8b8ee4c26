/**
 * Tokens and timings from Ollama's done:true line: eval_count (generated
 * tokens), prompt_eval_count, and load_duration (ns), which shows a reload after
 * a draft_num_predict change and is kept out of the numbers by the sweep.
 */
import { z } from 'zod';
import type { EngineUsage } from '../engine';

const count = z.number().int().min(0);
const DoneSchema = z.looseObject({
  eval_count: count.optional(),
  prompt_eval_count: count.optional(),
  load_duration: z.number().min(0).optional(),
});

export function ollamaUsage(final: Record<string, unknown> | null): EngineUsage | null {
  if (!final) return null;
  const r = DoneSchema.safeParse(final);
  if (!r.success) return null;
  return {
    completionTokens: r.data.eval_count ?? null,
    promptTokens: r.data.prompt_eval_count ?? null,
    loadSeconds: (r.data.load_duration ?? 0) / 1e9,
    // Streamed: the client times the first token itself.
    ttftSeconds: null,
  };
}
