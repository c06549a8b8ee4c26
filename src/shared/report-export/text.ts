/**
 * Numbers and names as the HTML and Markdown exports print them: always with a unit,
 * a dash when a value is missing (never "NaN" or "null"). The CSV does not use these:
 * it carries plain numbers.
 */
import { ENGINE_IDENTITY, normalizeEngineId, type EngineId, type EngineIdentity } from '../engine-descriptor';
import { finite } from './fields';

export const DASH = '—';

export const tps = (n: unknown) => (finite(n) === null ? DASH : `${(n as number).toFixed(1)} tok/s`);
export const signedPct = (n: unknown) => {
  const v = finite(n);
  return v === null ? DASH : `${v >= 0 ? '+' : ''}${v.toFixed(1)}%`;
};
/** A 0..1 fraction as a percentage. */
export const ratePct = (n: unknown) => (finite(n) === null ? DASH : `${((n as number) * 100).toFixed(0)}%`);
export const ms = (seconds: unknown) => (finite(seconds) === null ? DASH : `${Math.round((seconds as number) * 1000)} ms`);
export const secs = (n: unknown) => (finite(n) === null ? DASH : `${(n as number).toFixed(2)} s`);
export const tpsInterval = (ci: [number, number] | null) => (ci ? `${ci[0].toFixed(1)}–${ci[1].toFixed(1)}` : DASH);

export function kLabel(k: number | null, draftModel?: string | null): string {
  if (k === null) return draftModel ? `draft model ${draftModel}` : 'no speculation';
  return k === 0 ? 'no speculation (k = 0)' : `k = ${k}`;
}

/** "3 draft tokens"; where k is the engine's own (LM Studio), the draft model instead. */
export function draftTokens(k: number | null, draftModel?: string | null): string {
  if (k === null) return `the draft model ${draftModel ?? '(unknown)'}`;
  return k === 1 ? '1 draft token' : `${k} draft tokens`;
}

/** A method that drafts without a model, in words: n-gram lookup, suffix decoding, the model's own heads. */
function draftFreeMethodWords(method: string): string {
  if (/ngram|n-gram/i.test(method)) return 'n-gram drafting';
  if (/suffix/i.test(method)) return 'suffix decoding';
  if (/mtp/i.test(method)) return "the model's own MTP heads";
  return `${method} drafting`;
}

/** The parts of a setting a headline names. */
export interface SettingForWords {
  numSpeculativeTokens: number | null;
  draftModel?: string | null;
  method?: string | null;
  draftPMin?: number | null;
}

/**
 * The whole setting in words, as a headline says it after "with": "3 draft tokens (draft model
 * qwen-0.5b)", "5 draft tokens (draft model qwen-0.5b, cut-off p_min 0.3)", "n-gram drafting,
 * 4 tokens — no draft model needed". A method is named only where it is not the draft model's
 * default one; a cut-off of 0 is no cut-off.
 */
export function settingWords(c: SettingForWords): string {
  const k = c.numSpeculativeTokens;
  if (k !== null && k > 0 && c.method && !c.draftModel) return `${draftFreeMethodWords(c.method)}, ${k === 1 ? '1 token' : `${k} tokens`} — no draft model needed`;
  const extras = [
    c.method && c.draftModel && !/^draft/.test(c.method) ? `method ${c.method}` : null,
    c.draftModel && k !== null ? `draft model ${c.draftModel}` : null,
    c.draftPMin ? `cut-off p_min ${c.draftPMin}` : null,
  ].filter(Boolean);
  return `${draftTokens(k, c.draftModel)}${extras.length ? ` (${extras.join(', ')})` : ''}`;
}

/** "vllm" → "vLLM" (the engine's short name); an id this build does not know is shown as it is; "unknown" (nothing recognisable answered): null. */
export function engineName(id: string | null | undefined): string | null {
  if (!id || id === 'unknown') return null;
  const identity = ENGINE_IDENTITY[normalizeEngineId(id) as EngineId] as EngineIdentity | undefined;
  return identity?.shortName ?? id;
}

/** "2026-11-28T18:00:00.000Z" → "2026-11-28 18:00 UTC": the same on every machine that opens the file. */
export function utcDate(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
