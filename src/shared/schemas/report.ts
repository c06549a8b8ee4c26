/** The versioned report: per-configuration results, group comparisons, picks, recommendation, warnings. */
import { z } from 'zod';
import { EngineIdSchema } from '../engine-descriptor';
import { NumSpecTokensSchema, ScheduleEntrySchema } from './settings';
import { SweepStrategySchema } from './plan';
import { AcceptanceStatsSchema, CISchema, LatencySchema, MeasurementSchema, PredictionSchema } from './measurement';
import { ServerKindSchema } from './server-state';

export const ConfigurationResultSchema = z.object({
  engine: EngineIdSchema.optional(),
  numSpeculativeTokens: NumSpecTokensSchema.nullable(),
  draftModel: z.string().nullable().optional(),
  /** The method in the engine's own words (null: the engine's default; reports before version 3 have none). */
  method: z.string().nullable().default(null),
  /** The draft's confidence cut-off (null: the engine has none, or the method drafts without a model). */
  draftPMin: z.number().nullable().default(null),
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
  /** With latency bounds (plan.slo): whether this entry may be picked at its level, and which bound it exceeds. */
  slo: z.object({ eligible: z.boolean(), reason: z.string().nullable() }).optional(),
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
      method: z.string().nullable().optional(),
      draftPMin: z.number().nullable().optional(),
      tokensPerSecond: z.number().nullable(),
      speedupPercent: z.number().nullable(),
      outputMatchRate: z.number().nullable(),
    }),
  ),
  /** the best k > 0 for this group */
  bestNumSpeculativeTokens: z.number().int().nullable(),
  bestDraftModel: z.string().nullable().optional(),
  /** The best setting's method and cut-off, where it has them (runs comparing methods or cut-offs). */
  bestMethod: z.string().nullable().optional(),
  bestDraftPMin: z.number().nullable().optional(),
  speculativeTokensPerSecond: z.number().nullable(),
  speedupPercent: z.number().nullable(),
  /** Where a rule other than "the fastest" chose this group's best (a tie to the cheaper setting, samples too few to separate): which, in words. */
  bestNote: z.string().nullable().optional(),
});
export type GroupComparison = z.infer<typeof GroupComparisonSchema>;

export const ConfidenceSchema = z.enum(['high', 'medium', 'low']);

/** The pick at one load level. */
export const LevelPickSchema = z.object({
  concurrency: z.number().int().min(1),
  numSpeculativeTokens: z.number().int().nullable(),
  draftModel: z.string().nullable().optional(),
  method: z.string().nullable().optional(),
  draftPMin: z.number().nullable().optional(),
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

export const RecommendationSchema = z.object({
  engine: EngineIdSchema.optional(),
  numSpeculativeTokens: z.number().int().nullable(),
  draftModel: z.string().nullable().optional(),
  /** The method in the engine's own words (null: the engine's default; reports before version 3 have none). */
  method: z.string().nullable().default(null),
  /** The draft's confidence cut-off (null: the engine has none, or the method drafts without a model). */
  draftPMin: z.number().nullable().default(null),
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
  kind: z.enum(['acceptance-not-reported', 'no-drafting', 'queueing', 'negative-speedup', 'connection-errors', 'low-throughput', 'output-mismatch', 'config-failed', 'no-baseline', 'estimated-tokens', 'simulated', 'speculation-mismatch', 'unstable', 'client-cpu', 'concurrency-unsupported', 'batch-limit', 'schedule', 'edge-of-grid']),
  message: z.string(),
  numSpeculativeTokens: z.number().int().nullable().optional(),
  concurrency: z.number().int().optional(),
});
export type Warning = z.infer<typeof WarningSchema>;

export const ReportServerSchema = z.object({
  kind: ServerKindSchema,
  url: z.string(),
  model: z.string().nullable(),
  draftModel: z.string().nullable(),
  /** The launch's method in the engine's words (a sweep over methods has one per configuration). */
  method: z.string().nullable(),
  /** The engine's version as it reports it ("0.15.1", "b6123 (abc123)"); null where it reports none. */
  engineVersion: z.string().nullable(),
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

/** A setting as the decision names it. */
export const SettingRefSchema = z.object({
  numSpeculativeTokens: z.number().int().nullable(),
  draftModel: z.string().nullable().optional(),
  method: z.string().nullable().optional(),
  draftPMin: z.number().nullable().optional(),
});
export type SettingRef = z.infer<typeof SettingRefSchema>;

/**
 * How one load level was decided: what was measured and what only predicted, the extra rounds
 * the decision took, and why it stopped — separated (the pick is faster beyond the noise), tie
 * (within 1%: the cheaper setting), cap (--max-repeats or the search's caps left it open), budget
 * (a setting that could still win was left unmeasured by the caps), single (one setting).
 */
export const LevelDecisionSchema = z.object({
  concurrency: z.number().int().min(1),
  strategy: SweepStrategySchema,
  measured: z.array(SettingRefSchema),
  predicted: z.array(SettingRefSchema),
  extraRounds: z.array(SettingRefSchema.extend({ rounds: z.number().int().min(1) })),
  stoppedBecause: z.enum(['separated', 'tie', 'cap', 'budget', 'single', 'none']),
  confidence: ConfidenceSchema,
  /** The comparison that decided it: the leader over its closest rival (or over the pick it tied with). */
  comparison: z
    .object({
      a: SettingRefSchema,
      b: SettingRefSchema,
      ratio: z.number(),
      /** Widened for the looks the decision could take; null: no noise estimate. */
      interval: z.tuple([z.number(), z.number()]).nullable(),
      looks: z.number().int().min(1),
    })
    .nullable(),
  /** In words: "decided after 2 extra rounds of k=4 and k=6", or why it could not be. */
  summary: z.string(),
});
export type LevelDecision = z.infer<typeof LevelDecisionSchema>;

/**
 * 2: server.vllmVersion became server.engineVersion (it always held any engine's version).
 * 3: configurations and the recommendation carry the whole setting (method, draftPMin; null in older reports).
 */
export const REPORT_SCHEMA_VERSION = 3;

/** The report as SpecTune writes it now (what the published JSON Schema describes). */
export const CurrentReportSchema = z.object({
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
  /** How each load level was decided, lowest first (absent in reports before the search). */
  decision: z.array(LevelDecisionSchema).optional(),
});

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * An older report as the current version: version 1's `server.vllmVersion` is `server.engineVersion`;
 * version 2 has no method or cut-off per configuration (the schema's null defaults fill them).
 * Anything else is left for the schema to judge.
 */
export function upgradeReport(v: unknown): unknown {
  if (!isRecord(v) || (v.schemaVersion !== 1 && v.schemaVersion !== 2)) return v;
  if (v.schemaVersion === 2 || !isRecord(v.server)) return { ...v, schemaVersion: REPORT_SCHEMA_VERSION };
  const { vllmVersion, ...server } = v.server;
  return { ...v, schemaVersion: REPORT_SCHEMA_VERSION, server: { ...server, engineVersion: server.engineVersion ?? vllmVersion ?? null } };
}

/** Any report SpecTune can read (version 1, 2 or 3), as the current version. */
export const ReportSchema = z.preprocess(upgradeReport, CurrentReportSchema);
export type Report = z.infer<typeof CurrentReportSchema>;
