/** What moving the server to another configuration costs, from how the engine takes a new k. */
import type { Engine, SpecConfig } from '../../engines/engine';
import type { SwitchCost } from '../../shared/search/search';

/**
 * restart: a new launch (vLLM, llama-server, embedded); free: a request field (mlx_lm's k);
 * reload: the engine reloads a model on the change (Ollama's draft_num_predict, LM Studio's draft swap).
 */
export function switchCostOf(engine: Engine, configs: readonly SpecConfig[] = []): SwitchCost {
  const { kChange } = engine.descriptor;
  if (kChange === 'restart') return 'restart';
  // A per-request draft model is loaded when it changes (LM Studio swaps drafts per request): that is a reload.
  if (kChange === 'per-request' && !swapsDraft(configs)) return 'free';
  return 'reload';
}

/** Configurations that run on different draft models (the baseline, which loads none, aside). */
function swapsDraft(configs: readonly SpecConfig[]): boolean {
  return new Set(configs.filter((c) => c.draftModel !== null).map((c) => c.draftModel)).size > 1;
}

/** Moving from one configuration to another makes the engine load a model: the next one needs a warm-up. */
export function switchReloads(engine: Engine, from: SpecConfig | null, to: SpecConfig): boolean {
  if (engine.descriptor.kChange === 'restart' || from === null) return false;
  return engine.descriptor.kChange !== 'per-request' || (from.draftModel !== to.draftModel && to.draftModel !== null);
}
