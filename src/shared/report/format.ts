/** Percentages and intervals as the report's sentences write them. */
export function fmtPct(x: number | null): string {
  return x === null ? 'n/a' : `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`;
}

export function fmtRange(r: [number, number] | null): string {
  return r ? `${fmtPct(r[0])} … ${fmtPct(r[1])}` : 'unknown';
}
