/** What one request and one configuration measured: request metrics, acceptance, predictions, latency. */
import { z } from 'zod';
import { NumSpecTokensSchema } from './settings';

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
  /** The configuration's method in the engine's words, where it names one. */
  method: z.string().nullable().optional(),
  /** The configuration's confidence cut-off, where it has one. */
  draftPMin: z.number().nullable().optional(),
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
  /**
   * Verification steps behind the totals, where the engine does not count drafts: each step emits its
   * accepted run plus one token, so steps = completion tokens − 1 − accepted, summed over the answers.
   */
  steps: z.number().nullable().optional(),
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
  /** Why the search did not measure it (behind the pick, its arm dropped, or the caps). */
  why: z.string().optional(),
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
