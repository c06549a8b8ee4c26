/**
 * Does an Ollama model draft at all? /api/show tells, in three places (ollama
 * server/images.go, llm/llama_server.go, 2026):
 * - a separate draft model: the Modelfile it prints has a `DRAFT <path>` line
 *   (draft_num_predict defaults to 4);
 * - an embedded MTP head: model_info (the GGUF metadata) has
 *   `<arch>.nextn_predict_layers` > 0, or (older qwen35/qwen35moe files) tensors
 *   named `mtp.*` (draft_num_predict must be set: it defaults to 0 for these);
 * - neither, from a GGUF model (details.format) whose metadata came back: no draft.
 * Safetensors ("experimental") and remote models send little metadata: then it
 * cannot tell, and the user is told to try it and watch the speed.
 */
import { z } from 'zod';
import type { ProbeAnswer } from '../engine';

/** A POST of a JSON body to a path under the server's base URL; null when nothing usable came back. */
export type Post = (path: string, body: unknown) => Promise<ProbeAnswer | null>;

export type DraftHeadKind = 'draft' | 'mtp' | 'none' | 'unknown';

export interface DraftHead {
  kind: DraftHeadKind;
  /** What told (or why nothing could), in words for the report. */
  detail: string;
}

const ShowSchema = z.looseObject({
  modelfile: z.string().optional(),
  model_info: z.record(z.string(), z.unknown()).nullish(),
  tensors: z.array(z.looseObject({ name: z.string() })).nullish(),
  capabilities: z.array(z.string()).nullish(),
  remote_host: z.string().optional(),
  details: z.looseObject({ format: z.string().optional() }).nullish(),
});

const LEGACY_MTP_ARCHS = new Set(['qwen35', 'qwen35moe']);

/** Reads an /api/show answer. Pure. */
export function draftHeadFromShow(json: unknown): DraftHead {
  const r = ShowSchema.safeParse(json);
  if (!r.success) return { kind: 'unknown', detail: '/api/show did not answer a model description' };
  const show = r.data;
  const draftLine = (show.modelfile ?? '').split(/\r?\n/).find((l) => /^DRAFT\s+\S/.test(l.trim()));
  if (draftLine) return { kind: 'draft', detail: `its Modelfile has a draft model (${draftLine.trim().slice(0, 120)})` };

  const info = show.model_info ?? {};
  for (const [key, value] of Object.entries(info)) {
    if (key.endsWith('.nextn_predict_layers') || key === 'nextn_predict_layers') {
      if (typeof value === 'number' && value > 0) return { kind: 'mtp', detail: `it has an MTP head (${key} = ${value})` };
    }
  }
  const arch = typeof info['general.architecture'] === 'string' ? info['general.architecture'] : null;
  if (arch && LEGACY_MTP_ARCHS.has(arch) && (show.tensors ?? []).some((t) => t.name.startsWith('mtp.'))) {
    return { kind: 'mtp', detail: `it has an MTP head (${arch} mtp.* tensors)` };
  }
  if (show.remote_host) return { kind: 'unknown', detail: `it runs remotely (${show.remote_host}), and /api/show does not say whether it drafts` };
  // A GGUF model sends its whole metadata: without the keys above it has no draft. Safetensors (experimental) ones send a
  // few keys from config.json, which never carry the MTP head.
  const format = show.details?.format ?? null;
  if (format === 'gguf' && Object.keys(info).length > 0) {
    return { kind: 'none', detail: 'its Modelfile has no DRAFT line and its GGUF metadata no MTP head' };
  }
  return { kind: 'unknown', detail: `/api/show gives too little metadata for this ${format ?? 'model'} model to tell whether it drafts` };
}

/** Asks /api/show about one model. Never throws: an unanswered question is 'unknown'. */
export async function hasDraftHead(post: Post, model: string): Promise<DraftHead> {
  const a = await post('/api/show', { model });
  if (!a) return { kind: 'unknown', detail: '/api/show did not answer' };
  if (a.status === 404) return { kind: 'unknown', detail: `Ollama does not have a model "${model}" (/api/show: 404)` };
  if (a.status !== 200) return { kind: 'unknown', detail: `/api/show answered HTTP ${a.status}` };
  return draftHeadFromShow(a.json);
}

/** Speculation arrived in Ollama 0.23; null: the version says nothing against it. */
export function speculationMissingIn(version: string | null): string | null {
  if (!version) return null;
  const m = /^v?(\d+)\.(\d+)/.exec(version.trim());
  if (!m) return null;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major === 0 && minor < 23 ? `Ollama ${version} has no speculative decoding (it arrived in 0.23): update Ollama` : null;
}

/**
 * The plain message for a model that will not draft (or may not), for the
 * status card and the sweep; null when the model drafts.
 */
export function noDraftMessage(model: string, head: DraftHead, version: string | null = null): string | null {
  const old = speculationMissingIn(version);
  if (old) return `${old}; until then draft_num_predict changes nothing for ${model}.`;
  if (head.kind === 'draft' || head.kind === 'mtp') return null;
  if (head.kind === 'none') {
    return (
      `${model} has no draft model or MTP head (${head.detail}), so draft_num_predict changes nothing and there is no k to tune. ` +
      'Use a model that ships one, or build one with a Modelfile DRAFT line (FROM <model> / DRAFT <draft model>).'
    );
  }
  return `SpecTune cannot tell whether ${model} drafts (${head.detail}): try it, and see whether the speed changes between draft_num_predict 0 and the others.`;
}
