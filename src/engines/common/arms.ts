/**
 * The configurations of an engine whose knobs are launch (or request) settings: the baseline once
 * (k = 0), then every k > 0 for each arm — a (method, draft model, cut-off) triple. A method that
 * drafts without a model (n-gram, suffix, MTP) gets no draft model and no cut-off; the cut-off is a
 * number only where the engine has one (0 when none is asked for: it is always passed explicitly).
 */
import { canonicalMethod, methodTakesDraft, type EngineKnobs } from '../../shared/engine-descriptor';
import { specConfig, type ConfigurationInput, type SpecConfig } from '../engine';

const unique = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

/** The arms a plan asks for, in the order it names them: methods outermost, then drafts, then cut-offs. */
export function armsOf(input: ConfigurationInput, knobs: EngineKnobs): Pick<SpecConfig, 'method' | 'draftModel' | 'draftPMin'>[] {
  const given = unique((input.methods ?? []).map((m) => canonicalMethod(knobs, m)));
  const launchMethod = input.settings?.method ? canonicalMethod(knobs, input.settings.method) : null;
  const methods: (string | null)[] = given.length > 0 ? given : [launchMethod];
  const listed = unique(input.draftModels.map((d) => d.trim()).filter(Boolean));
  const drafts: (string | null)[] = listed.length > 0 ? listed : [input.settings?.draftModel ?? null];
  const pMins: (number | null)[] = knobs.pMin === 'none' ? [null] : (input.draftPMins?.length ? unique(input.draftPMins) : [input.settings?.draftPMin ?? 0]);
  return methods.flatMap((method) => {
    if (!methodTakesDraft(knobs, method)) return [{ method, draftModel: null, draftPMin: null }];
    return drafts.flatMap((draftModel) => pMins.map((draftPMin) => ({ method, draftModel, draftPMin })));
  });
}

/** Baseline first (when the plan has k = 0), then each arm's k > 0 in the plan's order. */
export function armConfigurations(input: ConfigurationInput, knobs: EngineKnobs): SpecConfig[] {
  const ks = input.tokens.filter((k) => k > 0);
  const baseline = input.tokens.includes(0) ? [specConfig({ numSpeculativeTokens: 0 })] : [];
  return [...baseline, ...armsOf(input, knobs).flatMap((arm) => ks.map((k) => ({ numSpeculativeTokens: k, ...arm })))];
}
