/**
 * LM Studio's v0 `stats` object: draft counts (only in non-streaming
 * /api/v0/chat/completions; /v1 sends "stats": {}), the engine's own TTFT, and
 * the usage beside it.
 */
import { z } from 'zod';
import type { EngineUsage, ResponseDraftCounts } from '../engine';

const count = z.number().int().min(0);

const StatsSchema = z.looseObject({
  tokens_per_second: z.number().optional(),
  time_to_first_token: z.number().min(0).optional(),
  generation_time: z.number().optional(),
  stop_reason: z.string().optional(),
  draft_model: z.string().optional(),
  total_draft_tokens_count: count.optional(),
  accepted_draft_tokens_count: count.optional(),
  rejected_draft_tokens_count: count.optional(),
  ignored_draft_tokens_count: count.optional(),
});

const UsageSchema = z.looseObject({ completion_tokens: count.nullish(), prompt_tokens: count.nullish() });

function stats(final: Record<string, unknown> | null) {
  if (!final) return null;
  const r = StatsSchema.safeParse(final.stats);
  return r.success ? r.data : null;
}

/**
 * Draft counts of one answer; null when it carries none (no draft model on the
 * request, or LM Studio did not use it). total = accepted + rejected + ignored.
 */
export function draftCountsFromResponse(final: Record<string, unknown> | null): ResponseDraftCounts | null {
  const s = stats(final);
  if (!s || s.total_draft_tokens_count === undefined || s.accepted_draft_tokens_count === undefined) return null;
  return { draftTokens: s.total_draft_tokens_count, acceptedTokens: s.accepted_draft_tokens_count, drafts: null, acceptedPerPos: null };
}

export function lmStudioUsage(final: Record<string, unknown> | null): EngineUsage | null {
  if (!final) return null;
  const u = UsageSchema.safeParse(final.usage);
  const s = stats(final);
  return {
    completionTokens: u.success ? (u.data.completion_tokens ?? null) : null,
    promptTokens: u.success ? (u.data.prompt_tokens ?? null) : null,
    // LM Studio loads a model before the request it needs it for (JIT); the v0 stats have no load time to subtract.
    loadSeconds: 0,
    // A non-streamed answer has no client-side first token: TTFT is LM Studio's own figure, and the report must say so.
    ttftSeconds: s?.time_to_first_token ?? null,
  };
}

/**
 * A request without draft_model can still draft: a default draft model set for
 * the model in LM Studio (My Models → Speculative Decoding) applies to every
 * request. Then the "baseline" is not one; this says so (null: it did not draft).
 */
export function baselineDraftWarning(final: Record<string, unknown> | null): string | null {
  const s = stats(final);
  if (!s || (s.draft_model === undefined && !(s.total_draft_tokens_count && s.total_draft_tokens_count > 0))) return null;
  return (
    `LM Studio drafted with ${s.draft_model ?? 'a draft model'} on a request that named none: a default draft model is set for this model ` +
    '(My Models → (model) → Speculative Decoding), so the baseline is not one; set Draft model to none there and sweep again'
  );
}
