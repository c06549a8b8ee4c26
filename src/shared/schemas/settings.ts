/** How to launch a server: ports, draft lengths (k), speculation methods, ServerSettings. */
import { z } from 'zod';
import { DEFAULT_ENGINE, EngineIdSchema } from '../engine-descriptor';

/** vLLM's speculative-config methods (every vLLM since 0.8 knows these; suffix came later, see its engine). */
export const SPEC_METHODS = ['draft_model', 'ngram', 'eagle', 'eagle3', 'mtp', 'medusa'] as const;
export const SpecMethodSchema = z.enum(SPEC_METHODS, {
  error: () => `must be one of ${SPEC_METHODS.join(', ')}`,
});
export type SpecMethod = z.infer<typeof SpecMethodSchema>;

/**
 * A speculation method in the engine's own words (vLLM's draft_model, ngram, suffix…; llama.cpp's
 * --spec-type draft-simple, ngram-simple…). Which ones an engine takes is its descriptor's and its
 * build's to say; here only the shape.
 */
export const MethodNameSchema = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/i, 'a method is one word of letters, digits, "-" or "_", e.g. draft-simple, ngram-simple (llama.cpp) or draft_model, ngram (vLLM)');

/** The draft's confidence cut-off: a probability from 0 (draft every token) to 1. */
export const DraftPMinSchema = z
  .number({ error: 'the draft confidence cut-off (p_min) must be a number from 0 to 1, e.g. 0,0.3,0.6' })
  .min(0, 'the draft confidence cut-off (p_min) must be from 0 to 1, e.g. 0.3')
  .max(1, 'the draft confidence cut-off (p_min) must be from 0 to 1, e.g. 0.3');

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
    engine: EngineIdSchema.default(DEFAULT_ENGINE.id),
    /** The engine command as words, never a shell string: ['vllm'], ['/opt/venv/bin/vllm'],
     *  ['python', '-m', 'vllm.entrypoints.openai.api_server'], ['llama-server']. */
    command: z
      .array(z.string().min(1))
      .min(1, 'give the command that starts the server, as words: its name, a path to it, or e.g. python -m and a module')
      .default([...DEFAULT_ENGINE.command]),
    model: modelName('give the model to serve, e.g. "Qwen/Qwen2.5-7B-Instruct" (llama.cpp: a .gguf path)'),
    /** Draft model for draft-model speculation. */
    draftModel: modelName('give the draft model, or leave it out').optional(),
    /** Speculation method in the engine's own words; default: the engine's draft-model method when a draft model is given. */
    method: MethodNameSchema.optional(),
    /** The draft's confidence cut-off (engines that have one: llama.cpp, the embedded engine); absent: 0. */
    draftPMin: DraftPMinSchema.optional(),
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
export function effectiveMethod(s: Pick<ServerSettings, 'method' | 'draftModel'>): string | undefined {
  return s.method ?? (s.draftModel ? 'draft_model' : undefined);
}
