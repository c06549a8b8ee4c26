/**
 * vLLM behind the engine interface: launched by SpecTune, k changes by restart,
 * acceptance from the Prometheus counters in /metrics (V1) or V0 gauges.
 */
import { z } from 'zod';
import { SpecTuneError } from '../../shared/errors';
import { identityOf, methodTakesDraft, type EngineDescriptor } from '../../shared/engine-descriptor';
import { acceptanceBetween } from '../../shared/spec-decode-metrics';
import { formatCommand } from '../../shared/shell-words';
import type { ServerSettings } from '../../shared/schemas';
import type { Ask, Engine, EngineBuild, Identified, SpecConfig } from '../engine';
import { openAiRequest } from '../common/openai-request';
import { armConfigurations } from '../common/arms';
import { buildVllmArgv, flagStyle, VLLM_METHODS, parseVllmVersion, type VllmVersion } from './argv';
import { readSpecDecodeSnapshot } from '../../node/metrics-client';
import { queryVllmVersion } from './version';
import { buildSchedule, maxNumSeqs, scheduleSettings } from './schedule';
import { VLLM_SECRET_PLACEHOLDERS } from './secrets';

export const VLLM_DESCRIPTOR: EngineDescriptor = {
  ...identityOf('vllm'),
  lifecycle: 'launched',
  kChange: 'restart',
  kChangeNote: 'every k is a server restart (vLLM reloads the model: minutes on a large model)',
  draftPerRequest: false,
  acceptance: { kind: 'server-counters', note: 'spec-decode counters in /metrics', perPosition: true },
  fields: ['command', 'model', 'draftModel', 'method', 'gpuMemoryUtilization', 'tensorParallelSize', 'maxModelLen', 'extraArgs'],
  methods: ['draft_model', 'ngram', 'eagle', 'eagle3', 'mtp', 'medusa'],
  // --draft-model is the draft or the EAGLE/Medusa head of the methods that take one; no cut-off.
  knobs: { draftModels: 'launch', pMin: 'none', methods: [...VLLM_METHODS], draftMethods: ['draft_model', 'eagle', 'eagle3', 'medusa'], methodAliases: {} },
  defaultCommand: ['vllm'],
  placeholders: { model: 'Qwen/Qwen2.5-7B-Instruct', draftModel: 'Qwen/Qwen2.5-0.5B-Instruct' },
  installHint:
    'install vLLM (pip install vllm), give the full path to it (e.g. /opt/venv/bin/vllm) or "python -m vllm.entrypoints.openai.api_server", or try the built-in simulator (spectune sweep --demo)',
  servesOneAtATime: false,
  demo: { persona: '', model: 'Qwen/Qwen2.5-7B-Instruct', draftModels: ['Qwen/Qwen2.5-0.5B-Instruct'], personaArgs: [] },
};

/** vLLM versions look like 0.15.1 / 0.6.3.post1 / 0.11.0rc2; other servers' /version (if any) differ. */
const VLLM_VERSION = /^\d+\.\d+/;
const VersionSchema = z.looseObject({ version: z.string().min(1), simulated: z.boolean().optional() });
const ModelListSchema = z.looseObject({ data: z.array(z.looseObject({ id: z.string() })) });

function json200<S extends z.ZodType>(a: { status: number; json: unknown } | null, schema: S): z.infer<S> | null {
  if (!a || a.status !== 200 || a.json === undefined) return null;
  const r = schema.safeParse(a.json);
  return r.success ? r.data : null;
}

async function identify(ask: Ask): Promise<Identified | null> {
  const [ver, models] = await Promise.all([ask('/version'), ask('/v1/models')]);
  const v = json200(ver, VersionSchema);
  if (!v || !VLLM_VERSION.test(v.version)) return null;
  const list = json200(models, ModelListSchema);
  return { version: v.version, models: list ? list.data.map((m) => m.id) : [], simulated: v.simulated === true, via: '/version' };
}

const toBuild = (v: VllmVersion): EngineBuild => ({ raw: v.raw, facts: { major: v.major, minor: v.minor, patch: v.patch, flagStyle: flagStyle(v) } });

/** The version an EngineBuild came from (argv building needs the numbers back). */
export function vllmVersionOf(build: EngineBuild): VllmVersion {
  const { major, minor, patch } = build.facts;
  if (typeof major === 'number' && typeof minor === 'number') return { major, minor, patch: Number(patch ?? 0), raw: build.raw };
  const parsed = parseVllmVersion(build.raw);
  if (!parsed) throw new SpecTuneError('VERSION_UNKNOWN', `cannot read a vLLM version from "${build.raw}"`);
  return parsed;
}

/** The settings with the configuration's whole setting: its k, its method, and its model only where the method takes one. */
const withK = (s: ServerSettings, c: SpecConfig): ServerSettings => {
  const method = c.method ?? s.method;
  const takesModel = methodTakesDraft(VLLM_DESCRIPTOR.knobs, method ?? null);
  const out: ServerSettings = { ...s, numSpeculativeTokens: c.numSpeculativeTokens ?? s.numSpeculativeTokens, draftModel: c.draftModel ?? s.draftModel, method };
  if (!takesModel) delete out.draftModel;
  if (out.method === undefined) delete out.method;
  return out;
};

/** The setting in vLLM's words: the speculative-config fields of the configuration. */
function vllmSetting(config: SpecConfig, settings: ServerSettings | null): string {
  const k = config.numSpeculativeTokens ?? 0;
  if (k === 0) return 'launch vLLM without --speculative-config';
  const method = config.method ?? settings?.method ?? 'draft_model';
  const model = methodTakesDraft(VLLM_DESCRIPTOR.knobs, method) ? (config.draftModel ?? settings?.draftModel ?? null) : null;
  return `--speculative-config with method ${method}${model ? `, model ${model}` : ' (no draft model needed)'}, num_speculative_tokens = ${k}`;
}

export const vllmEngine: Engine = {
  descriptor: VLLM_DESCRIPTOR,
  probePaths: ['/version', '/v1/models'],
  // vLLM's --api-key defaults to $VLLM_API_KEY: the server and SpecTune read the same variable.
  apiKeyEnv: 'VLLM_API_KEY',
  identify,
  launch: {
    detectBuild: async (command) => toBuild(await queryVllmVersion(command)),
    argv: (settings, config, build) => buildVllmArgv(withK(settings, config), vllmVersionOf(build)),
    managedFlags: {
      '--port': 'port',
      '--host': 'host',
      '--speculative-config': 'numSpeculativeTokens / method / draftModel',
      '--speculative-model': 'draftModel',
      '--num-speculative-tokens': 'numSpeculativeTokens',
    },
    secretPlaceholders: VLLM_SECRET_PLACEHOLDERS,
    outOfMemoryHint: 'lower --gpu-memory-utilization or --max-model-len',
  },
  configurations: (input) => armConfigurations(input, VLLM_DESCRIPTOR.knobs),
  load: {
    batchLimit: (settings) => (settings ? maxNumSeqs(settings.extraArgs) : null),
    planSchedule: (picks) => buildSchedule(picks),
    schedule: ({ entries, settings, build }) => {
      let version: VllmVersion | null = null;
      try {
        version = build ? vllmVersionOf(build) : null;
      } catch {
        // An unreadable version is treated as unknown: no schedule, one k.
      }
      return scheduleSettings(entries, settings, version);
    },
  },
  shapeRequest: (req) => openAiRequest(req),
  acceptance: {
    kind: 'server-counters',
    read: (baseUrl) => readSpecDecodeSnapshot(baseUrl),
    between: acceptanceBetween,
  },
  recommend: ({ config, settings, build }) => {
    const setting = vllmSetting(config, settings);
    if (!settings || !build) return { command: null, argv: null, setting };
    try {
      const argv = buildVllmArgv(withK(settings, config), vllmVersionOf(build));
      return { command: formatCommand(argv), argv, setting };
    } catch {
      return { command: null, argv: null, setting };
    }
  },
};
