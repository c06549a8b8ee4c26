/** Why a llama-server configuration that should draft drafted nothing, in the words of its build. */
import type { EngineBuild, SpecConfig } from '../engine';
import { methodTakesDraft } from '../../shared/engine-descriptor';
import { LLAMA_KNOBS, llamaFlagsOf } from '../common/llama-server/build';

/**
 * Why a k > 0 configuration whose responses drafted nothing is an error, in the
 * words of the build's facts where known.
 */
export function llamaNoDraftingReason(config: SpecConfig, build?: EngineBuild | null): string | null {
  const k = config.numSpeculativeTokens;
  if (k === 0 || (k === null && config.draftModel === null)) return null;
  // An n-gram type finds nothing to copy on some text, and a cut-off can stop every draft: results, not faults.
  if ((config.method !== null && !methodTakesDraft(LLAMA_KNOBS, config.method)) || (config.draftPMin ?? 0) > 0) return null;
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
