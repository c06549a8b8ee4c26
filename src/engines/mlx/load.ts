/**
 * mlx_lm.server under load: with a draft model loaded it serves one request at a
 * time (batching only without a draft, mlx-lm >= 0.28.4; engines.md), so a level
 * above 1 would measure queueing in front of a single stream, not batching.
 * The baseline unloads the draft per request (draft_model: null), so it batches
 * and is measured at every level.
 */
import { isBaselineConfig, type LoadSupport } from '../engine';

export const MLX_ONE_AT_A_TIME =
  'mlx_lm.server serves one request at a time while a draft model is loaded, so more in flight would measure queueing, not batching; the baseline (no draft) is measured at this level';

export const mlxLoad: LoadSupport = {
  refuseConcurrency: async ({ config }) => (isBaselineConfig(config) ? null : MLX_ONE_AT_A_TIME),
};
