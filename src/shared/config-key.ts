/**
 * A configuration's identity (the whole setting: k, draft model, method, cut-off), shared by the
 * report builder, the CLI tables and the renderer's charts. Pure and tiny: the renderer imports it.
 */
/** The identity of a configuration. Measurements carry the same fields. */
export interface ConfigKeyed {
  numSpeculativeTokens: number | null;
  draftModel?: string | null;
  /** The method in the engine's words; absent or null = the engine's default. */
  method?: string | null;
  /** The draft's confidence cut-off; absent or null = none. */
  draftPMin?: number | null;
  /** The load level (requests in flight); absent = 1. */
  concurrency?: number;
}

/** The setting's fields only (no level), absent ones as null. */
export function settingOf(c: ConfigKeyed): { numSpeculativeTokens: number | null; draftModel: string | null; method: string | null; draftPMin: number | null } {
  return { numSpeculativeTokens: c.numSpeculativeTokens, draftModel: c.draftModel ?? null, method: c.method ?? null, draftPMin: c.draftPMin ?? null };
}

/** The method and cut-off where a setting names them, nothing where it does not (records stay as they were without them). */
export function knobFields(c: ConfigKeyed): { method?: string; draftPMin?: number } {
  return { ...(c.method != null ? { method: c.method } : {}), ...(c.draftPMin != null ? { draftPMin: c.draftPMin } : {}) };
}

/**
 * Identity of a configuration at a load level. A setting without method or cut-off, at level 1, keeps
 * the key it had before those knobs existed (old reports and histories still match).
 */
export function configKey(c: ConfigKeyed): string {
  const level = c.concurrency !== undefined && c.concurrency > 1 ? `\u0000c${c.concurrency}` : '';
  const method = c.method ?? null;
  const pMin = c.draftPMin ?? null;
  const arm = method !== null || pMin !== null ? `\u0000m${method ?? ''}\u0000p${pMin ?? ''}` : '';
  return `${c.numSpeculativeTokens ?? 'engine'}\u0000${c.draftModel ?? ''}${arm}${level}`;
}

/** A configuration's identity whatever the load level (the same launch measured at every level). */
export function launchKey(c: ConfigKeyed): string {
  return configKey(settingOf(c));
}

/** The arm a configuration's k-curve belongs to: its method, draft model and cut-off. */
export function armKey(c: ConfigKeyed): string {
  return `${c.method ?? ''}|${c.draftModel ?? ''}|${c.draftPMin ?? ''}`;
}

/** The baseline: no speculation (k = 0, or no draft model where k is the engine's own). */
export function isBaseline(c: ConfigKeyed): boolean {
  return c.numSpeculativeTokens === 0 || (c.numSpeculativeTokens === null && !c.draftModel);
}

/** Is c the configuration a recommendation names? A recommendation naming only k matches on k alone. */
export function isRecommended(c: ConfigKeyed, rec: ConfigKeyed | null | undefined): boolean {
  if (!rec) return false;
  if (rec.draftModel == null && rec.method == null && rec.draftPMin == null) return c.numSpeculativeTokens === rec.numSpeculativeTokens && (rec.numSpeculativeTokens !== null || !c.draftModel);
  return configKey(c) === configKey(rec);
}
