/**
 * The one interface every engine implements. The sweep, the launcher, the
 * status probe and the recommendation ask the engine; nothing outside
 * src/engines/<id>/ branches on an engine's name.
 *
 * An engine answers:
 * - identify: is the server at this URL me? (by its API, never its port)
 * - launch (launched engines): which build is installed, the argv for a configuration (pure)
 * - configurations: what a sweep compares (k values, or draft models swapped per request)
 * - shapeRequest: the HTTP request for one prompt at one configuration (per-request k or draft)
 * - acceptance: where draft statistics come from (server counters, each response, or nowhere)
 * - recommend: the exact startup line or setting for the winner
 */
import type { EngineDescriptor, EngineId } from '../shared/engine-descriptor';
import type { AcceptanceStats, ScheduleEntry, ServerSettings } from '../shared/schemas';
import type { SpecDecodeSnapshot } from '../shared/spec-decode-metrics';
import type { SecretPlaceholders } from '../shared/redact';

export type { EngineDescriptor, EngineId };

/**
 * One point a sweep measures: the whole speculative setting. k = null: the engine's own draft
 * length, which SpecTune cannot set (LM Studio without `lms`).
 */
export interface SpecConfig {
  numSpeculativeTokens: number | null;
  /** The draft model this configuration uses (null: none, or the method needs none). */
  draftModel: string | null;
  /**
   * The speculation method in the engine's own words (llama.cpp's --spec-type value, vLLM's
   * speculative-config method); null: the engine's default (its draft-model method), and the baseline.
   */
  method: string | null;
  /**
   * The draft's confidence cut-off: a number (0 included, always passed) where the engine has one and
   * the method drafts with a model; null where there is none.
   */
  draftPMin: number | null;
}

/** A setting with the knobs it does not name left at their defaults (null). */
export function specConfig(c: Pick<SpecConfig, 'numSpeculativeTokens'> & Partial<SpecConfig>): SpecConfig {
  return { numSpeculativeTokens: c.numSpeculativeTokens, draftModel: c.draftModel ?? null, method: c.method ?? null, draftPMin: c.draftPMin ?? null };
}

export const isBaselineConfig = (c: SpecConfig): boolean => c.numSpeculativeTokens === 0 || (c.numSpeculativeTokens === null && c.draftModel === null);

/** A GET answered by the server under probe; null when nothing usable came back (network error, timeout). */
export interface ProbeAnswer {
  status: number;
  json: unknown;
  text: string;
  latencyMs: number;
  /** The simulator marks every answer (a header); engines whose API has no field for it rely on this. */
  simulated?: boolean;
}

/** Memoised GETs against one base URL: engines asking the same path cost one request. */
export type Ask = (path: string) => Promise<ProbeAnswer | null>;

export interface Identified {
  version: string | null;
  models: string[];
  simulated: boolean;
  /** Path whose answer identified the engine (its latency is reported). */
  via: string;
}

/** What `--version` / `--help` of an installed engine said, parsed by the engine that reads it. */
export interface EngineBuild {
  /** As printed, for reports ("0.11.0", "b6123 (abc123)"). */
  raw: string;
  /** Engine-specific facts (flag style, numbers) the argv builder reads. */
  facts: Record<string, string | number | boolean>;
}

/** The request for one prompt: a path under the base URL, a JSON body, and how the answer comes back. */
export interface RequestShape {
  path: string;
  body: Record<string, unknown>;
  /** openai-sse: data: {chunk} events, [DONE]; ndjson: one JSON object per line (Ollama native); json: one object (not streamed). */
  dialect: 'openai-sse' | 'ndjson' | 'json';
}

/** The prompt side of a request, common to every engine. */
export interface PromptRequest {
  model: string;
  api: 'chat' | 'completions';
  /** '' = no system message */
  system: string;
  prompt: string;
  maxTokens: number;
  temperature: number;
  seed: number;
  ignoreEos: boolean;
}

/** Draft counts one response carried (llama.cpp timings, LM Studio v0 stats). */
export interface ResponseDraftCounts {
  draftTokens: number;
  acceptedTokens: number;
  /** Number of drafts proposed, where the engine says. */
  drafts: number | null;
  /** Accepted tokens per draft position, where the engine says. */
  acceptedPerPos: number[] | null;
}

/** Counters read from the server before and after a configuration's requests (Prometheus spec-decode families). */
export type CounterSnapshot = SpecDecodeSnapshot;

export type AcceptanceSource =
  | {
      kind: 'server-counters';
      read(baseUrl: string, apiKey?: string): Promise<CounterSnapshot | null>;
      between(before: CounterSnapshot | null, after: CounterSnapshot | null): AcceptanceStats;
    }
  | {
      kind: 'per-response';
      /** From the final object of a response (the last SSE chunk with usage/timings, the last NDJSON line, the JSON body). */
      fromResponse(final: Record<string, unknown> | null): ResponseDraftCounts | null;
    }
  | { kind: 'none'; reason: string };

/** Tokens and timings an engine reports itself, for dialects without OpenAI `usage` (Ollama's eval_count). */
export interface EngineUsage {
  completionTokens: number | null;
  promptTokens: number | null;
  /** Time the engine spent loading the model for this request (s); kept out of the timings. */
  loadSeconds: number;
  /** The engine's own time to first token (s), for non-streamed answers. */
  ttftSeconds: number | null;
}

export interface LaunchSupport {
  /** Runs `<command> --version` (and `--help` where flags depend on the build). */
  detectBuild(command: readonly string[], opts: { signal?: AbortSignal }): Promise<EngineBuild>;
  /** The whole argv for one configuration on this build; throws SpecTuneError for what this build cannot run. Pure. */
  argv(settings: ServerSettings, config: SpecConfig, build: EngineBuild): string[];
  /** Flags SpecTune writes from settings, refused in extraArgs (a second copy would silently win). */
  managedFlags: Readonly<Record<string, string>>;
  /**
   * Inherited environment variables that would override the flags SpecTune writes (llama.cpp's
   * LLAMA_ARG_*): the launcher leaves them out, so a baseline really runs without a draft.
   */
  scrubEnv?: readonly string[];
  /** Where the engine reads a secret flag's value from when it is left out ('--api-key' → '$VLLM_API_KEY'), for redacted lines. */
  secretPlaceholders?: SecretPlaceholders;
  /** What to change when this engine runs out of memory, in its own flags (the crash and start-failure hints). */
  outOfMemoryHint?: string;
}

export interface Recommended {
  /** A copy-paste line (startup command, `lms load …`), or null when there is none. */
  command: string | null;
  /** argv of that command when SpecTune can run it (Apply). */
  argv: string[] | null;
  /** The setting in the engine's own words ("Modelfile: PARAMETER draft_num_predict 4"). */
  setting: string;
}

export interface RecommendInput {
  config: SpecConfig;
  settings: ServerSettings | null;
  build: EngineBuild | null;
  url: string;
  model: string | null;
}

/** What the sweep needs from the plan to list configurations. */
export interface ConfigurationInput {
  tokens: readonly number[];
  /** Draft models to compare (a restart or reload per draft, or swapped per request), else the launch's one. */
  draftModels: readonly string[];
  /** Methods to compare, in the engine's own words; empty: the launch's method, else the engine's default. */
  methods?: readonly string[];
  /** Confidence cut-offs to compare (engines that have one); empty: 0. */
  draftPMins?: readonly number[];
  settings: ServerSettings | null;
}

/** How an engine behaves with several requests in flight (load levels). */
export interface LoadSupport {
  /**
   * Why levels above 1 would measure something else than batching for this configuration (mlx_lm with
   * a draft model serves one request at a time; LM Studio's MLX engine refuses speculation for batched
   * models), or null. `ask` reaches the running server where the answer depends on what it loaded.
   */
  // `model`: the model the requests name (LM Studio: whether it is an MLX model decides); null when unknown.
  refuseConcurrency?(input: { config: SpecConfig; settings: ServerSettings | null; ask: Ask | null; model?: string | null }): Promise<string | null>;
  /** The batch limit of a launch (vLLM --max-num-seqs, llama-server --parallel) and the flag that sets it; null: unknown. */
  batchLimit?(settings: ServerSettings | null, build: EngineBuild | null): { limit: number; flag: string } | null;
  /**
   * A per-batch-size draft length schedule (vLLM >= 0.24): the settings that launch it, with what the user
   * must know, or why this build or configuration cannot take one.
   */
  schedule?(input: { entries: ScheduleEntry[]; settings: ServerSettings; build: EngineBuild | null }): { settings: ServerSettings; note: string } | { unsupported: string };
  /**
   * The engine's ranges from the level picks (vLLM: first from batch 1, the last K for every larger batch,
   * equal neighbours merged); `plain`: one k wins everywhere, `off`: no speculation wins anywhere.
   */
  planSchedule?(picks: readonly { concurrency: number; numSpeculativeTokens: number }[]): SchedulePlan;
}

export type SchedulePlan =
  | { kind: 'schedule'; entries: ScheduleEntry[]; numSpeculativeTokens: number; note: string }
  | { kind: 'plain'; numSpeculativeTokens: number; note: string }
  | { kind: 'off'; numSpeculativeTokens: 0; note: string };

export interface Engine {
  readonly descriptor: EngineDescriptor;
  /** Paths identify() asks, fetched together so a status probe takes one round trip. */
  readonly probePaths: readonly string[];
  /**
   * The environment variable holding this engine's API key (the one the engine itself reads, or its
   * documented client variable), sent to it as a bearer token; null: the engine has no key, and none
   * is sent unless the user names a variable for this server (plan.apiKeyEnv). A key goes only to the
   * engine it belongs to.
   */
  readonly apiKeyEnv: string | null;
  identify(ask: Ask): Promise<Identified | null>;
  /** Launched engines only. */
  readonly launch: LaunchSupport | null;
  configurations(input: ConfigurationInput): SpecConfig[];
  shapeRequest(req: PromptRequest, config: SpecConfig): RequestShape;
  /** Tokens and engine timings from a final object, for dialects without `usage`; null: use `usage`. */
  engineUsage?(final: Record<string, unknown> | null): EngineUsage | null;
  readonly acceptance: AcceptanceSource;
  /**
   * Why a k > 0 configuration that drafted nothing is an error (llama.cpp: draft model loaded but
   * speculation off). Null: no drafting is not an error for this engine (or it cannot tell).
   */
  noDraftingError?(config: SpecConfig, build: EngineBuild | null): string | null;
  recommend(input: RecommendInput): Recommended;
  /**
   * Attached engines whose own CLI can put a configuration in place (LM Studio's `lms load`): the
   * commands to run, in order, after the user confirms. Throws SpecTuneError (with a hint) where the
   * installed tool cannot. Absent: the user applies the setting by hand.
   */
  applyAttached?(input: { config: SpecConfig; model: string }): Promise<string[][]>;
  /** Engines whose demo is real (descriptor.demo.persona null): the models to run, made on first use and cached. */
  prepareDemo?(): Promise<{ model: string; draftModel: string | null; note: string }>;
  /**
   * Models the server behind `ask` could use as a draft (LM Studio: every downloaded llm), for the
   * app's draft picker. Absent: the engine takes no draft per request, or cannot list them.
   */
  draftCandidates?(ask: Ask): Promise<string[]>;
  /** Load levels above 1: refusals, batch limits, schedules. Absent: nothing engine-specific under load. */
  readonly load?: LoadSupport;
}
