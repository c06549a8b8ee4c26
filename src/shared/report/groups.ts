/** Per prompt type and per system prompt: each speculative configuration against that group's baseline. */
import { configKey, type ConfigKeyed } from '../config-key';
import type { GroupComparison, Measurement } from '../schemas';
import { median, percentChange, round } from '../stats';
import { okTps } from './pairing';
import { matchRate } from './summary';

export function groupComparisons(
  groups: readonly { id: string; label: string }[],
  field: 'promptType' | 'systemPrompt',
  byKey: Map<string, Measurement[]>,
  baselineKey: string | null,
  specConfigs: readonly ConfigKeyed[],
  preferred: string | null,
  ref: Map<string, string> | null,
): GroupComparison[] {
  return groups.map((g) => {
    const inGroup = (key: string | null) => (key === null ? [] : (byKey.get(key) ?? [])).filter((m) => m[field] === g.id);
    const base = median(okTps(inGroup(baselineKey)));
    const byTokens = specConfigs.map((c) => {
      const t = median(okTps(inGroup(configKey(c))));
      return {
        numSpeculativeTokens: c.numSpeculativeTokens,
        draftModel: c.draftModel ?? null,
        tokensPerSecond: round(t),
        speedupPercent: round(percentChange(t, base), 1),
        outputMatchRate: round(matchRate(inGroup(configKey(c)), ref), 3),
      };
    });
    const measured = byTokens.filter((b) => b.tokensPerSecond !== null);
    const chosen =
      measured.find((b) => configKey(b) === preferred) ??
      measured.reduce<(typeof measured)[number] | null>((best, b) => (!best || b.tokensPerSecond! > best.tokensPerSecond! ? b : best), null);
    return {
      id: g.id,
      label: g.label,
      baselineTokensPerSecond: round(base),
      byTokens,
      bestNumSpeculativeTokens: chosen?.numSpeculativeTokens ?? null,
      bestDraftModel: chosen?.draftModel ?? null,
      speculativeTokensPerSecond: chosen?.tokensPerSecond ?? null,
      speedupPercent: chosen?.speedupPercent ?? null,
    };
  });
}
