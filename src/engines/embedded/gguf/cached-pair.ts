/**
 * A generated pair kept in a cache folder (for the demo: generate on first use,
 * reuse afterwards). The parameters are recorded beside the files, so a change
 * of size, divergence, seed or generator version regenerates instead of
 * reusing files made for something else.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_DIVERGENCE, DEFAULT_SEED, generateGgufPair } from './generate-pair';
import type { ModelSize } from './model-sizes';

/** Bump when generate-pair.ts changes what it writes. */
const GENERATOR_VERSION = 2;

export interface CachedPair {
  targetPath: string;
  draftPath: string;
  /** false when the files were already there. */
  generated: boolean;
}

export async function ensureGgufPair(opts: { dir: string; size?: ModelSize; divergence?: number; seed?: number }): Promise<CachedPair> {
  const params = {
    generator: GENERATOR_VERSION,
    size: opts.size ?? 'tiny',
    divergence: opts.divergence ?? DEFAULT_DIVERGENCE,
    seed: opts.seed ?? DEFAULT_SEED,
  };
  const key = JSON.stringify(params);
  const marker = path.join(opts.dir, 'spectune-gguf.json');
  const targetPath = path.join(opts.dir, 'target.gguf');
  const draftPath = path.join(opts.dir, 'draft.gguf');
  try {
    const [recorded] = await Promise.all([readFile(marker, 'utf8'), stat(targetPath), stat(draftPath)]);
    if (recorded === key) return { targetPath, draftPath, generated: false };
  } catch {
    /* missing or unreadable: generate */
  }
  await generateGgufPair({ outDir: opts.dir, size: params.size, divergence: params.divergence, seed: params.seed });
  // Written last: an interrupted generation leaves no marker, so it is redone.
  await writeFile(marker, key);
  return { targetPath, draftPath, generated: true };
}
