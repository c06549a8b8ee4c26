/**
 * What an engine is, as data: the app draws its forms and the CLI its help from
 * this, so neither branches on an engine's name. The behaviour behind it lives
 * in src/engines/<id>/ (Node side); this file is pure and crosses IPC.
 */
import { z } from 'zod';

export const ENGINE_IDS = ['vllm', 'llama.cpp', 'mlx', 'lmstudio', 'ollama', 'embedded'] as const;
export type EngineId = (typeof ENGINE_IDS)[number];

/** Spellings accepted on the command line besides the ids themselves (the folder name, for one). */
const ALIASES: Record<string, EngineId> = { llamacpp: 'llama.cpp', 'llama-server': 'llama.cpp', 'lm-studio': 'lmstudio', 'mlx_lm': 'mlx', 'mlx-lm': 'mlx' };

export function normalizeEngineId(text: string): string {
  const t = text.trim().toLowerCase();
  return ALIASES[t] ?? t;
}

export const EngineIdSchema = z.preprocess(
  (v) => (typeof v === 'string' ? normalizeEngineId(v) : v),
  z.enum(ENGINE_IDS, { error: () => `must be one of ${ENGINE_IDS.join(', ')} (llamacpp is accepted for llama.cpp)` }),
);

/** Server setting fields an engine's launch form shows (names of ServerSettings keys). */
export const ENGINE_FIELDS = [
  'command',
  'model',
  'draftModel',
  'method',
  'gpuMemoryUtilization',
  'tensorParallelSize',
  'maxModelLen',
  'extraArgs',
] as const;
export type EngineField = (typeof ENGINE_FIELDS)[number];

export const EngineDescriptorSchema = z.object({
  id: z.enum(ENGINE_IDS),
  label: z.string(),
  /** launched: SpecTune starts and stops it; attached: the user runs it, SpecTune talks to it by URL. */
  lifecycle: z.enum(['launched', 'attached']),
  defaultUrl: z.string(),
  defaultPort: z.number().int(),
  /** How a new k (or draft model) reaches the server, and what that costs. */
  kChange: z.enum(['restart', 'per-request', 'reload', 'fixed']),
  kChangeNote: z.string(),
  /** Several draft models compared in one sweep, swapped per request. */
  draftPerRequest: z.boolean(),
  acceptance: z.object({
    kind: z.enum(['server-counters', 'per-response', 'none']),
    /** Where the numbers come from, or why there are none ("not reported by mlx_lm"). */
    note: z.string(),
    perPosition: z.boolean(),
  }),
  /** Form fields that apply (launched engines); attached engines use url + model (+ draft models). */
  fields: z.array(z.enum(ENGINE_FIELDS)),
  /** Speculation methods the engine knows (empty: draft model only). */
  methods: z.array(z.string()),
  defaultCommand: z.array(z.string()),
  placeholders: z.object({ model: z.string(), draftModel: z.string() }),
  installHint: z.string(),
  /** Requests run one at a time with a draft loaded (mlx_lm): concurrency above 1 measures queueing. */
  servesOneAtATime: z.boolean(),
  /**
   * The demo: the persona word after `spectune sim` ('' = the vLLM persona; null = no simulator,
   * the real engine on models it prepares itself, see Engine.prepareDemo), the models it serves,
   * and (attached engines, which SpecTune does not launch) the persona's own arguments.
   */
  demo: z.object({
    persona: z.string().nullable(),
    model: z.string(),
    draftModels: z.array(z.string()),
    personaArgs: z.array(z.string()),
  }),
});
export type EngineDescriptor = z.infer<typeof EngineDescriptorSchema>;
