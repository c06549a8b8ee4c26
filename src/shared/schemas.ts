/**
 * The data contract: every setting, plan, measurement and report shape, as zod
 * schemas with the TypeScript types inferred from them. Anything that crosses a
 * boundary (CLI flags, IPC, HTTP, files on disk) is parsed with one of these.
 */
import { z } from 'zod';
import { SpecTuneError } from './errors';
import { ENGINE_IDS, EngineIdSchema, normalizeEngineId } from './engine-descriptor';

export const SPEC_METHODS = ['draft_model', 'ngram', 'eagle', 'eagle3', 'mtp', 'medusa'] as const;
export const SpecMethodSchema = z.enum(SPEC_METHODS, {
  error: () => `must be one of ${SPEC_METHODS.join(', ')}`,
});
export type SpecMethod = z.infer<typeof SpecMethodSchema>;

/**
 * Ports the fetch standard refuses to connect to ("bad ports"; Node's fetch and Chromium obey it).
 * A server launched there could never be reached: /health would fail until the startup timeout.
 */
export const FETCH_BLOCKED_PORTS: ReadonlySet<number> = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113,
  115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556,
  563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667,
  6668, 6669, 6679, 6697, 10080,
]);

const port = z
  .number({ error: 'must be a whole number from 1 to 65535' })
  .int('must be a whole number from 1 to 65535')
  .min(1, 'must be a whole number from 1 to 65535')
  .max(65535, 'must be a whole number from 1 to 65535')
  .refine((p) => !FETCH_BLOCKED_PORTS.has(p), 'HTTP clients refuse this port (the fetch standard blocks it); choose another, e.g. 8000');

/** An http(s) server URL. Plain z.url() takes "localhost:8000" as a URL with the scheme "localhost:". */
export const HttpUrlSchema = z.url({ protocol: /^https?$/, error: 'must be a URL like http://127.0.0.1:8000' });

/** k = 0 means no speculation (the baseline). */
export const NumSpecTokensSchema = z
  .number({ error: 'must be a whole number from 0 (baseline) to 32' })
  .int('must be a whole number from 0 (baseline) to 32')
  .min(0, 'must be a whole number from 0 (baseline) to 32')
  .max(32, 'must be a whole number from 0 (baseline) to 32');

/** Requests kept in flight at once (one load level). 1024 is far past any single server's batch. */
export const MAX_CONCURRENCY = 1024;
export const ConcurrencySchema = z
  .number({ error: `concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}` })
  .int(`concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, e.g. 1,8,32`)
  .min(1, `concurrency must be a whole number from 1 to ${MAX_CONCURRENCY} (1 = one request at a time)`)
  .max(MAX_CONCURRENCY, `concurrency above ${MAX_CONCURRENCY} measures the client, not the server: give at most ${MAX_CONCURRENCY}`);

/** vLLM's per-batch-size draft lengths: [start_bs, end_bs, K], K = 0 disables speculation in that range. */
export const ScheduleEntrySchema = z.tuple([ConcurrencySchema, ConcurrencySchema, NumSpecTokensSchema]);
export type ScheduleEntry = z.infer<typeof ScheduleEntrySchema>;

/** Model names and paths: long enough for any real path, short enough that a paste accident is caught. */
const modelName = (what: string) =>
  z.string().trim().min(1, what).max(1024, 'is longer than 1024 characters: paste the model name or path only');

/** How to launch a server (vLLM, llama-server, mlx_lm.server, the embedded engine). One object for the CLI, the app, presets and reports. */
export const ServerSettingsSchema = z
  .object({
    /** Which engine the command runs; its folder in src/engines builds the argv. */
    engine: EngineIdSchema.default('vllm'),
    /** The engine command as words, never a shell string: ['vllm'], ['/opt/venv/bin/vllm'],
     *  ['python', '-m', 'vllm.entrypoints.openai.api_server'], ['llama-server']. */
    command: z.array(z.string().min(1)).min(1, 'give the server command, e.g. "vllm" or "llama-server"').default(['vllm']),
    model: modelName('give the model to serve, e.g. "Qwen/Qwen2.5-7B-Instruct" (llama.cpp: a .gguf path)'),
    /** Draft model for draft-model speculation. */
    draftModel: modelName('give the draft model, or leave it out').optional(),
    /** Speculation method; defaults to draft_model when a draft model is given. */
    method: SpecMethodSchema.optional(),
    numSpeculativeTokens: NumSpecTokensSchema.default(0),
    /** n-gram lookup window (ngram only). */
    ngramPromptLookupMax: z.number().int().min(1).max(16).optional(),
    ngramPromptLookupMin: z.number().int().min(1).max(16).optional(),
    host: z.string().min(1).default('127.0.0.1'),
    port: port.default(8000),
    gpuMemoryUtilization: z
      .number({ error: 'must be a fraction between 0 and 1, e.g. 0.9' })
      .gt(0, 'must be a fraction between 0 and 1, e.g. 0.9')
      .max(1, 'must be a fraction between 0 and 1, e.g. 0.9')
      .optional(),
    tensorParallelSize: z.number().int().min(1, 'must be 1 or more (number of GPUs)').max(64).optional(),
    maxModelLen: z.number().int().min(16).optional(),
    /** Passed through verbatim, after the flags SpecTune writes. */
    extraArgs: z.array(z.string()).default([]),
    /** Real vLLM can take minutes to load weights and compile graphs. */
    startupTimeoutMs: z.number().int().min(1000).max(3_600_000).default(900_000),
    /** Grace period between SIGTERM and SIGKILL on stop. */
    stopGraceMs: z.number().int().min(100).max(120_000).default(10_000),
    /** Extra environment for the server process (e.g. CUDA_VISIBLE_DEVICES). */
    env: z.record(z.string(), z.string()).default({}),
    /**
     * Draft length per batch size (vLLM >= 0.24 `num_speculative_tokens_per_batch_size`); k above is the
     * largest K. Engines without such a setting refuse it when building the argv.
     */
    speculativeSchedule: z.array(ScheduleEntrySchema).min(1).max(64).optional(),
  })
  .superRefine((s, ctx) => {
    for (const [i, [start, end, k]] of (s.speculativeSchedule ?? []).entries()) {
      if (start > end) ctx.addIssue({ code: 'custom', path: ['speculativeSchedule', i], message: `range starts at batch ${start} after its end ${end}: write [start, end, K] with start <= end` });
      if (k > s.numSpeculativeTokens) {
        ctx.addIssue({ code: 'custom', path: ['speculativeSchedule', i], message: `K ${k} is above numSpeculativeTokens ${s.numSpeculativeTokens}: each K must be at most the launch's k` });
      }
    }
    if (s.method === 'draft_model' && !s.draftModel) {
      ctx.addIssue({ code: 'custom', path: ['draftModel'], message: 'method draft_model needs a draft model; give draftModel or pick ngram/eagle' });
    }
    if (s.numSpeculativeTokens > 0 && !s.draftModel && !s.method) {
      ctx.addIssue({
        code: 'custom',
        path: ['method'],
        message: 'speculation (k > 0) needs a draft model or a method (ngram, eagle, eagle3, mtp, medusa)',
      });
    }
    if (s.draftModel && (s.method === 'ngram' || s.method === 'mtp')) {
      ctx.addIssue({
        code: 'custom',
        path: ['draftModel'],
        message: `method ${s.method} uses no draft model (${s.method === 'ngram' ? 'it looks tokens up in the prompt' : 'the target model drafts with its own MTP heads'}); drop the draft model or pick draft_model/eagle`,
      });
    }
  });
export type ServerSettings = z.infer<typeof ServerSettingsSchema>;
export type ServerSettingsInput = z.input<typeof ServerSettingsSchema>;

/** Effective method for settings with k > 0. */
export function effectiveMethod(s: Pick<ServerSettings, 'method' | 'draftModel'>): SpecMethod | undefined {
  return s.method ?? (s.draftModel ? 'draft_model' : undefined);
}

export const PromptDefSchema = z.object({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'use 1-40 lowercase letters, digits, "-" or "_", e.g. "sql-review"'),
  label: z.string().min(1).max(80),
  description: z.string().max(200).default(''),
  prompt: z.string().min(1, 'the prompt text is empty').max(20_000),
  expectedTokens: z.number().int().positive().optional(),
});
export type PromptDef = z.infer<typeof PromptDefSchema>;

export const SystemPromptDefSchema = PromptDefSchema.omit({ expectedTokens: true }).extend({
  prompt: z.string().max(20_000),
});
export type SystemPromptDef = z.infer<typeof SystemPromptDefSchema>;

/** The file `--prompts FILE` reads: custom prompt types and system prompts. */
export const CustomPromptsFileSchema = z.object({
  promptTypes: z.array(PromptDefSchema).default([]),
  systemPrompts: z.array(SystemPromptDefSchema).default([]),
});
export type CustomPromptsFile = z.infer<typeof CustomPromptsFileSchema>;

export const ApiKindSchema = z.enum(['chat', 'completions']);
export type ApiKind = z.infer<typeof ApiKindSchema>;

export const SweepStrategySchema = z.enum(['adaptive', 'exhaustive'], { error: 'strategy must be "adaptive" or "exhaustive"' });
export type SweepStrategyKind = z.infer<typeof SweepStrategySchema>;

/** What a sweep does. Managed: SpecTune launches vLLM for each k. Attached: one server, as it runs. */
export const SweepPlanSchema = z
  .object({
    mode: z.enum(['managed', 'attached']),
    /** Managed mode: how to launch; k is set per configuration. */
    server: ServerSettingsSchema.optional(),
    /** Attached mode: the running server's base URL, e.g. http://127.0.0.1:8000. */
    url: HttpUrlSchema.optional(),
    /** The engine measured; attached mode detects it from the server's API when not given. */
    engine: EngineIdSchema.optional(),
    /** Model name for requests; default: the first of /v1/models. */
    model: z.string().max(1024).optional(),
    /** Draft models compared per request (engines that swap drafts per request, e.g. LM Studio). */
    draftModels: z.array(z.string().trim().min(1).max(1024)).max(16, 'compare at most 16 draft models at once').default([]),
    tokens: z
      .array(NumSpecTokensSchema)
      .min(1, 'give at least one k, e.g. 0,3,5,7')
      .refine((t) => new Set(t).size === t.length, 'each k only once'),
    promptTypes: z.array(z.string()).min(1, 'pick at least one prompt type'),
    systemPrompts: z.array(z.string()).min(1, 'pick at least one system prompt'),
    customPrompts: z.array(PromptDefSchema).default([]),
    customSystemPrompts: z.array(SystemPromptDefSchema).default([]),
    repeats: z.number().int().min(1, 'repeats must be 1 or more').max(100).default(3),
    maxTokens: z.number().int().min(1, 'max tokens must be 1 or more').max(32_768).default(256),
    temperature: z.number().min(0).max(2).default(0),
    seed: z.number().int().default(1234),
    ignoreEos: z.boolean().default(false),
    api: ApiKindSchema.default('chat'),
    warmup: z.boolean().default(true),
    connectTimeoutMs: z.number().int().min(100).default(10_000),
    /** No byte from the server for this long during a stream = stalled. */
    stallTimeoutMs: z.number().int().min(100).default(60_000),
    /** Set by the sweep for attached engines that change k per request or by reload (Ollama, LM Studio), never by users. */
    attachedChangesK: z.boolean().optional(),
    /** adaptive: predict the k-curve, measure only what decides; exhaustive: every k. Default: adaptive when more than three k > 0. */
    strategy: SweepStrategySchema.optional(),
    /** Load levels: requests kept in flight at once (closed loop), each measured for every configuration. */
    concurrency: z
      .array(ConcurrencySchema)
      .min(1, 'give at least one concurrency level, e.g. 1 or 1,8,32')
      .max(16, 'give at most 16 concurrency levels')
      .refine((c) => new Set(c).size === c.length, 'each concurrency level only once')
      .default([1]),
    /** The level the overall recommendation is for; default: the lowest level measured. */
    targetConcurrency: ConcurrencySchema.optional(),
  })
  .superRefine((p, ctx) => {
    if (p.mode === 'managed' && !p.server) ctx.addIssue({ code: 'custom', path: ['server'], message: 'managed mode needs server settings (model, command)' });
    if (p.mode === 'attached' && !p.url) ctx.addIssue({ code: 'custom', path: ['url'], message: 'attached mode needs the server URL' });
    if (p.mode === 'attached' && p.tokens.length !== 1 && p.attachedChangesK !== true) {
      ctx.addIssue({
        code: 'custom',
        path: ['tokens'],
        message: 'attached mode measures one running server as it is: give the single k it was launched with (0 = no speculation), or launch vLLM through SpecTune to compare several',
      });
    }
    if (p.targetConcurrency !== undefined && !p.concurrency.includes(p.targetConcurrency)) {
      ctx.addIssue({
        code: 'custom',
        path: ['targetConcurrency'],
        message: `target concurrency ${p.targetConcurrency} is not among the measured levels (${p.concurrency.join(',')}): add it to the concurrency list or pick one of them`,
      });
    }
    // Checked here, not only when k > 0 is launched: otherwise the whole baseline runs before the error.
    if (p.mode === 'managed' && p.server && !p.server.draftModel && !p.server.method && p.tokens.some((k) => k > 0)) {
      ctx.addIssue({
        code: 'custom',
        path: ['server', 'method'],
        message: 'k > 0 needs a draft model or a method (ngram, eagle, eagle3, mtp, medusa); give one, or sweep only k = 0',
      });
    }
  });
export type SweepPlan = z.infer<typeof SweepPlanSchema>;
export type SweepPlanInput = z.input<typeof SweepPlanSchema>;

export const InterChunkStatsSchema = z.object({
  count: z.number().int(),
  medianSeconds: z.number().nullable(),
  p95Seconds: z.number().nullable(),
  /** Absent in reports written before load levels. */
  p99Seconds: z.number().nullable().optional(),
  maxSeconds: z.number().nullable(),
});
export type InterChunkStats = z.infer<typeof InterChunkStatsSchema>;

/** What the bench client measures for one streamed request. */
export const RequestMetricsSchema = z.object({
  ttftSeconds: z.number(),
  totalSeconds: z.number(),
  completionTokens: z.number().int(),
  promptTokens: z.number().int().nullable(),
  /** True when the server sent no usage and tokens were counted from chunks. */
  tokensEstimated: z.boolean(),
  /** completion tokens / end-to-end seconds */
  tokensPerSecond: z.number(),
  /** (completion tokens - 1) / (end - first token) */
  decodeTokensPerSecond: z.number().nullable(),
  chunkCount: z.number().int(),
  interChunk: InterChunkStatsSchema,
  finishReason: z.string().nullable(),
  /** sha256 of the output text, to compare outputs across k at temperature 0. */
  outputHash: z.string(),
  outputChars: z.number().int(),
});
export type RequestMetrics = z.infer<typeof RequestMetricsSchema>;

/** One row of the sweep: one request at one configuration. */
export const MeasurementSchema = z.object({
  /** null: the engine's own draft length, which SpecTune does not set (LM Studio). */
  numSpeculativeTokens: NumSpecTokensSchema.nullable(),
  /** The draft model of this configuration, where configurations differ by draft model. */
  draftModel: z.string().nullable().optional(),
  promptType: z.string(),
  systemPrompt: z.string(),
  /** At concurrency above 1: the round (one pass over the prompt matrix) this request belongs to. */
  repeat: z.number().int().min(0),
  /** Requests in flight while this one ran (its load level); absent = 1 (reports before load levels). */
  concurrency: z.number().int().min(1).optional(),
  startedAt: z.string(),
  ok: z.boolean(),
  error: z.string().optional(),
  metrics: RequestMetricsSchema.optional(),
});
export type Measurement = z.infer<typeof MeasurementSchema>;

/** Spec-decode counters from /metrics over one configuration's requests. */
export const AcceptanceStatsSchema = z.object({
  /** v1-counters / v0-gauges: /metrics; per-response: each answer's own draft counts (llama.cpp timings, LM Studio stats). */
  source: z.enum(['v1-counters', 'v0-gauges', 'per-response', 'none']),
  drafts: z.number().nullable(),
  draftTokens: z.number().nullable(),
  acceptedTokens: z.number().nullable(),
  acceptanceRate: z.number().nullable(),
  meanAcceptanceLength: z.number().nullable(),
  perPositionAcceptance: z.array(z.number()),
});
export type AcceptanceStats = z.infer<typeof AcceptanceStatsSchema>;

export const CISchema = z.tuple([z.number(), z.number()]).nullable();

/** An unmeasured configuration's predicted figure and what it rests on (adaptive sweeps). */
export const PredictionSchema = z.object({
  tokensPerSecond: z.number(),
  interval: z.tuple([z.number(), z.number()]),
  /** The measured k whose step times it interpolates (or extrapolates) between. */
  basedOnK: z.array(z.number().int()),
  /** The measured k whose per-position acceptance gave the expected tokens per step; null: interpolated tokens/s only. */
  acceptanceFromK: z.number().int().nullable(),
  method: z.enum(['per-position-acceptance', 'interpolation']),
});
export type Prediction = z.infer<typeof PredictionSchema>;

/** Latency percentiles of one (configuration, load level) cell, in seconds; null where nothing was measured. */
export const LatencySchema = z.object({
  ttftP50: z.number().nullable(),
  ttftP99: z.number().nullable(),
  /**
   * Inter-token latency: gaps between streamed chunks (a chunk can carry several accepted tokens).
   * TTFT p50/p99 are pooled over the cell's requests; ITL p50 is the median of the per-request medians
   * and ITL p99 the p99 of the per-request p99s (only each request's summary of its gaps is kept).
   */
  itlP50: z.number().nullable(),
  itlP99: z.number().nullable(),
});
export type Latency = z.infer<typeof LatencySchema>;

export const ConfigurationResultSchema = z.object({
  engine: EngineIdSchema.optional(),
  numSpeculativeTokens: NumSpecTokensSchema.nullable(),
  draftModel: z.string().nullable().optional(),
  label: z.string(),
  failed: z.boolean(),
  error: z.string().optional(),
  requests: z.number().int(),
  errors: z.number().int(),
  tokensPerSecond: z.number().nullable(),
  /** 95% interval of the median, resampled within each prompt (the mix is fixed across configurations, so it is not noise). */
  tokensPerSecondCI: CISchema,
  /** 10th–90th percentile of single requests over the whole prompt mix: the pooled spread, not a precision. */
  tokensPerSecondSpread: CISchema.optional(),
  /** As fast as the fastest configuration within the noise (its paired interval includes no gain, or ≤ 1%); true for the fastest itself. */
  tiesWithBest: z.boolean().optional(),
  meanTokensPerSecond: z.number().nullable(),
  totalSeconds: z.number().nullable(),
  ttftSeconds: z.number().nullable(),
  decodeTokensPerSecond: z.number().nullable(),
  speedupPercent: z.number().nullable(),
  speedupPercentCI: CISchema,
  acceptanceRate: z.number().nullable(),
  meanAcceptanceLength: z.number().nullable(),
  perPositionAcceptance: z.array(z.number()),
  acceptance: AcceptanceStatsSchema.optional(),
  /** Where acceptance came from, or why there is none ("not reported by mlx_lm"). */
  acceptanceSource: z.string().optional(),
  /** At temperature 0: share of requests whose output equals the baseline's (null without a baseline). */
  outputMatchRate: z.number().nullable(),
  /** Expected speedup from Leviathan et al. given the measured acceptance, for explanation. */
  theoreticalSpeedupPercent: z.number().nullable(),
  /** Adaptive sweeps: true = never measured (requests 0, tokensPerSecond null; the figure is in `prediction`). */
  predicted: z.boolean().optional(),
  prediction: PredictionSchema.optional(),
  /** The load level of this entry: requests kept in flight (absent = 1, reports before load levels). */
  concurrency: z.number().int().min(1).optional(),
  /** Output tokens/s of the whole server over the steady window (all requests in flight together). */
  aggregateTokensPerSecond: z.number().nullable().optional(),
  /** Length of the steady window the figures come from (warm-up, ramp-up and drain excluded). */
  steadyWindowSeconds: z.number().nullable().optional(),
  latency: LatencySchema.optional(),
  /** One score per round (a pass over the prompt matrix at this level): its aggregate tokens/s. */
  roundScores: z.array(z.number()).optional(),
  /** median − 1.4826 × MAD of roundScores: the conservative score a level's decision compares. */
  conservativeScore: z.number().nullable().optional(),
  /** Round scores spread more than 10% of their median (1.4826 × MAD): not trusted for the decision. */
  unstable: z.boolean().optional(),
});
export type ConfigurationResult = z.infer<typeof ConfigurationResultSchema>;

export const GroupComparisonSchema = z.object({
  id: z.string(),
  label: z.string(),
  baselineTokensPerSecond: z.number().nullable(),
  /** per k > 0: median tokens/s and speedup vs this group's baseline */
  byTokens: z.array(
    z.object({
      numSpeculativeTokens: z.number().int().nullable(),
      draftModel: z.string().nullable().optional(),
      tokensPerSecond: z.number().nullable(),
      speedupPercent: z.number().nullable(),
      outputMatchRate: z.number().nullable(),
    }),
  ),
  /** the best k > 0 for this group */
  bestNumSpeculativeTokens: z.number().int().nullable(),
  bestDraftModel: z.string().nullable().optional(),
  speculativeTokensPerSecond: z.number().nullable(),
  speedupPercent: z.number().nullable(),
});
export type GroupComparison = z.infer<typeof GroupComparisonSchema>;


export const ConfidenceSchema = z.enum(['high', 'medium', 'low']);

/** The pick at one load level. */
export const LevelPickSchema = z.object({
  concurrency: z.number().int().min(1),
  numSpeculativeTokens: z.number().int().nullable(),
  draftModel: z.string().nullable().optional(),
  /** Per-request median tokens/s of the pick at this level. */
  tokensPerSecond: z.number().nullable(),
  aggregateTokensPerSecond: z.number().nullable(),
  /** vs the baseline (k = 0) at the same level; null without one. */
  speedupPercent: z.number().nullable(),
  conservativeScore: z.number().nullable(),
  /** The pick's own round scores were unstable, or every candidate was. */
  unstable: z.boolean(),
  confidence: ConfidenceSchema,
  reason: z.string(),
});
export type LevelPick = z.infer<typeof LevelPickSchema>;

/** A per-batch-size draft length schedule built from the level picks (engines that take one: vLLM >= 0.24). */
export const ScheduleRecommendationSchema = z.object({
  entries: z.array(ScheduleEntrySchema),
  /** The launch's num_speculative_tokens (the largest K). */
  numSpeculativeTokens: z.number().int(),
  /** true: a launch with the schedule was measured once per level and held up; false: it did not (see note); null: not confirmed. */
  confirmed: z.boolean().nullable(),
  /** What it rests on, the largest level deciding every larger batch, and caveats (draft models, fallbacks). */
  note: z.string(),
  /** The startup line with the schedule (only when recommended). */
  command: z.string().nullable(),
  argv: z.array(z.string()).nullable(),
});
export type ScheduleRecommendation = z.infer<typeof ScheduleRecommendationSchema>;

export const RecommendationSchema = z.object({
  engine: EngineIdSchema.optional(),
  numSpeculativeTokens: z.number().int().nullable(),
  draftModel: z.string().nullable().optional(),
  /** The setting in the engine's own words, for engines with no startup line (Ollama, LM Studio). */
  setting: z.string().optional(),
  tokensPerSecond: z.number().nullable(),
  speedupPercent: z.number().nullable(),
  confidence: ConfidenceSchema,
  /** A sentence: why this k, how sure. */
  reason: z.string(),
  /** Copy-paste startup command (managed mode; attached mode: null when the launch is unknown). */
  command: z.string().nullable(),
  /** argv of that command, for "Apply". */
  argv: z.array(z.string()).nullable(),
  /** The load level this recommendation is for (--target-concurrency; absent = 1). */
  concurrency: z.number().int().min(1).optional(),
  /** One pick per measured load level, lowest first (absent in reports before load levels). */
  byConcurrency: z.array(LevelPickSchema).optional(),
  /** Engines that take a draft length per batch size: the schedule from the level picks. */
  schedule: ScheduleRecommendationSchema.optional(),
});
export type Recommendation = z.infer<typeof RecommendationSchema>;

export const WarningSchema = z.object({
  kind: z.enum(['acceptance-not-reported', 'no-drafting', 'queueing', 'negative-speedup', 'connection-errors', 'low-throughput', 'output-mismatch', 'config-failed', 'no-baseline', 'estimated-tokens', 'simulated', 'speculation-mismatch', 'unstable', 'client-cpu', 'concurrency-unsupported', 'batch-limit', 'schedule']),
  message: z.string(),
  numSpeculativeTokens: z.number().int().nullable().optional(),
  concurrency: z.number().int().optional(),
});
export type Warning = z.infer<typeof WarningSchema>;

/** What answers at a URL: an engine SpecTune knows, a plain OpenAI-compatible server, or nothing recognisable. */
export const ServerKindSchema = z.preprocess(
  (v) => (typeof v === 'string' ? normalizeEngineId(v) : v),
  z.enum([...ENGINE_IDS, 'openai', 'unknown']),
);
export type ServerKind = z.infer<typeof ServerKindSchema>;

export const ReportServerSchema = z.object({
  kind: ServerKindSchema,
  url: z.string(),
  model: z.string().nullable(),
  draftModel: z.string().nullable(),
  method: SpecMethodSchema.nullable(),
  vllmVersion: z.string().nullable(),
  simulated: z.boolean(),
  command: z.array(z.string()).nullable(),
});

/** What an adaptive sweep saved against measuring every k. */
export const AdaptiveSummarySchema = z.object({
  strategy: SweepStrategySchema,
  /** Server launches (restarts) this sweep made; 0 for an attached server. */
  launches: z.number().int(),
  requests: z.number().int(),
  exhaustiveLaunches: z.number().int(),
  exhaustiveRequests: z.number().int(),
  /** Why the sweep stopped measuring (adaptive), or null (exhaustive: every k). */
  decidedBecause: z.string().nullable(),
  /** How the unmeasured k were predicted. */
  predictionNote: z.string().nullable().optional(),
});
export type AdaptiveSummary = z.infer<typeof AdaptiveSummarySchema>;

export const REPORT_SCHEMA_VERSION = 1;

export const ReportSchema = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  createdAt: z.string(),
  /** The run that wrote this report; every line of its JSONL log carries the same id. */
  runId: z.string().min(1).optional(),
  finishedAt: z.string().nullable(),
  status: z.enum(['complete', 'cancelled', 'partial']),
  tool: z.object({ name: z.literal('spectune'), version: z.string() }),
  server: ReportServerSchema,
  plan: z.record(z.string(), z.unknown()),
  measurements: z.array(MeasurementSchema),
  configurations: z.array(ConfigurationResultSchema),
  byPromptType: z.array(GroupComparisonSchema),
  bySystemPrompt: z.array(GroupComparisonSchema),
  recommendation: RecommendationSchema.nullable(),
  bestUseCase: z.object({ promptType: z.string(), label: z.string(), speedupPercent: z.number() }).nullable(),
  /** Leviathan et al. fitted to the measurements: per-token acceptance, draft cost ratio, predicted best k. */
  theory: z
    .object({ alpha: z.number(), costRatio: z.number(), predictedOptimalK: z.number().int(), note: z.string() })
.nullable(),
  warnings: z.array(WarningSchema),
  /** Which k were measured and why the sweep stopped (absent in reports before adaptive sweeps). */
  adaptive: AdaptiveSummarySchema.optional(),
});
export type Report = z.infer<typeof ReportSchema>;

/** Where a server is, as a user names it. */
export const EndpointSchema = z.object({
  name: z.string().min(1).max(60),
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL like http://127.0.0.1:8000' }),
});
export type Endpoint = z.infer<typeof EndpointSchema>;

export const EndpointStatusSchema = z.object({
  name: z.string(),
  url: z.string(),
  running: z.boolean(),
  /** Why not running: 'Connection refused', 'timeout', 'HTTP 500', ... */
  reason: z.string().nullable(),
  kind: ServerKindSchema,
  version: z.string().nullable(),
  models: z.array(z.string()),
  simulated: z.boolean(),
  latencyMs: z.number().nullable(),
});
export type EndpointStatus = z.infer<typeof EndpointStatusSchema>;

/**
 * The ports engines listen on by default. Named by port, because what answers there is told by
 * its API: the status says which engine it really is (the seed guide's "MLX server" on :11434 is
 * Ollama, which runs an MLX engine on Apple Silicon).
 */
export const DEFAULT_ENDPOINTS: Endpoint[] = [
  { name: 'vLLM default', url: 'http://127.0.0.1:8000' },
  { name: 'LM Studio default', url: 'http://127.0.0.1:1234' },
  { name: 'Ollama default', url: 'http://127.0.0.1:11434' },
  { name: 'llama-server / mlx_lm default', url: 'http://127.0.0.1:8080' },
  { name: 'llama-server announced default', url: 'http://127.0.0.1:9931' },
];

export const ServerPhaseSchema = z.enum(['stopped', 'starting', 'ready', 'stopping', 'crashed']);
export type ServerPhase = z.infer<typeof ServerPhaseSchema>;

export const ErrorInfoSchema = z.object({
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
  logTail: z.array(z.string()).optional(),
});

/** The managed vLLM process as the UI and the sweep see it. */
export const ServerStateSchema = z.object({
  phase: ServerPhaseSchema,
  pid: z.number().nullable(),
  url: z.string().nullable(),
  settings: ServerSettingsSchema.nullable(),
  version: z.string().nullable(),
  models: z.array(z.string()),
  simulated: z.boolean(),
  startedAt: z.string().nullable(),
  readyAt: z.string().nullable(),
  error: ErrorInfoSchema.nullable(),
  exit: z.object({ code: z.number().nullable(), signal: z.string().nullable() }).nullable(),
});
export type ServerState = z.infer<typeof ServerStateSchema>;

/** A server that is not running and never ran. */
export const STOPPED_SERVER_STATE: ServerState = Object.freeze({
  phase: 'stopped',
  pid: null,
  url: null,
  settings: null,
  version: null,
  models: [],
  simulated: false,
  startedAt: null,
  readyAt: null,
  error: null,
  exit: null,
}) as ServerState;

export const LogLineSchema = z.object({
  stream: z.enum(['stdout', 'stderr', 'spectune']),
  line: z.string(),
  at: z.string(),
});
export type LogLine = z.infer<typeof LogLineSchema>;

export const SweepProgressSchema = z.object({
  phase: z.enum(['starting-server', 'warmup', 'measuring', 'reading-metrics', 'done', 'cancelled']),
  done: z.number().int(),
  total: z.number().int(),
  /** Seconds left: requests left at the request pace, plus restarts left at their cost so far; null until one request finished. */
  etaSeconds: z.number().nullable(),
  elapsedSeconds: z.number(),
  numSpeculativeTokens: z.number().int().nullable(),
  configIndex: z.number().int(),
  configCount: z.number().int(),
  promptType: z.string().nullable(),
  systemPrompt: z.string().nullable(),
  repeat: z.number().int().nullable(),
  /** The load level being measured (absent: 1). */
  concurrency: z.number().int().nullable().optional(),
});
export type SweepProgress = z.infer<typeof SweepProgressSchema>;

/** Zod error → one line naming each bad field and what to do. */
export function formatZodError(err: z.ZodError, prefix = ''): string {
  return err.issues
    .map((i) => {
      const path = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
      return path ? `${path}: ${i.message}` : i.message;
    })
    .join('; ');
}

/** Parse or throw a SpecTuneError naming every bad field. `what` prefixes the field path. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what = ''): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new SpecTuneError('INVALID_INPUT', formatZodError(r.error, what));
  return r.data;
}
