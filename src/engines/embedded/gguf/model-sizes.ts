/**
 * Shapes of the generated llama models. `tiny` loads in milliseconds and is what
 * the tests use; `small` is big enough (tens of MB of F32 weights, beyond the CPU
 * caches) that one token costs a full pass over memory, which is the regime where
 * verifying k drafted tokens in one batch can beat k single-token steps.
 */
export interface ModelShape {
  embedding: number;
  heads: number;
  feedForward: number;
  context: number;
  /** Target blocks. */
  targetBlocks: number;
  /** The draft keeps the target's first `draftBlocks` blocks and drops the rest. */
  draftBlocks: number;
}

export const MODEL_SIZES = {
  tiny: { embedding: 64, heads: 4, feedForward: 128, context: 2048, targetBlocks: 2, draftBlocks: 1 },
  small: { embedding: 512, heads: 8, feedForward: 1536, context: 2048, targetBlocks: 8, draftBlocks: 1 },
} as const satisfies Record<string, ModelShape>;

export type ModelSize = keyof typeof MODEL_SIZES;
export const MODEL_SIZE_NAMES = Object.keys(MODEL_SIZES) as ModelSize[];
