import type { ConfigurationResult, Report } from '../../../shared/schemas';
import { configKey } from '../../../shared/config-key';
import { configLabel, tps } from '../format';
import { levelOf } from './levels';

/** The fastest configuration that finished, by median tok/s: what "the best" means in tiesWithBest. */
export function fastestConfig(configs: readonly ConfigurationResult[]): ConfigurationResult | null {
  const valid = configs.filter((c) => !c.failed && c.tokensPerSecond !== null);
  return valid.length ? valid.reduce((a, b) => (b.tokensPerSecond! > a.tokensPerSecond! ? b : a)) : null;
}

/** Configurations the report marks as tying with the fastest (older reports carry no marks: none). */
export function tiedKeys(configs: readonly ConfigurationResult[]): Set<string> {
  return new Set(configs.filter((c) => c.tiesWithBest === true).map(configKey));
}

/**
 * Issue 11, finding 5: when the recommended k is not the one that measured fastest, say why in
 * words, or the recommendation seems to contradict the chart. Null when there is nothing to explain.
 */
export function tieSentence(report: Report): string | null {
  const rec = report.recommendation;
  if (!rec) return null;
  // The recommendation is for one load level: "fastest" means fastest at that level, not a k at another load.
  const sameLevel = report.configurations.filter((c) => levelOf(c) === levelOf(rec));
  const fastest = fastestConfig(sameLevel);
  if (!fastest || configKey(rec) === configKey(fastest)) return null;
  const chosen = sameLevel.find((c) => configKey(c) === configKey(rec));
  if (!chosen || chosen.tiesWithBest !== true) return null;
  const name = (c: ConfigurationResult) => configLabel(c.numSpeculativeTokens, c.draftModel);
  return (
    `${name(fastest)} measured fastest (${tps(fastest.tokensPerSecond)}), but ${name(chosen)} (${tps(chosen.tokensPerSecond)}) ` +
    `is within noise of it: the difference is smaller than what repeated runs vary by. ` +
    `The smaller k is kept because it is as fast and cheaper: it drafts fewer tokens and uses less memory.`
  );
}
