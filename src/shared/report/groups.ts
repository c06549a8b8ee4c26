/**
 * Per prompt type and per system prompt: each speculative configuration against that group's
 * baseline, and the group's best setting by the level's own rule (search/decide.ts) on the group's
 * requests — the fastest, or the cheaper of two within 1%, or the faster of two the group's few
 * samples cannot separate; the note says which when it is not simply the fastest.
 */
import { configKey, knobFields, type ConfigKeyed } from '../config-key';
import { settingWordsAmong } from '../level-picks';
import type { GroupComparison, Measurement } from '../schemas';
import { decideLevel, type Verdict } from '../search/decide';
import { signedPct } from '../search/words';
import { median, percentChange, round } from '../stats';
import { roundsOf, samplesAt } from './decide';
import { okTps } from './pairing';
import { matchRate } from './summary';

/** Why the group's best is not simply its fastest, or null. */
function bestNote(v: Verdict, label: (key: string) => string): string | null {
  if (v.status === 'tie' && v.pick !== v.leader) return `within 1% of ${label(v.leader)} (${signedPct(v.comparison?.ratio ?? 1)}): the cheaper setting`;
  if (v.status === 'cap' || v.status === 'open') return `not separated from ${label(v.rival!)} by this prompt's samples (${signedPct(v.comparison?.ratio ?? 1)}): low confidence`;
  return null;
}

function groupBest(specConfigs: readonly ConfigKeyed[], inGroup: (key: string) => Measurement[], looks: number) {
  const byKey = new Map(specConfigs.map((c) => [configKey(c), c]));
  const v = decideLevel(
    specConfigs.map((c) => {
      const ms = inGroup(configKey(c));
      return { key: configKey(c), baseline: false, draftPerStep: c.numSpeculativeTokens ?? 0, k: c.numSpeculativeTokens ?? 0, samples: samplesAt(1, ms), rounds: roundsOf(ms), atCap: true };
    }),
    { looks },
  );
  const words = settingWordsAmong(specConfigs);
  return v && { key: v.pick, note: bestNote(v, (key) => words(byKey.get(key)!)) };
}

export function groupComparisons(
  groups: readonly { id: string; label: string }[],
  field: 'promptType' | 'systemPrompt',
  byKey: Map<string, Measurement[]>,
  baselineKey: string | null,
  specConfigs: readonly ConfigKeyed[],
  ref: Map<string, string> | null,
  looks: number,
): GroupComparison[] {
  return groups.map((g) => {
    const inGroup = (key: string | null) => (key === null ? [] : (byKey.get(key) ?? [])).filter((m) => m[field] === g.id);
    const base = median(okTps(inGroup(baselineKey)));
    const byTokens = specConfigs.map((c) => {
      const t = median(okTps(inGroup(configKey(c))));
      return {
        numSpeculativeTokens: c.numSpeculativeTokens,
        draftModel: c.draftModel ?? null,
        ...knobFields(c),
        tokensPerSecond: round(t),
        speedupPercent: round(percentChange(t, base), 1),
        outputMatchRate: round(matchRate(inGroup(configKey(c)), ref), 3),
      };
    });
    const best = groupBest(specConfigs, (key) => inGroup(key), looks);
    const chosen = best ? byTokens.find((b) => configKey(b) === best.key) : undefined;
    return {
      id: g.id,
      label: g.label,
      baselineTokensPerSecond: round(base),
      byTokens,
      bestNumSpeculativeTokens: chosen?.numSpeculativeTokens ?? null,
      bestDraftModel: chosen?.draftModel ?? null,
      ...(chosen?.method != null ? { bestMethod: chosen.method } : {}),
      ...(chosen?.draftPMin != null ? { bestDraftPMin: chosen.draftPMin } : {}),
      speculativeTokensPerSecond: chosen?.tokensPerSecond ?? null,
      speedupPercent: chosen?.speedupPercent ?? null,
      bestNote: best?.note ?? null,
    };
  });
}
