/**
 * Any other OpenAI-compatible server (SGLang, TGI, a proxy, an engine SpecTune
 * does not name): attached, measured as it runs through /v1/chat/completions.
 * SpecTune knows neither how it sets k nor where it counts drafts, so it changes
 * nothing, reports acceptance as not reported, and recommends nothing
 * engine-specific. It identifies any server that lists models at /v1/models, so
 * it comes last in identification order, and a plan that names it measures any
 * such server the plain way, whatever else it is.
 */
import { z } from 'zod';
import { identityOf, NO_KNOBS, type EngineDescriptor } from '../../shared/engine-descriptor';
import { isBaselineConfig, specConfig, type Ask, type ConfigurationInput, type Engine, type Identified, type Recommended, type RecommendInput, type SpecConfig } from '../engine';
import { openAiRequest } from '../common/openai-request';

const NOT_REPORTED = 'not reported (SpecTune does not know where this server counts drafts)';

export const OPENAI_DESCRIPTOR: EngineDescriptor = {
  ...identityOf('openai'),
  lifecycle: 'attached',
  kChange: 'fixed',
  kChangeNote: 'k is whatever the server was started with: SpecTune measures it as it runs and cannot change it',
  draftPerRequest: false,
  acceptance: { kind: 'none', note: NOT_REPORTED, perPosition: false },
  fields: [],
  methods: [],
  knobs: NO_KNOBS,
  defaultCommand: [],
  placeholders: { model: 'my-model', draftModel: '' },
  installHint: 'start your OpenAI-compatible server and give its address (--url); SpecTune sends it streamed /v1/chat/completions requests',
  servesOneAtATime: false,
  // The vLLM persona is an OpenAI-compatible server like any other.
  demo: { persona: '', model: 'Qwen/Qwen2.5-7B-Instruct', draftModels: [], personaArgs: [] },
};

const ModelListSchema = z.looseObject({ data: z.array(z.looseObject({ id: z.string() })) });

async function identify(ask: Ask): Promise<Identified | null> {
  const models = await ask('/v1/models');
  if (!models || models.status !== 200) return null;
  const list = ModelListSchema.safeParse(models.json);
  if (!list.success) return null;
  return { version: null, models: list.data.data.map((m) => m.id), simulated: models.simulated === true, via: '/v1/models' };
}

/** The one k the server runs with (the plan's single value), as it is. */
function configurations(input: ConfigurationInput): SpecConfig[] {
  return input.tokens.map((k) => specConfig({ numSpeculativeTokens: k }));
}

function recommend({ config }: RecommendInput): Recommended {
  const setting = isBaselineConfig(config)
    ? 'keep the server as it runs (it was measured without speculation)'
    : `keep the server's own setting (measured as k = ${config.numSpeculativeTokens ?? 'its default'}); SpecTune cannot set k on a server it does not know`;
  return { command: null, argv: null, setting };
}

export const openAiEngine: Engine = {
  descriptor: OPENAI_DESCRIPTOR,
  probePaths: ['/v1/models'],
  // The user names the variable (--api-key-env): SpecTune cannot know which key this server takes.
  apiKeyEnv: null,
  identify,
  launch: null,
  configurations,
  shapeRequest: (req) => openAiRequest(req),
  acceptance: { kind: 'none', reason: NOT_REPORTED },
  recommend,
};
