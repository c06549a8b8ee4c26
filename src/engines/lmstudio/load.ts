/**
 * LM Studio under load: its MLX engine refuses speculative decoding for batched
 * models (LM Studio bug tracker 1519), so a draft on an MLX-format model at more
 * than one request in flight would measure something else than speculation.
 * Whether the model is MLX is the `compatibility_type` of its row in
 * GET /api/v0/models (gguf or mlx); GGUF models (llama.cpp engine) are measured.
 */
import { isBaselineConfig, type Ask, type LoadSupport } from '../engine';
import { loadedModels, parseModelList } from './models';

export const LMSTUDIO_MLX_BATCHED =
  "LM Studio's MLX engine refuses speculative decoding for batched requests (LM Studio bug tracker 1519), so with a draft on an MLX model more than one request in flight does not measure speculation; load a GGUF build of the model to measure it under load";

/** True when the model the requests name (else any loaded model) is an MLX-format one; false when unknown. */
async function isMlxModel(ask: Ask, model: string | null): Promise<boolean> {
  const list = parseModelList(await ask('/api/v0/models'));
  if (!list) return false;
  const row = model ? list.rows.find((r) => r.id === model) : undefined;
  if (row) return row.compatibility_type === 'mlx';
  const loaded = new Set(loadedModels(list.rows));
  return list.rows.some((r) => loaded.has(r.id) && r.compatibility_type === 'mlx');
}

export const lmstudioLoad: LoadSupport = {
  refuseConcurrency: async ({ config, ask, model }) => {
    if (isBaselineConfig(config) || !ask) return null;
    return (await isMlxModel(ask, model ?? null)) ? LMSTUDIO_MLX_BATCHED : null;
  },
};
