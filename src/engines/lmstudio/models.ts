/**
 * LM Studio's model list (GET /api/v0/models): what identifies LM Studio, which
 * models it serves now, and which it could use as a draft.
 */
import { z } from 'zod';
import type { Ask, ProbeAnswer } from '../engine';

const ModelRowSchema = z.looseObject({
  id: z.string().min(1),
  type: z.string().optional(),
  state: z.string().optional(),
  arch: z.string().optional(),
  compatibility_type: z.string().optional(),
  quantization: z.string().optional(),
});
export type LmStudioModelRow = z.infer<typeof ModelRowSchema>;

const ModelListSchema = z.looseObject({ data: z.array(ModelRowSchema), simulated: z.boolean().optional() });

/** LM Studio's own fields: an OpenAI-style list without any of them is some other server's. */
const hasLmStudioFields = (r: LmStudioModelRow) => r.type !== undefined || r.state !== undefined || r.compatibility_type !== undefined;

export interface LmStudioModelList {
  rows: LmStudioModelRow[];
  simulated: boolean;
}

/** The v0 list, or null when the answer is not LM Studio's (LM Studio answers unknown paths with 200 + {error}). */
export function parseModelList(a: ProbeAnswer | null): LmStudioModelList | null {
  if (!a || a.status !== 200 || a.json === undefined) return null;
  const r = ModelListSchema.safeParse(a.json);
  if (!r.success) return null;
  const rows = r.data.data;
  if (rows.length > 0 && !rows.some(hasLmStudioFields)) return null;
  return { rows, simulated: r.data.simulated === true };
}

const GENERATES = new Set(['llm', 'vlm']);

/** Models requests can name now: loaded text generators (embedding models cannot answer a chat). */
export function loadedModels(rows: readonly LmStudioModelRow[]): string[] {
  return rows.filter((r) => (r.type === undefined || GENERATES.has(r.type)) && (r.state === undefined || r.state === 'loaded')).map((r) => r.id);
}

export interface DraftCandidate {
  id: string;
  arch: string | null;
  state: string | null;
  /** gguf or mlx: a draft must run on the same engine as the main model. */
  compatibilityType: string | null;
}

/**
 * Rows the app's draft dropdown offers: every downloaded llm (LM Studio loads a
 * per-request draft itself). Whether one fits a main model (same vocabulary) only
 * LM Studio knows: a refused one fails its configuration with LM Studio's reason.
 */
export function draftCandidatesFrom(rows: readonly LmStudioModelRow[]): DraftCandidate[] {
  return rows
    .filter((r) => r.type === 'llm')
    .map((r) => ({ id: r.id, arch: r.arch ?? null, state: r.state ?? null, compatibilityType: r.compatibility_type ?? null }));
}

/** Draft candidates at the server behind `ask`; [] when it is not LM Studio or did not answer. */
export async function listDraftCandidates(ask: Ask): Promise<DraftCandidate[]> {
  const list = parseModelList(await ask('/api/v0/models'));
  return list ? draftCandidatesFrom(list.rows) : [];
}
