/**
 * Ollama behind the engine interface: attached (the user runs it), k is the
 * request option draft_num_predict on the native API, and every change of it
 * reloads the model (it is a runner option), so the sweep warms up after each
 * change and keeps load_duration out of the numbers. Ollama reports no
 * acceptance. Only models with a draft model or an MTP head draft at all
 * (draft-head.ts tells which, where /api/show can).
 */
import { z } from 'zod';
import { identityOf, NO_KNOBS, type EngineDescriptor } from '../../shared/engine-descriptor';
import { specConfig, type Ask, type ConfigurationInput, type Engine, type Identified, type ProbeAnswer, type SpecConfig } from '../engine';
import { ollamaRecommend } from './recommend';
import { ollamaRequest } from './request';
import { ollamaUsage } from './usage';

export { draftHeadFromShow, hasDraftHead, noDraftMessage, speculationMissingIn, type DraftHead, type DraftHeadKind, type Post } from './draft-head';

export const OLLAMA_DESCRIPTOR: EngineDescriptor = {
  ...identityOf('ollama'),
  lifecycle: 'attached',
  kChange: 'reload',
  kChangeNote:
    'k is draft_num_predict, sent per request, but it is a runner option: every change reloads the model (SpecTune warms up after each change and keeps load time out of the numbers)',
  draftPerRequest: false,
  acceptance: { kind: 'none', note: 'not reported by Ollama', perPosition: false },
  fields: [],
  // Ollama drafts with what the model ships: a DRAFT model in its Modelfile, or an MTP head. Nothing is chosen per request.
  methods: ['draft', 'mtp'],
  knobs: NO_KNOBS,
  defaultCommand: [],
  placeholders: { model: 'qwen3.5:9b', draftModel: '' },
  installHint: 'install Ollama (ollama.com) and start it (`ollama serve`, or the desktop app); speculation needs Ollama 0.23 or newer',
  servesOneAtATime: false,
  demo: { persona: 'ollama', model: 'qwen3.5:9b', draftModels: [], personaArgs: ['--sim-draft-head'] },
};

const VersionSchema = z.looseObject({ version: z.string().min(1), simulated: z.boolean().optional() });
const V1ModelsSchema = z.looseObject({ data: z.array(z.looseObject({ id: z.string() })) });
const TagsSchema = z.looseObject({ models: z.array(z.looseObject({ name: z.string() })) });

function json200<S extends z.ZodType>(a: ProbeAnswer | null, schema: S): z.infer<S> | null {
  if (!a || a.status !== 200 || a.json === undefined) return null;
  const r = schema.safeParse(a.json);
  return r.success ? r.data : null;
}

async function identify(ask: Ask): Promise<Identified | null> {
  const [ver, v1] = await Promise.all([ask('/api/version'), ask('/v1/models')]);
  const v = json200(ver, VersionSchema);
  let via = '/api/version';
  if (!v) {
    // Builds without /api/version still greet on GET /.
    const root = await ask('/');
    if (!root || root.status !== 200 || !/Ollama is running/i.test(root.text)) return null;
    via = '/';
  }
  // Ollama's OpenAI-compatible /v1/models is missing on old builds (or behind a proxy): /api/tags lists the same models.
  let models = json200(v1, V1ModelsSchema)?.data.map((m) => m.id) ?? null;
  if (models === null) models = json200(await ask('/api/tags'), TagsSchema)?.models.map((m) => m.name) ?? [];
  return { version: v?.version ?? null, models, simulated: v?.simulated === true, via };
}

/** Every k of the plan as draft_num_predict (0: drafting off, the baseline); the draft is the model's own. */
function configurations(input: ConfigurationInput): SpecConfig[] {
  return input.tokens.map((k) => specConfig({ numSpeculativeTokens: k }));
}

export const ollamaEngine: Engine = {
  descriptor: OLLAMA_DESCRIPTOR,
  probePaths: ['/api/version', '/v1/models'],
  // Ollama has no API key (a proxy in front of it may: the user names its variable with --api-key-env).
  apiKeyEnv: null,
  identify,
  launch: null,
  configurations,
  shapeRequest: ollamaRequest,
  engineUsage: ollamaUsage,
  acceptance: { kind: 'none', reason: 'not reported by Ollama' },
  recommend: ollamaRecommend,
};
