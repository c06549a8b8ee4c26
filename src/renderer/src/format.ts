/** Numbers always leave the UI with a unit; missing values say so instead of "NaN". */
const DASH = '—';

function ok(n: number | null | undefined): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}

export const tps = (n: number | null | undefined) => (ok(n) ? `${n.toFixed(1)} tok/s` : DASH);
export const seconds = (n: number | null | undefined) => (ok(n) ? `${n.toFixed(n < 10 ? 2 : 1)} s` : DASH);
export const ms = (secondsValue: number | null | undefined) => (ok(secondsValue) ? `${Math.round(secondsValue * 1000)} ms` : DASH);
export const signedPct = (n: number | null | undefined) => (ok(n) ? `${n >= 0 ? '+' : ''}${n.toFixed(1)}%` : DASH);
/** A 0..1 fraction as a percentage. */
export const ratePct = (n: number | null | undefined) => (ok(n) ? `${(n * 100).toFixed(1)}%` : DASH);
export const duration = (s: number | null | undefined) => {
  if (!ok(s)) return DASH;
  if (s < 60) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
};
/** A configuration as the UI names it: the baseline, a k, or a draft model (with its k when there is one). */
export const configLabel = (k: number | null, draftModel?: string | null) =>
  k === 0 || (k === null && !draftModel) ? 'Baseline (k = 0)' : k === null ? `draft ${draftModel}` : `k = ${k}`;
export const when = (iso: string | null | undefined) => {
  if (!iso) return DASH;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
};
/** Share of a sweep's requests done, as a whole percentage (0 before the total is known). */
export const progressPct = (p: { done: number; total: number }) => (p.total > 0 ? Math.round((p.done / p.total) * 100) : 0);
