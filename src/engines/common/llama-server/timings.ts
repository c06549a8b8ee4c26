/**
 * Draft counts from llama-server's `timings` object (the embedded server writes
 * the same, plus per-position counts), which rides on the final
 * streamed chunk (the usage chunk with stream_options.include_usage) and on
 * non-streamed bodies. llama-server writes draft_n / draft_n_accepted only when
 * something was drafted, so timings without them mean "drafted nothing" (0),
 * while no timings at all mean "not reported" (null).
 */
import { z } from 'zod';
import type { ResponseDraftCounts } from '../../engine';

const count = z.number().finite().nonnegative();

const TimingsSchema = z.looseObject({
  draft_n: count.optional(),
  draft_n_accepted: count.optional(),
  /** SpecTune's embedded engine: drafts proposed, and accepted tokens per draft position. */
  draft_n_drafts: count.optional(),
  draft_n_accepted_per_pos: z.array(count).optional(),
});

export function draftCountsFromTimings(final: Record<string, unknown> | null): ResponseDraftCounts | null {
  if (!final || typeof final.timings !== 'object' || final.timings === null) return null;
  const t = TimingsSchema.safeParse(final.timings);
  if (!t.success) return null;
  const draftTokens = t.data.draft_n ?? 0;
  // A server that says it accepted more than it drafted is not counting drafts the way we read them.
  const acceptedTokens = Math.min(t.data.draft_n_accepted ?? 0, draftTokens);
  return {
    draftTokens,
    acceptedTokens,
    drafts: t.data.draft_n_drafts ?? null,
    acceptedPerPos: t.data.draft_n_accepted_per_pos ?? null,
  };
}
