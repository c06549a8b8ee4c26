/** Which configurations are as fast as the fastest within the noise: the rule the recommendation and tiesWithBest share. */
import { configKey, isBaseline, type ConfigKeyed } from '../config-key';
import type { ConfigurationResult, Measurement } from '../schemas';
import { ratioCI } from './pairing';

/** Cheaper first: the baseline, then by k; configurations whose k is the engine's own keep their order after those. */
export function cheaperFirst(a: ConfigurationResult, b: ConfigurationResult): number {
  const rank = (c: ConfigurationResult) => (isBaseline(c) ? -1 : (c.numSpeculativeTokens ?? Number.MAX_SAFE_INTEGER));
  return rank(a) - rank(b);
}

/** Within this, two medians are the same speed for any practical purpose, whatever the interval says. */
export const TIE_PERCENT = 1;

/**
 * The tie rule the recommendation and the report's tiesWithBest share: c ties with the best when the
 * best is not clearly faster (the 95% interval of best/c includes 1) or is faster by at most 1%.
 */
export function tiesWith(best: ConfigurationResult, c: ConfigurationResult, ratio: [number, number] | null): boolean {
  if (c === best) return true;
  if (c.failed || c.tokensPerSecond === null || best.tokensPerSecond === null) return false;
  if (ratio && ratio[0] <= 1) return true;
  return c.tokensPerSecond > 0 && (best.tokensPerSecond / c.tokensPerSecond - 1) * 100 <= TIE_PERCENT;
}

/** The fastest configuration that did not fail, by median tokens/s (first wins on equal medians). */
export function fastest(configs: readonly ConfigurationResult[]): ConfigurationResult | null {
  const valid = configs.filter((c) => !c.failed && c.tokensPerSecond !== null);
  return valid.length ? valid.reduce((a, b) => (b.tokensPerSecond! > a.tokensPerSecond! ? b : a)) : null;
}

/** Sets tiesWithBest on every configuration (true for the best itself), so the UI and exports can mark ties. */
export function markTies(configs: ConfigurationResult[], byKey: Map<string, Measurement[]>): void {
  const best = fastest(configs);
  const ms = (c: ConfigKeyed) => byKey.get(configKey(c)) ?? [];
  for (const c of configs) {
    c.tiesWithBest = best !== null && tiesWith(best, c, c === best || c.failed || c.tokensPerSecond === null ? null : ratioCI(ms(best), ms(c)));
  }
}
