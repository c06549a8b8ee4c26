/** Log-line text for the speculative configuration, in vLLM's repr style. */
import type { SpeculativeSettings } from './speculative-config';

export function speculativeSummary(s: SpeculativeSettings): string {
  const parts = [`method='${s.method}'`, `model=${s.model ? `'${s.model}'` : 'None'}`, `num_spec_tokens=${s.numSpeculativeTokens}`];
  if (s.method === 'ngram') parts.push(`prompt_lookup_max=${s.promptLookupMax}`, `prompt_lookup_min=${s.promptLookupMin}`);
  if (s.schedule) parts.push(`num_speculative_tokens_per_batch_size=[${s.schedule.map((e) => `[${e.join(', ')}]`).join(', ')}]`);
  return `SpeculativeConfig(${parts.join(', ')})`;
}
