/**
 * Draft counts from llama-server's `timings` object, which rides on the final
 * streamed chunk (the usage chunk with stream_options.include_usage) and on
 * non-streamed bodies. llama-server writes draft_n / draft_n_accepted only when
 * something was drafted, so timings without them mean "drafted nothing" (0),
 * while no timings at all mean "not reported" (null).
 */
import { z } from 'zod';
import type { ResponseDraftCounts, SpecConfig } from '../engine';
import type { EngineBuild } from '../engine';
import { llamaFlagsOf } from './build';

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

/**
 * Why a k > 0 configuration whose responses drafted nothing is an error, in the
 * words of the build's facts where known.
 */
export function llamaNoDraftingReason(config: SpecConfig, build?: EngineBuild | null): string | null {
  const k = config.numSpeculativeTokens;
  if (k === 0 || (k === null && config.draftModel === null)) return null;
  const head = `k = ${k ?? 'default'}: llama-server drafted no token in any response (timings had no draft_n)`;
  if (build) {
    const f = llamaFlagsOf(build);
    if (f.specType === 'draft-simple') {
      return `${head}: the draft model loaded but speculation is off. This build (${build.raw}) drafts only with --spec-type draft-simple, which SpecTune passed; an LLAMA_ARG_SPEC_TYPE variable, a --spec-type in the extra arguments, or a --spec-draft-p-min above what the draft ever reaches can still turn it off`;
    }
    if (f.specType === 'ngram-only' || f.specType === 'absent') {
      return `${head}: the draft model loaded but speculation is off. This build (${build.raw}) drafts whenever --model-draft is given, so check the server log for a draft model that failed to load or a vocabulary mismatch, and for a --draft-p-min / LLAMA_ARG_DRAFT_P_MIN the draft never reaches`;
    }
  }
  return `${head}: the draft model loaded but speculation is off. On llama.cpp builds from June 2026 a draft model drafts only with --spec-type draft-simple; check "llama-server --help" and the server log`;
}
