/**
 * Telling llama-server (and servers that answer in its dialect) by GET /props.
 * LM Studio answers unknown paths with 200 and an error object, so /props must
 * carry llama.cpp's own keys (default_generation_settings or total_slots).
 */
import { z } from 'zod';
import type { Ask, Identified, ProbeAnswer } from '../../engine';

const PropsSchema = z.looseObject({
  default_generation_settings: z.record(z.string(), z.unknown()).optional(),
  total_slots: z.number().int().optional(),
  build_info: z.string().optional(),
  model_path: z.string().optional(),
  model_alias: z.string().optional(),
  simulated: z.boolean().optional(),
});
export type LlamaProps = z.infer<typeof PropsSchema>;

const ModelListSchema = z.looseObject({ data: z.array(z.looseObject({ id: z.string() })) });

/** /props of a llama-server-dialect server, or null. */
export function readProps(answer: ProbeAnswer | null): LlamaProps | null {
  if (!answer || answer.status !== 200) return null;
  const r = PropsSchema.safeParse(answer.json);
  if (!r.success) return null;
  if (r.data.default_generation_settings === undefined && r.data.total_slots === undefined) return null;
  return r.data;
}

/** The embedded engine's server writes build_info "embedded …": it is not llama.cpp's to claim. */
export const isEmbeddedBuildInfo = (buildInfo: string | undefined): boolean => (buildInfo ?? '').trim().toLowerCase().startsWith('embedded');

/** `b7800-f07d3b6` → "b7800 (f07d3b6)"; anything else as it came. */
export function versionFromBuildInfo(buildInfo: string | undefined): string | null {
  if (!buildInfo) return null;
  const m = /^b(\d+)-(\w+)$/.exec(buildInfo.trim());
  return m ? `b${m[1]} (${m[2]})` : buildInfo.trim();
}

const basename = (p: string): string => p.split(/[\\/]/).filter(Boolean).pop() ?? p;

/** Identification of a llama-server-dialect server that passed `accept` (its build_info). */
export async function identifyByProps(ask: Ask, accept: (props: LlamaProps) => boolean): Promise<Identified | null> {
  const [propsAnswer, modelsAnswer] = await Promise.all([ask('/props'), ask('/v1/models')]);
  const props = readProps(propsAnswer);
  if (!props || !accept(props)) return null;
  let models: string[] = [];
  const list = modelsAnswer && modelsAnswer.status === 200 ? ModelListSchema.safeParse(modelsAnswer.json) : null;
  if (list?.success) models = list.data.data.map((m) => m.id);
  else if (props.model_alias) models = [props.model_alias];
  else if (props.model_path) models = [basename(props.model_path)];
  return { version: versionFromBuildInfo(props.build_info), models, simulated: props.simulated === true || propsAnswer?.simulated === true, via: '/props' };
}
