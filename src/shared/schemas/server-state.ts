/** Servers as the UI sees them: endpoints and their status, the managed server's state, log lines, sweep progress. */
import { z } from 'zod';
import { defaultEndpoints, ENGINE_IDS, normalizeEngineId } from '../engine-descriptor';
import { ServerSettingsSchema } from './settings';

/** What answers at a URL: an engine (the generic OpenAI-compatible one included), or nothing recognisable. */
export const ServerKindSchema = z.preprocess(
  (v) => (typeof v === 'string' ? normalizeEngineId(v) : v),
  z.enum([...ENGINE_IDS, 'unknown']),
);

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
 * The addresses engines listen on by default, from their identities (engine-descriptor.ts), for the
 * app's status screen, `spectune status` and the CLI's first probe alike. Named by the engines that
 * use the port, because what answers there is told by its API.
 */
export const DEFAULT_ENDPOINTS: Endpoint[] = defaultEndpoints();

export const ServerPhaseSchema = z.enum(['stopped', 'starting', 'ready', 'stopping', 'crashed']);
export type ServerPhase = z.infer<typeof ServerPhaseSchema>;

export const ErrorInfoSchema = z.object({
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
  logTail: z.array(z.string()).optional(),
});

/** The launched server's process as the UI and the sweep see it. */
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
