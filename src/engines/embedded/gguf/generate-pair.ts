/**
 * Writes a target and a draft llama model (GGUF, F32) from a seed.
 *
 * The draft is the target with its later blocks removed: it shares the
 * embedding, the output head and the first `draftBlocks` blocks. In the target,
 * the blocks the draft lacks have their output projections (attn_output,
 * ffn_down) multiplied by `divergence`. Those projections are the only way a
 * block writes into the residual stream, so:
 * - divergence 0: the extra blocks add exactly 0.0 to every activation; the
 *   target computes bit-for-bit what the draft computes (an oracle draft,
 *   acceptance must be exactly 1);
 * - small divergence: the draft agrees with the target on most tokens;
 * - larger: it agrees less often.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { serializeGguf, type GgufTensor, type GgufValue } from './gguf-writer';
import { BOS_ID, buildVocabulary, EOS_ID, UNK_ID, type Vocabulary } from './vocab';
import { hashString, randomTensor } from './prng';
import { MODEL_SIZES, type ModelShape, type ModelSize } from './model-sizes';

export const DEFAULT_DIVERGENCE = 0.5;
export const DEFAULT_SEED = 1;

export interface GeneratePairOptions {
  outDir: string;
  size?: ModelSize;
  /** Overrides `size` (benchmarks that look for the crossover). */
  shape?: ModelShape;
  divergence?: number;
  seed?: number;
}

export interface GeneratedPair {
  targetPath: string;
  draftPath: string;
  targetBytes: number;
  draftBytes: number;
  shape: ModelShape;
  vocabularySize: number;
  divergence: number;
  seed: number;
  elapsedMs: number;
}

/** Logit spread: with std ~4 the argmax is clear, so tiny float differences between batch and single-token kernels do not flip greedy choices. */
const OUTPUT_GAIN = 4;

export async function generateGgufPair(opts: GeneratePairOptions): Promise<GeneratedPair> {
  const started = performance.now();
  const shape = opts.shape ?? MODEL_SIZES[opts.size ?? 'tiny'];
  const divergence = opts.divergence ?? DEFAULT_DIVERGENCE;
  const seed = opts.seed ?? DEFAULT_SEED;
  validateShape(shape);
  if (!Number.isFinite(divergence) || divergence < 0) throw new Error(`divergence must be a number ≥ 0 (got ${divergence})`);
  const vocab = buildVocabulary();
  const tensors = buildTargetTensors(shape, vocab.tokens.length, divergence, seed);
  const draftNames = new Set(draftTensorNames(shape));
  const target = serializeGguf(metadata(shape, shape.targetBlocks, vocab, 'spectune-target'), tensors);
  const draft = serializeGguf(
    metadata(shape, shape.draftBlocks, vocab, 'spectune-draft'),
    tensors.filter((t) => draftNames.has(t.name)),
  );
  await mkdir(opts.outDir, { recursive: true });
  const targetPath = path.join(opts.outDir, 'target.gguf');
  const draftPath = path.join(opts.outDir, 'draft.gguf');
  await writeFile(targetPath, target);
  await writeFile(draftPath, draft);
  return {
    targetPath,
    draftPath,
    targetBytes: target.length,
    draftBytes: draft.length,
    shape,
    vocabularySize: vocab.tokens.length,
    divergence,
    seed,
    elapsedMs: performance.now() - started,
  };
}

function validateShape(s: ModelShape): void {
  if (s.embedding % s.heads !== 0) throw new Error(`embedding (${s.embedding}) must be a multiple of heads (${s.heads})`);
  if (s.draftBlocks < 1 || s.draftBlocks > s.targetBlocks) {
    throw new Error(`draftBlocks must be between 1 and targetBlocks (${s.targetBlocks}); got ${s.draftBlocks}`);
  }
}

function metadata(shape: ModelShape, blocks: number, vocab: Vocabulary, name: string): Array<[string, GgufValue]> {
  return [
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.name', { type: 'string', value: name }],
    ['general.file_type', { type: 'u32', value: 0 }], // all F32
    ['llama.context_length', { type: 'u32', value: shape.context }],
    ['llama.embedding_length', { type: 'u32', value: shape.embedding }],
    ['llama.block_count', { type: 'u32', value: blocks }],
    ['llama.feed_forward_length', { type: 'u32', value: shape.feedForward }],
    ['llama.attention.head_count', { type: 'u32', value: shape.heads }],
    ['llama.attention.head_count_kv', { type: 'u32', value: shape.heads }],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'f32', value: 1e-5 }],
    ['llama.rope.dimension_count', { type: 'u32', value: shape.embedding / shape.heads }],
    ['llama.vocab_size', { type: 'u32', value: vocab.tokens.length }],
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: 'string[]', value: vocab.tokens }],
    ['tokenizer.ggml.scores', { type: 'f32[]', value: vocab.scores }],
    ['tokenizer.ggml.token_type', { type: 'i32[]', value: vocab.types }],
    ['tokenizer.ggml.unknown_token_id', { type: 'u32', value: UNK_ID }],
    ['tokenizer.ggml.bos_token_id', { type: 'u32', value: BOS_ID }],
    ['tokenizer.ggml.eos_token_id', { type: 'u32', value: EOS_ID }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: true }],
    ['tokenizer.ggml.add_eos_token', { type: 'bool', value: false }],
  ];
}

function draftTensorNames(shape: ModelShape): string[] {
  const names = ['token_embd.weight', 'output_norm.weight', 'output.weight'];
  for (let b = 0; b < shape.draftBlocks; b++) names.push(...BLOCK_TENSORS.map((t) => `blk.${b}.${t}`));
  return names;
}

const BLOCK_TENSORS = [
  'attn_norm.weight',
  'attn_q.weight',
  'attn_k.weight',
  'attn_v.weight',
  'attn_output.weight',
  'ffn_norm.weight',
  'ffn_gate.weight',
  'ffn_up.weight',
  'ffn_down.weight',
] as const;

function buildTargetTensors(shape: ModelShape, vocabSize: number, divergence: number, seed: number): GgufTensor[] {
  const e = shape.embedding;
  const f = shape.feedForward;
  const rand = (name: string, dims: number[], std: number): GgufTensor => ({
    name,
    dims,
    data: randomTensor(dims[0] * (dims[1] ?? 1), std, (hashString(name) ^ Math.imul(seed, 0x9e3779b1)) >>> 0),
  });
  const ones = (name: string, n: number): GgufTensor => ({ name, dims: [n], data: new Float32Array(n).fill(1) });
  const tensors: GgufTensor[] = [
    rand('token_embd.weight', [e, vocabSize], 1),
    ones('output_norm.weight', e),
    rand('output.weight', [e, vocabSize], OUTPUT_GAIN / Math.sqrt(e)),
  ];
  // The extra blocks' contributions add up like random vectors (their norm grows
  // with the square root of their number), so each is scaled by 1/sqrt(extra):
  // a given divergence then means about the same disagreement at every size.
  const extraScale = divergence / Math.sqrt(Math.max(1, shape.targetBlocks - shape.draftBlocks));
  for (let b = 0; b < shape.targetBlocks; b++) {
    // Only the blocks the draft lacks are scaled: they are where target and draft differ.
    const writeScale = b < shape.draftBlocks ? 1 : extraScale;
    const p = `blk.${b}.`;
    tensors.push(
      ones(`${p}attn_norm.weight`, e),
      rand(`${p}attn_q.weight`, [e, e], 1 / Math.sqrt(e)),
      rand(`${p}attn_k.weight`, [e, e], 1 / Math.sqrt(e)),
      rand(`${p}attn_v.weight`, [e, e], 1 / Math.sqrt(e)),
      rand(`${p}attn_output.weight`, [e, e], writeScale / Math.sqrt(e)),
      ones(`${p}ffn_norm.weight`, e),
      rand(`${p}ffn_gate.weight`, [e, f], 1 / Math.sqrt(e)),
      rand(`${p}ffn_up.weight`, [e, f], 1 / Math.sqrt(e)),
      rand(`${p}ffn_down.weight`, [f, e], writeScale / Math.sqrt(f)),
    );
  }
  return tensors;
}
