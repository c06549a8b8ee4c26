/**
 * Seeded random numbers for generated weights. mulberry32 is fast enough to fill
 * ~100 MB of weights in about a second, and the same seed gives the same file.
 */
import { mulberry32 } from '../../../shared/stats';

export { mulberry32 };

/** FNV-1a of a string: gives every tensor its own stream, independent of generation order. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Uniform values with mean 0 and the given standard deviation (U(-a, a) has variance a²/3). */
export function randomTensor(length: number, std: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  const next = mulberry32(seed);
  const a = std * Math.sqrt(3);
  for (let i = 0; i < length; i++) out[i] = (next() * 2 - 1) * a;
  return out;
}
