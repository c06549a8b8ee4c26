/**
 * A plan in words, before it runs: which engine and model, which settings, whether the search is
 * adaptive, and what restarts — read from the plan that will run and the engine's descriptor, so
 * the app never describes another run than the one its button starts.
 */
import type { EngineDescriptor } from '../engine-descriptor';
import type { SweepPlan } from '../schemas';
import { defaultStrategy } from '../search/caps';

/** The strategy the sweep will use: the plan's, else the default for its k list (adaptive above three k > 0 on an arm). */
export function planStrategy(plan: Pick<SweepPlan, 'tokens' | 'strategy'>): 'adaptive' | 'exhaustive' {
  return plan.strategy ?? defaultStrategy([plan.tokens.filter((k) => k > 0).length]);
}

/** "k = 0 (no speculation), 1, 2, …": the list as given, the baseline named. */
function kList(tokens: readonly number[]): string {
  return tokens.map((k) => (k === 0 ? '0 (no speculation)' : String(k))).join(', ');
}

function strategyWords(plan: SweepPlan): string {
  if (planStrategy(plan) === 'exhaustive') return 'It measures every one of them.';
  const max = plan.maxRepeats ?? 3 * plan.repeats;
  return `The search is adaptive: it measures the settings that can decide the answer and predicts the others from them (up to ${max} repeats for two settings it cannot yet tell apart).`;
}

/** What happens to the server: "restart" only where SpecTune restarts or reloads something. */
function serverWords(plan: SweepPlan, engine: EngineDescriptor | null, restartsOnWinner: boolean): string {
  const kChange = engine?.kChange ?? 'restart';
  if (plan.mode === 'attached') {
    return kChange === 'reload'
      ? `${engine?.label ?? 'The server'} reloads the model for each setting; SpecTune does not restart it, and tells you the setting to keep.`
      : `SpecTune changes the setting per request on the running server and tells you the setting to keep.`;
  }
  const during = kChange === 'restart' ? 'restarts the server for each k it measures' : kChange === 'reload' ? 'reloads the model for each k it measures' : 'changes k per request on one running server';
  return `SpecTune ${during}${restartsOnWinner ? `, then ${kChange === 'per-request' ? 'sets it to' : 'restarts it on'} the fastest setting` : ''}.`;
}

/** "a and b", "a, b and c". */
function listWords(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The knobs compared besides k: " with draft models a and b, methods …, confidence cut-offs p_min 0 and 0.5". */
function knobWords(plan: SweepPlan): string {
  const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);
  const parts = [
    plan.draftModels.length ? `${plural(plan.draftModels.length, 'draft model', 'draft models')} ${listWords(plan.draftModels)}` : null,
    plan.methods.length ? `${plural(plan.methods.length, 'method', 'methods')} ${listWords(plan.methods)}` : null,
    plan.draftPMins.length ? `${plural(plan.draftPMins.length, 'confidence cut-off', 'confidence cut-offs')} p_min ${listWords(plan.draftPMins.map(String))}` : null,
  ].filter((p): p is string => p !== null);
  return parts.length ? ` with ${listWords(parts)}` : '';
}

/**
 * The run in two or three sentences. `restartsOnWinner`: a launched server is put on the winner at the end
 * (One click), rather than left as the sweep ends.
 */
export function describePlan(plan: SweepPlan, engine: EngineDescriptor | null, restartsOnWinner: boolean): string {
  const label = engine?.label ?? plan.engine ?? 'the server';
  const model = plan.server?.model ?? plan.model ?? null;
  const where = plan.mode === 'managed' ? `Launches ${label}${model ? ` with ${model}` : ''}` : `Measures the running ${label} at ${plan.url}${model ? ` (${model})` : ''}`;
  return `${where} and compares k = ${kList(plan.tokens)}${knobWords(plan)}. ${strategyWords(plan)} ${serverWords(plan, engine, restartsOnWinner)}`;
}
