/** What a sweep does: prompts, strategy, load levels, the SweepPlan. */
import { z } from 'zod';
import { EngineIdSchema } from '../engine-descriptor';
import { ConcurrencySchema, DraftPMinSchema, HttpUrlSchema, MethodNameSchema, NumSpecTokensSchema, ServerSettingsSchema } from './settings';

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

export const SweepStrategySchema = z.enum(['adaptive', 'exhaustive'], { error: 'strategy must be "adaptive" or "exhaustive"' });
export type SweepStrategyKind = z.infer<typeof SweepStrategySchema>;

/** What a sweep does. Managed: SpecTune launches the engine (a restart per k where k is a launch setting). Attached: a server the user runs. */
export const SweepPlanSchema = z
  .object({
    mode: z.enum(['managed', 'attached']),
    /** Managed mode: how to launch; k is set per configuration. */
    server: ServerSettingsSchema.optional(),
    /** Attached mode: the running server's base URL, e.g. http://127.0.0.1:8000. */
    url: HttpUrlSchema.optional(),
    /** The engine measured; attached mode detects it from the server's API when not given. */
    engine: EngineIdSchema.optional(),
    /**
     * The environment variable holding this server's API key, when it is not the engine's own
     * (a generic OpenAI-compatible server, a proxy in front of an engine). Only its name is kept.
     */
    apiKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'give the name of an environment variable (letters, digits and "_", not starting with a digit), e.g. MY_SERVER_KEY, not the key itself')
      .optional(),
    /** Model name for requests; default: the first of /v1/models. */
    model: z.string().max(1024).optional(),
    /** Draft models compared: a launch per draft (llama.cpp, vLLM, mlx_lm, embedded) or swapped per request (LM Studio). */
    draftModels: z.array(z.string().trim().min(1).max(1024)).max(16, 'compare at most 16 draft models at once').default([]),
    /** Speculation methods compared, in the engine's words (its descriptor's knobs.methods); empty: the launch's method. */
    methods: z
      .array(MethodNameSchema)
      .max(16, 'compare at most 16 methods at once')
      .refine((m) => new Set(m).size === m.length, 'each method only once')
      .default([]),
    /** Draft confidence cut-offs compared (engines that have one); empty: 0 where the engine has one. */
    draftPMins: z
      .array(DraftPMinSchema)
      .max(16, 'compare at most 16 cut-offs at once')
      .refine((p) => new Set(p).size === p.length, 'each cut-off only once, e.g. 0,0.3,0.6')
      .default([]),
    tokens: z
      .array(NumSpecTokensSchema)
      .min(1, 'give at least one k, e.g. 0,3,5,7')
      .refine((t) => new Set(t).size === t.length, 'each k only once'),
    promptTypes: z.array(z.string()).min(1, 'pick at least one prompt type'),
    systemPrompts: z.array(z.string()).min(1, 'pick at least one system prompt'),
    customPrompts: z.array(PromptDefSchema).default([]),
    customSystemPrompts: z.array(SystemPromptDefSchema).default([]),
    repeats: z.number().int().min(1, 'repeats must be 1 or more').max(100).default(3),
    /**
     * The most rounds one setting may get at one level when the decision samples more (default 3 × repeats);
     * the search's launch and request caps come first.
     */
    maxRepeats: z.number({ error: 'max repeats must be a whole number, e.g. 9' }).int('max repeats must be a whole number, e.g. 9').min(1, 'max repeats must be 1 or more').max(300, 'max repeats above 300: give at most 300').optional(),
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
    /** Latency bounds: at each level a configuration whose p99 exceeds one is not eligible for the pick. */
    slo: z
      .object({
        ttftP99Ms: z.number({ error: 'the TTFT p99 bound must be a number of milliseconds, e.g. 500' }).positive('the TTFT p99 bound must be above 0 ms, e.g. 500').max(3_600_000).optional(),
        itlP99Ms: z.number({ error: 'the inter-token latency p99 bound must be a number of milliseconds, e.g. 50' }).positive('the inter-token latency p99 bound must be above 0 ms, e.g. 50').max(3_600_000).optional(),
      })
      .optional(),
  })
  .superRefine((p, ctx) => {
    if (p.maxRepeats !== undefined && p.maxRepeats < p.repeats) {
      ctx.addIssue({ code: 'custom', path: ['maxRepeats'], message: `max repeats ${p.maxRepeats} is below repeats ${p.repeats}: give at least ${p.repeats}, or leave it out (default ${3 * p.repeats})` });
    }
    if (p.mode === 'managed' && !p.server) ctx.addIssue({ code: 'custom', path: ['server'], message: 'managed mode needs server settings (model, command)' });
    if (p.mode === 'attached' && !p.url) ctx.addIssue({ code: 'custom', path: ['url'], message: 'attached mode needs the server URL' });
    if (p.mode === 'attached' && p.tokens.length !== 1 && p.attachedChangesK !== true) {
      ctx.addIssue({
        code: 'custom',
        path: ['tokens'],
        message: 'attached mode measures one running server as it is: give the single k it was launched with (0 = no speculation), or let SpecTune launch the server (engines it can launch) to compare several',
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
    if (p.mode === 'managed' && p.server && !p.server.draftModel && !p.server.method && p.methods.length === 0 && p.tokens.some((k) => k > 0)) {
      ctx.addIssue({
        code: 'custom',
        path: ['server', 'method'],
        message: 'k > 0 needs a draft model or a method (ngram, eagle, eagle3, mtp, medusa); give one, or sweep only k = 0',
      });
    }
  });
export type SweepPlan = z.infer<typeof SweepPlanSchema>;
export type SweepPlanInput = z.input<typeof SweepPlanSchema>;
