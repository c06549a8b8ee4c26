/**
 * Pairing and intervals: a configuration's requests matched with another's on the
 * same prompt, system prompt and repeat, and the interval of their speed ratio,
 * resampled within each prompt (its stratum).
 */
import type { Measurement } from '../schemas';
import { ratioOfMediansCI, round } from '../stats';

export const okTps = (ms: readonly Measurement[]): number[] =>
  ms.flatMap((m) => (m.ok && m.metrics ? [m.metrics.tokensPerSecond] : []));

const cellKey = (m: Pick<Measurement, 'promptType' | 'systemPrompt' | 'repeat'>) => `${m.promptType}\u0000${m.systemPrompt}\u0000${m.repeat}`;

/** Pairs a's and b's successful measurements of the same prompt, system prompt and repeat. */
export function pairUp(a: readonly Measurement[], b: readonly Measurement[]): { a: number[]; b: number[]; strata: string[] } {
  const byCell = new Map(b.filter((m) => m.ok && m.metrics).map((m) => [cellKey(m), m.metrics!.tokensPerSecond]));
  const pa: number[] = [];
  const pb: number[] = [];
  const strata: string[] = [];
  for (const m of a) {
    const other = m.ok && m.metrics ? byCell.get(cellKey(m)) : undefined;
    if (other !== undefined) {
      pa.push(m.metrics!.tokensPerSecond);
      pb.push(other);
      strata.push(stratumKey(m));
    }
  }
  return { a: pa, b: pb, strata };
}

/** The prompt a measurement ran on (prompt type × system prompt), without the repeat: the stratum its noise is measured in. */
export const stratumKey = (m: Pick<Measurement, 'promptType' | 'systemPrompt'>) => `${m.promptType}\u0000${m.systemPrompt}`;

/** Interval of median(a)/median(b), paired (and resampled within prompt) when the cells line up. */
export function ratioCI(a: readonly Measurement[], b: readonly Measurement[]): [number, number] | null {
  const p = pairUp(a, b);
  if (p.a.length >= 2) return ratioOfMediansCI(p.a, p.b, { paired: true, strata: p.strata });
  return ratioOfMediansCI(okTps(a), okTps(b));
}

export function pctCI(ratio: [number, number] | null): [number, number] | null {
  return ratio ? [round((ratio[0] - 1) * 100, 1)!, round((ratio[1] - 1) * 100, 1)!] : null;
}
