/**
 * The setting to recommend for Ollama: nothing to launch, a Modelfile PARAMETER
 * (for good) or the request option (per request).
 */
import type { Recommended, RecommendInput } from '../engine';

export function ollamaRecommend({ config, model }: RecommendInput): Recommended {
  const k = config.numSpeculativeTokens;
  if (k === null) return { command: null, argv: null, setting: 'keep the model\'s own draft_num_predict (no PARAMETER, no request option)' };
  const off = k === 0 ? ' (drafting off)' : '';
  const from = model ? ` (FROM ${model})` : '';
  return {
    command: null,
    argv: null,
    setting: `Modelfile${from}: PARAMETER draft_num_predict ${k}${off} — or per request: "options": {"draft_num_predict": ${k}}`,
  };
}
