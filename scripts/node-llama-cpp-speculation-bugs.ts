/**
 * Minimal reproduction of two bugs in node-llama-cpp's own speculative decoding
 * (3.21.1), written up in docs/embedded-engine.md. The embedded engine does not
 * use that code path: it drafts and verifies itself (src/engines/embedded/server).
 *
 *   node bin/run-ts.js scripts/node-llama-cpp-speculation-bugs.ts
 *
 * It uses an ORACLE draft (a generated pair with divergence 0: the draft's
 * greedy choice is the target's at every position), so with greedy decoding
 * every drafted token must be validated and none refuted, and the draft's KV
 * cache must hold exactly the target's tokens.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DraftSequenceTokenPredictor, getLlama, type Token } from 'node-llama-cpp';
import { generateGgufPair } from '../src/engines/embedded/gguf/generate-pair';

const dir = await mkdtemp(path.join(tmpdir(), 'nlc-spec-bugs-'));
const llama = await getLlama({ gpu: false, build: 'never' });
try {
  const pair = await generateGgufPair({ outDir: dir, divergence: 0 });
  const target = await llama.loadModel({ modelPath: pair.targetPath });
  const draft = await llama.loadModel({ modelPath: pair.draftPath });
  const prompt = [target.tokens.bos as Token, ...target.tokenize('Tell me a story about a fast model.')];
  const N = 60;

  for (const [label, options] of [
    ['defaults (minTokens 0, minConfidence 0.6)', { maxTokens: 4 }],
    ['k = 4, minTokens 4, minConfidence 0', { minTokens: 4, maxTokens: 4, minConfidence: 0 }],
    ['k = 1, minTokens 1, minConfidence 0', { minTokens: 1, maxTokens: 1, minConfidence: 0 }],
  ] as const) {
    const draftCtx = await draft.createContext({ contextSize: 256, threads: 1 });
    const targetCtx = await target.createContext({ contextSize: 256, threads: 1 });
    const draftSeq = draftCtx.getSequence();
    const seq = targetCtx.getSequence({ tokenPredictor: new DraftSequenceTokenPredictor(draftSeq, options) });
    const out: Token[] = [];
    for await (const t of seq.evaluate(prompt, { temperature: 0 })) {
      out.push(t);
      if (out.length >= N) break;
    }
    // Reference: the same target, no predictor.
    const plainCtx = await target.createContext({ contextSize: 256, threads: 1 });
    const plain: Token[] = [];
    for await (const t of plainCtx.getSequence().evaluate(prompt, { temperature: 0 })) {
      plain.push(t);
      if (plain.length >= N) break;
    }
    const draftTokens = draftSeq.contextTokens;
    const expectedPrefix = [...prompt, ...out];
    let firstDiff = draftTokens.findIndex((t, i) => t !== expectedPrefix[i]);
    if (firstDiff < 0) firstDiff = draftTokens.length;
    console.log(`\n${label}`);
    console.log(`  output equals plain decoding: ${out.join(',') === plain.join(',')}`);
    console.log(`  tokenPredictions: ${JSON.stringify(seq.tokenPredictions)}  (oracle draft: refuted must be 0)`);
    console.log(
      `  draft KV: ${draftTokens.length} tokens; first position that differs from prompt+output: ${firstDiff === draftTokens.length ? 'none' : firstDiff}` +
        ` (prompt ${prompt.length} tokens)`,
    );
    await plainCtx.dispose();
    await targetCtx.dispose();
    await draftCtx.dispose();
  }
} finally {
  await llama.dispose();
  await rm(dir, { recursive: true, force: true });
}
