/**
 * LM Studio behind the engine interface: attached (the user runs it), draft
 * models compared per request (`draft_model`), draft counts from the `stats` of
 * non-streaming /api/v0 answers. The draft length is a load-time setting: this
 * engine does not change it; lms-cli.ts can reload with another one where the
 * installed `lms` takes --speculative-draft-max-tokens.
 */
import { identityOf, type EngineDescriptor } from '../../shared/engine-descriptor';
import { specConfig, type Ask, type ConfigurationInput, type Engine, type Identified, type PromptRequest, type RequestShape, type SpecConfig } from '../engine';
import { openAiBody } from '../common/openai-request';
import { listDraftCandidates, loadedModels, parseModelList } from './models';
import { lmStudioRecommend } from './recommend';
import { draftCountsFromResponse, lmStudioUsage } from './stats';
import { buildLmsReloadArgvs, detectLmsLoadFlags } from './lms-cli';
import { lmstudioLoad } from './load';

export { listDraftCandidates, draftCandidatesFrom, type DraftCandidate } from './models';
export { baselineDraftWarning } from './stats';
export {
  buildLmsLoadArgv,
  buildLmsReloadArgvs,
  buildLmsUnloadArgv,
  detectLmsLoadFlags,
  lmsBuild,
  lmsFlagsOf,
  parseLmsLoadHelp,
  type LmsLoadFlags,
  type LmsLoadSpec,
} from './lms-cli';

export const LMSTUDIO_DESCRIPTOR: EngineDescriptor = {
  ...identityOf('lmstudio'),
  lifecycle: 'attached',
  kChange: 'per-request',
  kChangeNote:
    'draft models are swapped per request (draft_model), no reload; the draft length is LM Studio\'s load-time setting, which SpecTune does not set here: every draft model runs at the length LM Studio loaded',
  draftPerRequest: true,
  acceptance: {
    kind: 'per-response',
    note: 'draft counts (accepted / total draft tokens) from the stats of non-streaming /api/v0/chat/completions',
    perPosition: false,
  },
  fields: [],
  methods: [],
  knobs: { draftModels: 'per-request', pMin: 'none', methods: [], draftMethods: [], methodAliases: {} },
  defaultCommand: [],
  placeholders: { model: 'qwen2.5-7b-instruct', draftModel: 'qwen2.5-0.5b-instruct' },
  installHint: 'install LM Studio (lmstudio.ai), load a model and start its server (Developer → Start server, or `lms server start`)',
  servesOneAtATime: false,
  demo: {
    persona: 'lmstudio',
    model: 'qwen2.5-7b-instruct',
    draftModels: ['qwen2.5-0.5b-instruct', 'qwen2.5-1.5b-instruct', 'llama-3.2-1b-instruct'],
    // A small fast draft, a closer but dearer one, and one with another vocabulary, which LM Studio refuses.
    personaArgs: ['--sim-draft', 'qwen2.5-0.5b-instruct:0.72:0.08,qwen2.5-1.5b-instruct:0.8:0.3', '--sim-incompatible', 'llama-3.2-1b-instruct'],
  },
};

async function identify(ask: Ask): Promise<Identified | null> {
  const list = parseModelList(await ask('/api/v0/models'));
  if (!list) return null;
  // The v0 API carries no version number.
  return { version: null, models: loadedModels(list.rows), simulated: list.simulated, via: '/api/v0/models' };
}

/** Baseline (no draft), then one configuration per candidate draft model at LM Studio's own draft length. */
function configurations(input: ConfigurationInput): SpecConfig[] {
  const drafts = [...new Set(input.draftModels.map((d) => d.trim()).filter(Boolean))];
  return [specConfig({ numSpeculativeTokens: 0 }), ...drafts.map((d) => specConfig({ numSpeculativeTokens: null, draftModel: d }))];
}

/**
 * Non-streaming, because draft counts appear only in non-streaming /api/v0
 * answers (v0 streaming carries neither stats nor usage; /v1 sends "stats": {}).
 * The cost: no client-side TTFT (engineUsage reports LM Studio's own).
 */
function shapeRequest(req: PromptRequest, config: SpecConfig): RequestShape {
  const body = openAiBody(req);
  delete body.stream_options;
  body.stream = false;
  if (config.draftModel) body.draft_model = config.draftModel;
  return { path: req.api === 'chat' ? '/api/v0/chat/completions' : '/api/v0/completions', body, dialect: 'json' };
}

/** LM Studio's CLI, as its installer puts it on PATH. */
const LMS_COMMAND = ['lms'];

export const lmstudioEngine: Engine = {
  descriptor: LMSTUDIO_DESCRIPTOR,
  probePaths: ['/api/v0/models'],
  // LM Studio 0.4+ can require an API token (Developer → Server Settings); its SDKs read it from LM_API_TOKEN.
  // Older versions ignore the header.
  apiKeyEnv: 'LM_API_TOKEN',
  identify,
  launch: null,
  configurations,
  shapeRequest,
  engineUsage: lmStudioUsage,
  acceptance: { kind: 'per-response', fromResponse: draftCountsFromResponse },
  noDraftingError: (config) =>
    config.draftModel
      ? `LM Studio answered without draft statistics for draft model "${config.draftModel}": it did not use the draft ` +
        '(LM Studio drops a draft it cannot run with this model — another vocabulary, or a batched MLX model — and may say so only in its developer log)'
      : null,
  recommend: lmStudioRecommend,
  draftCandidates: async (ask) => (await listDraftCandidates(ask)).map((c) => c.id),
  load: lmstudioLoad,
  // `lms` reloads the model with the winning draft (unload, then load): LM Studio's own CLI, never its files.
  applyAttached: async ({ config, model }) => {
    const { flags } = await detectLmsLoadFlags(LMS_COMMAND);
    return buildLmsReloadArgvs({ command: LMS_COMMAND, model, draftModel: config.draftModel, draftMaxTokens: config.numSpeculativeTokens }, flags);
  },
};
