/**
 * llama.cpp's llama-server behind the engine interface: launched by SpecTune,
 * k changes by restart (current builds compile per-request speculative settings
 * out), acceptance from each response's `timings`.
 *
 * Acceptance stays 'per-response' even on builds whose /metrics (with --metrics,
 * which SpecTune passes) carry llamacpp:spec_decode_* counters: timings exist on
 * every build, the counters only on the newest, and one source keeps the sweep
 * simple. Per-position figures come through only where a server adds them to
 * timings (the embedded engine does; llama-server does not).
 */
import { canonicalMethod, identityOf, methodTakesDraft, type EngineDescriptor } from '../../shared/engine-descriptor';
import { isBaselineConfig, type Engine, type EngineBuild, type SpecConfig } from '../engine';
import { openAiRequest } from '../common/openai-request';
import { armConfigurations } from '../common/arms';
import { recommendLaunch } from '../common/recommend-launch';
import { buildLlamaArgv, LLAMA_MANAGED_FLAGS, LLAMA_SPEC_ENV_VARS } from '../common/llama-server/argv';
import { LLAMA_KNOBS, llamaFlagsOf } from '../common/llama-server/build';
import { identifyByProps, isEmbeddedBuildInfo } from '../common/llama-server/props';
import { draftCountsFromTimings } from '../common/llama-server/timings';
import { detectLlamaBuild, LLAMA_INSTALL_HINT } from './detect';
import { llamaNoDraftingReason } from './no-drafting';
import { llamaLoad } from './load';

export const LLAMACPP_DESCRIPTOR: EngineDescriptor = {
  ...identityOf('llama.cpp'),
  lifecycle: 'launched',
  kChange: 'restart',
  kChangeNote: 'every k is a llama-server restart (it reloads the GGUF files: seconds for small models, a minute or more for large ones)',
  draftPerRequest: false,
  acceptance: { kind: 'per-response', note: 'timings.draft_n / draft_n_accepted in each response', perPosition: false },
  fields: ['command', 'model', 'draftModel', 'extraArgs'],
  methods: [],
  knobs: LLAMA_KNOBS,
  defaultCommand: ['llama-server'],
  placeholders: { model: '/models/qwen2.5-7b-instruct-q4_k_m.gguf', draftModel: '/models/qwen2.5-0.5b-instruct-q4_k_m.gguf' },
  installHint: LLAMA_INSTALL_HINT,
  servesOneAtATime: false,
  demo: { persona: 'llama-server', model: 'qwen2.5-7b-instruct-q4_k_m.gguf', draftModels: ['qwen2.5-0.5b-instruct-q4_k_m.gguf'], personaArgs: [] },
};

/** The setting in llama-server's words, for when no exact line can be built. */
export function llamaSetting(config: SpecConfig, build: EngineBuild | null): string {
  if (isBaselineConfig(config)) return 'run llama-server without a draft model (--spec-type none on builds that have --spec-type)';
  const f = build ? llamaFlagsOf(build) : null;
  const k = config.numSpeculativeTokens;
  const length = f?.draftLength || '--spec-draft-n-max';
  const method = config.method === null ? null : canonicalMethod(LLAMA_KNOBS, config.method);
  if (method !== null && !methodTakesDraft(LLAMA_KNOBS, method)) {
    return `--spec-type ${method}${k === null ? '' : ` ${length} ${k}`} — no draft model needed (builds from 2026 with this type in --help)`;
  }
  const parts = [`--model-draft ${config.draftModel ?? 'DRAFT.gguf'}`];
  if (!f || f.specType === 'draft-simple') parts.push(`--spec-type ${method ?? 'draft-simple'}`);
  if (k !== null) parts.push(`${length} ${k}`);
  parts.push(`${f?.draftPMin || '--spec-draft-p-min'} ${config.draftPMin ?? 0}`);
  const note = f ? '' : ' (builds before April 2026: --draft-max and --draft-p-min instead, and no --spec-type)';
  return `${parts.join(' ')}${note}`;
}

export const llamaCppEngine: Engine = {
  descriptor: LLAMACPP_DESCRIPTOR,
  probePaths: ['/props', '/v1/models'],
  // llama-server reads --api-key from LLAMA_API_KEY when the flag is left out.
  apiKeyEnv: 'LLAMA_API_KEY',
  identify: (ask) => identifyByProps(ask, (props) => !isEmbeddedBuildInfo(props.build_info)),
  launch: {
    detectBuild: (command, opts) => detectLlamaBuild(command, opts),
    argv: (settings, config, build) => buildLlamaArgv(settings, config, build),
    managedFlags: LLAMA_MANAGED_FLAGS,
    scrubEnv: LLAMA_SPEC_ENV_VARS,
    // llama-server reads --api-key from LLAMA_API_KEY when the flag is left out.
    secretPlaceholders: { '--api-key': '$LLAMA_API_KEY', '--hf-token': '$HF_TOKEN' },
    outOfMemoryHint: 'offload fewer layers (-ngl) or give a smaller --ctx-size',
  },
  configurations: (input) => armConfigurations(input, LLAMACPP_DESCRIPTOR.knobs),
  shapeRequest: (req) => openAiRequest(req),
  acceptance: { kind: 'per-response', fromResponse: draftCountsFromTimings },
  noDraftingError: (config: SpecConfig, build: EngineBuild | null) => llamaNoDraftingReason(config, build),
  recommend: (input) => recommendLaunch(input, (s, c, b) => buildLlamaArgv(s, c, b), llamaSetting),
  load: llamaLoad,
};
