/**
 * Apple's mlx_lm.server behind the engine interface: launched by SpecTune, k per
 * request (`num_draft_tokens`), so one launch covers the whole k list. The
 * baseline asks for `draft_model: null`, which makes the server unload the draft
 * (a one-off reload) and measure plain decoding as a server without a draft runs
 * it (batched), not the speculative path with zero drafts. It reports no
 * acceptance anywhere.
 */
import { z } from 'zod';
import { identityOf, type EngineDescriptor } from '../../shared/engine-descriptor';
import { isBaselineConfig, type Ask, type Engine, type Identified, type SpecConfig } from '../engine';
import { openAiRequest } from '../common/openai-request';
import { armConfigurations } from '../common/arms';
import { recommendLaunch } from '../common/recommend-launch';
import { MLX_MANAGED_FLAGS, mlxLaunchArgv, mlxRecommendArgv } from './argv';
import { detectMlxBuild, MLX_INSTALL_HINT } from './detect';
import { mlxLoad } from './load';

export const MLX_DESCRIPTOR: EngineDescriptor = {
  ...identityOf('mlx'),
  lifecycle: 'launched',
  kChange: 'per-request',
  kChangeNote: 'k is the num_draft_tokens request field: one launch serves every k (the baseline unloads the draft per request, one model reload)',
  draftPerRequest: false,
  acceptance: { kind: 'none', note: 'not reported by mlx_lm', perPosition: false },
  fields: ['command', 'model', 'draftModel', 'extraArgs'],
  methods: [],
  // A draft model per launch (requests could swap it, but a launch per draft keeps each measured as it would run).
  knobs: { draftModels: 'launch', pMin: 'none', methods: [], draftMethods: [], methodAliases: {} },
  defaultCommand: ['mlx_lm.server'],
  placeholders: { model: 'mlx-community/Qwen2.5-7B-Instruct-4bit', draftModel: 'mlx-community/Qwen2.5-0.5B-Instruct-4bit' },
  installHint: MLX_INSTALL_HINT,
  servesOneAtATime: true,
  demo: { persona: 'mlx_lm.server', model: 'mlx-community/Qwen2.5-7B-Instruct-4bit', draftModels: ['mlx-community/Qwen2.5-0.5B-Instruct-4bit'], personaArgs: [] },
};

/** mlx_lm's /health is exactly {"status": "ok"}; anything more specific is another engine's. */
const HealthSchema = z.strictObject({ status: z.literal('ok') });
const ModelListSchema = z.looseObject({ data: z.array(z.looseObject({ id: z.string() })) });

async function identify(ask: Ask): Promise<Identified | null> {
  const [health, models] = await Promise.all([ask('/health'), ask('/v1/models')]);
  if (!health || health.status !== 200 || !HealthSchema.safeParse(health.json).success) return null;
  const list = models && models.status === 200 ? ModelListSchema.safeParse(models.json) : null;
  // /health has no field to say it; the simulator marks its answers instead (ProbeAnswer.simulated).
  return { version: null, models: list?.success ? list.data.data.map((m) => m.id) : [], simulated: health.simulated === true, via: '/health' };
}

/** The request fields that choose k (and unload the draft for the baseline). */
export function mlxRequestFields(config: SpecConfig): Record<string, unknown> {
  if (isBaselineConfig(config)) return { num_draft_tokens: 0, draft_model: null };
  const fields: Record<string, unknown> = {};
  if (config.numSpeculativeTokens !== null) fields.num_draft_tokens = config.numSpeculativeTokens;
  if (config.draftModel !== null) fields.draft_model = config.draftModel;
  return fields;
}

function mlxSetting(config: SpecConfig): string {
  if (isBaselineConfig(config)) return 'launch mlx_lm.server without --draft-model';
  const k = config.numSpeculativeTokens;
  const draft = config.draftModel ?? 'DRAFT';
  return k === null ? `--draft-model ${draft}` : `--draft-model ${draft} --num-draft-tokens ${k}, or send num_draft_tokens: ${k} per request`;
}

export const mlxEngine: Engine = {
  descriptor: MLX_DESCRIPTOR,
  probePaths: ['/health', '/v1/models'],
  // mlx_lm.server checks no key.
  apiKeyEnv: null,
  identify,
  launch: {
    detectBuild: (command, opts) => detectMlxBuild(command, opts),
    argv: mlxLaunchArgv,
    managedFlags: MLX_MANAGED_FLAGS,
  },
  configurations: (input) => armConfigurations(input, MLX_DESCRIPTOR.knobs),
  shapeRequest: (req, config) => openAiRequest(req, mlxRequestFields(config)),
  acceptance: { kind: 'none', reason: 'not reported by mlx_lm' },
  recommend: (input) => recommendLaunch(input, mlxRecommendArgv, (c) => mlxSetting(c)),
  load: mlxLoad,
};
