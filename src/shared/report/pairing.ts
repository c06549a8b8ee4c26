/**
 * What the report's figures are taken over: a configuration's successful speeds, and
 * the prompt each measurement ran on (its stratum, which intervals resample within).
 */
import type { Measurement } from '../schemas';

export const okTps = (ms: readonly Measurement[]): number[] =>
  ms.flatMap((m) => (m.ok && m.metrics ? [m.metrics.tokensPerSecond] : []));

/** The prompt a measurement ran on (prompt type × system prompt), without the repeat: the stratum its noise is measured in. */
export const stratumKey = (m: Pick<Measurement, 'promptType' | 'systemPrompt'>) => `${m.promptType}\u0000${m.systemPrompt}`;
