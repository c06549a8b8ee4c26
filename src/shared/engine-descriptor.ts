/**
 * What an engine is, as data: the app draws its forms and the CLI its help from
 * this, so neither branches on an engine's name. The behaviour behind it lives
 * in src/engines/<id>/ (Node side); this file is pure and crosses IPC.
 */
import { z } from 'zod';

export const ENGINE_IDS = ['vllm', 'llama.cpp', 'mlx', 'lmstudio', 'ollama', 'embedded', 'openai'] as const;
export type EngineId = (typeof ENGINE_IDS)[number];

/**
 * The engine a launch, a form or a command means when it names none (and the command that starts it):
 * vLLM, SpecTune's first engine. Everything else about it is its own folder's.
 */
export const DEFAULT_ENGINE: { readonly id: EngineId; readonly command: readonly string[] } = { id: 'vllm', command: ['vllm'] };

/** What every engine must say about itself before anything else: how it is called and where it listens. */
export interface EngineIdentity {
  /** As the app and the CLI name it ("llama.cpp (llama-server)"). */
  label: string;
  /** As reports, exports and the status list name it in running text ("llama.cpp"). */
  shortName: string;
  /** Where it listens unless told otherwise; the status list probes it. */
  defaultUrl: string;
  /** Other addresses it is known to take, probed too. */
  otherUrls?: readonly string[];
}

/**
 * Keyed by id, so the compiler refuses a new id without its name and address. Descriptors,
 * the status list (app and CLI alike) and the exports all read these.
 */
export const ENGINE_IDENTITY: { readonly [K in EngineId]: EngineIdentity } = {
  vllm: { label: 'vLLM', shortName: 'vLLM', defaultUrl: 'http://127.0.0.1:8000' },
  // llama-server's default is 8080; a notice announces 9931 for later builds.
  'llama.cpp': { label: 'llama.cpp (llama-server)', shortName: 'llama.cpp', defaultUrl: 'http://127.0.0.1:8080', otherUrls: ['http://127.0.0.1:9931'] },
  mlx: { label: 'mlx_lm.server (Apple MLX)', shortName: 'mlx_lm', defaultUrl: 'http://127.0.0.1:8080' },
  lmstudio: { label: 'LM Studio', shortName: 'LM Studio', defaultUrl: 'http://127.0.0.1:1234' },
  ollama: { label: 'Ollama', shortName: 'Ollama', defaultUrl: 'http://127.0.0.1:11434' },
  embedded: { label: 'Embedded llama.cpp (node-llama-cpp)', shortName: 'embedded llama.cpp', defaultUrl: 'http://127.0.0.1:8080' },
  openai: { label: 'OpenAI-compatible server', shortName: 'OpenAI-compatible server', defaultUrl: 'http://127.0.0.1:8000' },
};

/** The descriptor fields an engine takes from its identity: `{ ...identityOf('vllm'), lifecycle: … }`. */
export function identityOf<K extends EngineId>(id: K): { id: K; label: string; defaultUrl: string; defaultPort: number } {
  const { label, defaultUrl } = ENGINE_IDENTITY[id];
  return { id, label, defaultUrl, defaultPort: Number(new URL(defaultUrl).port) };
}

/**
 * The addresses engines listen on by default, once each, named by the engines that use them: the
 * status list of the app and of `spectune status`. What really answers is told by its API.
 */
export function defaultEndpoints(): { name: string; url: string }[] {
  const byUrl = new Map<string, string[]>();
  for (const id of ENGINE_IDS) {
    const e = ENGINE_IDENTITY[id];
    for (const url of [e.defaultUrl, ...(e.otherUrls ?? [])]) byUrl.set(url, [...(byUrl.get(url) ?? []), e.shortName]);
  }
  return [...byUrl].map(([url, names]) => ({ name: `${names.join(' / ')} default`, url }));
}

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
const ENGINE_FIELDS = [
  'command',
  'model',
  'draftModel',
  'method',
  'gpuMemoryUtilization',
  'tensorParallelSize',
  'maxModelLen',
  'extraArgs',
] as const;

/**
 * The speculative knobs an engine lets a sweep compare, and how a change reaches it: the CLI's help and
 * refusals and the app's forms derive from this, never from an engine's name.
 */
export const EngineKnobsSchema = z.object({
  /** Several draft models: a launch (restart) per draft, swapped per request, or none (the engine drafts with its own head). */
  draftModels: z.enum(['launch', 'per-request', 'none']),
  /** The draft's confidence cut-off (p_min): a launch setting, a reload setting, or none. */
  pMin: z.enum(['launch', 'reload', 'none']),
  /** Methods `--method` takes, in the engine's words ([]: only its default); the installed build may take fewer. */
  methods: z.array(z.string()),
  /** Those of `methods` that draft with a draft model: only they take one, and only they take a cut-off. */
  draftMethods: z.array(z.string()),
  /** Other spellings of a method ('draft' for 'draft-simple'). */
  methodAliases: z.record(z.string(), z.string()),
});
export type EngineKnobs = z.infer<typeof EngineKnobsSchema>;

/** No knob beyond k: engines that run their own drafting (Ollama) or one setting as it is (a generic server). */
export const NO_KNOBS: EngineKnobs = { draftModels: 'none', pMin: 'none', methods: [], draftMethods: [], methodAliases: {} };

/** The method as the engine names it (an alias resolved); unknown words are returned as given, for the caller to refuse. */
export function canonicalMethod(knobs: EngineKnobs, word: string): string {
  return knobs.methodAliases[word] ?? word;
}

/** Does this method draft with a draft model? null: the engine's default, which does where the engine takes draft models. */
export function methodTakesDraft(knobs: EngineKnobs, method: string | null): boolean {
  return method === null ? knobs.draftModels !== 'none' : knobs.draftMethods.includes(canonicalMethod(knobs, method));
}

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
  /** Speculation methods the engine's launch form offers (empty: draft model only). */
  methods: z.array(z.string()),
  /** What a sweep can compare besides k. */
  knobs: EngineKnobsSchema,
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
