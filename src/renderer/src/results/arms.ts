/**
 * The arms of a run — each (method, draft model, cut-off) with its own k-curve — as the Results
 * tables and the k chart show them: which knobs the run compared more than one value of, and an
 * arm's name in those words only ("ngram-simple", "draft qwen-0.5b · p_min 0.5").
 */
import type { ConfigurationResult } from '../../../shared/schemas';
import { armKey, isBaseline, settingOf, type ConfigKeyed } from '../../../shared/config-key';

export type ArmKnob = 'method' | 'draftModel' | 'draftPMin';
/** A setting's arm: its method, draft model and cut-off (absent = none). */
export type ArmSetting = Pick<ConfigKeyed, ArmKnob>;
const KNOBS: readonly ArmKnob[] = ['method', 'draftModel', 'draftPMin'];

/** The knobs with more than one value among the speculative settings (the baseline has none of them). */
export function comparedKnobs(configs: readonly ConfigurationResult[]): Set<ArmKnob> {
  const speculative = configs.filter((c) => !isBaseline(c)).map(settingOf);
  return new Set(KNOBS.filter((k) => new Set(speculative.map((s) => s[k])).size > 1));
}

/** One knob's value in words, as a table cell and a curve's name say it. */
export function knobWords(knob: ArmKnob, c: ArmSetting): string {
  const s = settingOf({ numSpeculativeTokens: null, ...c });
  if (knob === 'method') return s.method ?? 'default';
  if (knob === 'draftModel') return s.draftModel ? `draft ${s.draftModel}` : 'no draft model';
  return `p_min ${s.draftPMin ?? 0}`;
}

/** An arm's name from the knobs the run compared; '' when it compared none. */
export function armName(c: ArmSetting, compared: ReadonlySet<ArmKnob>): string {
  return KNOBS.filter((k) => compared.has(k))
    .map((k) => knobWords(k, c))
    .join(' · ');
}

/** The speculative settings by arm, in the report's order of first appearance. */
export function armsOf(configs: readonly ConfigurationResult[]): Map<string, ConfigurationResult[]> {
  const out = new Map<string, ConfigurationResult[]>();
  for (const c of configs) {
    if (isBaseline(c)) continue;
    out.set(armKey(c), [...(out.get(armKey(c)) ?? []), c]);
  }
  return out;
}
