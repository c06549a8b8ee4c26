/**
 * A configuration's identity (its k and its draft model), shared by the report
 * builder, the CLI tables and the renderer's charts. Pure and tiny: the renderer imports it.
 */
/** The identity of a configuration: its k and its draft model. Measurements carry the same two fields. */
export interface ConfigKeyed {
  numSpeculativeTokens: number | null;
  draftModel?: string | null;
  /** The load level (requests in flight); absent = 1. */
  concurrency?: number;
}

/** Identity of a configuration at a load level; level 1 keeps the key it had before load levels existed. */
export function configKey(c: ConfigKeyed): string {
  const level = c.concurrency !== undefined && c.concurrency > 1 ? `\u0000c${c.concurrency}` : '';
  return `${c.numSpeculativeTokens ?? 'engine'}\u0000${c.draftModel ?? ''}${level}`;
}

/** A configuration's identity whatever the load level (the same launch measured at every level). */
export function launchKey(c: ConfigKeyed): string {
  return configKey({ numSpeculativeTokens: c.numSpeculativeTokens, draftModel: c.draftModel });
}

/** The baseline: no speculation (k = 0, or no draft model where k is the engine's own). */
export function isBaseline(c: ConfigKeyed): boolean {
  return c.numSpeculativeTokens === 0 || (c.numSpeculativeTokens === null && !c.draftModel);
}

/** Is c the configuration a recommendation names? A recommendation without a draft model matches on k alone. */
export function isRecommended(c: ConfigKeyed, rec: ConfigKeyed | null | undefined): boolean {
  if (!rec) return false;
  if (rec.draftModel == null) return c.numSpeculativeTokens === rec.numSpeculativeTokens && (rec.numSpeculativeTokens !== null || !c.draftModel);
  return configKey(c) === configKey(rec);
}
