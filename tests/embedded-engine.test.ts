/**
 * The embedded engine end to end: generated GGUF pairs, the server as a real
 * child process per k, SpecTune's own bench client over real HTTP, and an
 * independent count of what speculation must have accepted.
 *
 * The reference is computed here without the server's code: the target's
 * greedy text and the draft's greedy continuations come from node-llama-cpp's
 * plain `sequence.evaluate` (not the controlledEvaluate batches the server
 * uses), and the accept rule is replayed on them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getLlama, type Llama, type LlamaContextSequence, type LlamaModel, type Token } from 'node-llama-cpp';
import { generateGgufPair, type GeneratedPair } from '../src/engines/embedded/gguf/generate-pair';
import { startEmbeddedServer, type RunningServer } from '../src/engines/embedded/server/spawn';
import { streamCompletionDetailed, type CompletionRequest } from '../src/core/bench-client';
import { freePort } from './helpers/processes';

const PROMPTS = ['Tell me a story about a fast model.', 'Explain how the server works, in detail.', 'Write a poem: water, light, earth!'];
const MAX_TOKENS = 40;
const KS = [0, 2, 4] as const;

interface Timings {
  predicted_n: number;
  draft_n?: number;
  draft_n_accepted?: number;
  draft_n_accepted_per_pos?: number[];
}

interface Observed {
  hash: string;
  text: string;
  completionTokens: number;
  promptTokens: number | null;
  timings: Timings;
}

interface Counts {
  drafted: number;
  accepted: number;
  acceptedPerPos: number[];
}

let dir: string;
let llama: Llama;
const servers: RunningServer[] = [];
const pairs: Record<'default' | 'oracle', GeneratedPair> = {} as never;
/** observed[pair][k][prompt index] */
const observed: Record<string, Record<number, Observed[]>> = { default: {}, oracle: {} };

async function runPrompts(server: RunningServer): Promise<Observed[]> {
  const out: Observed[] = [];
  for (const prompt of PROMPTS) {
    const req: CompletionRequest = {
      baseUrl: server.baseUrl,
      model: 'target',
      api: 'completions',
      system: '',
      prompt,
      maxTokens: MAX_TOKENS,
      temperature: 0,
      seed: 7,
      ignoreEos: false,
      connectTimeoutMs: 5000,
      stallTimeoutMs: 15_000,
    };
    const d = await streamCompletionDetailed(req);
    out.push({
      hash: d.metrics.outputHash,
      text: d.text,
      completionTokens: d.metrics.completionTokens,
      promptTokens: d.metrics.promptTokens,
      timings: (d.usageChunk as { timings: Timings }).timings,
    });
  }
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'spectune-embedded-'));
  pairs.default = await generateGgufPair({ outDir: path.join(dir, 'default') });
  pairs.oracle = await generateGgufPair({ outDir: path.join(dir, 'oracle'), divergence: 0 });
  // Default pair: k = 0, 2, 4. Oracle pair: k = 4 only (its k = 0 output is checked against
  // the target run in process instead): each launch costs seconds on a busy 2-core machine.
  const runs: Array<['default' | 'oracle', number]> = [...KS.map((k) => ['default', k] as ['default', number]), ['oracle', 4]];
  for (const [name, k] of runs) {
    const server = await startEmbeddedServer({ model: pairs[name].targetPath, draftModel: pairs[name].draftPath, draftMax: k, port: await freePort() });
    servers.push(server);
    try {
      observed[name][k] = await runPrompts(server);
    } finally {
      const exit = await server.stop();
      expect(exit, `server (k=${k}) must exit cleanly on SIGTERM; log:\n${server.log()}`).toEqual({ code: 0, signal: null });
    }
  }
  llama = await getLlama({ gpu: false, build: 'never' });
}, 120_000);

afterAll(async () => {
  for (const s of servers) await s.stop(1000);
  loaded.clear();
  await llama?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Greedy tokens after `prefix`, via node-llama-cpp's plain generator; stops after the end-of-sequence token. */
async function greedy(seq: LlamaContextSequence, prefix: Token[], n: number): Promise<Token[]> {
  await seq.clearHistory();
  const out: Token[] = [];
  if (n <= 0) return out;
  const eos = seq.model.tokens.eos;
  for await (const t of seq.evaluate(prefix, { temperature: 0, yieldEogToken: true })) {
    out.push(t);
    if (out.length >= n || t === eos) break;
  }
  return out;
}

/** What speculation with draft length k must accept, replayed on the target's own greedy text. */
async function replay(target: Token[], draftSeq: LlamaContextSequence, prompt: Token[], k: number): Promise<Counts> {
  const counts: Counts = { drafted: 0, accepted: 0, acceptedPerPos: new Array<number>(k).fill(0) };
  const eos = draftSeq.model.tokens.eos;
  let last = 0; // index in `target` of the last emitted token
  while (last + 1 < MAX_TOKENS && target[last] !== eos && last + 1 < target.length) {
    const room = MAX_TOKENS - (last + 1);
    const proposal = await greedy(draftSeq, [...prompt, ...target.slice(0, last + 1)], Math.min(k, room - 1));
    let accepted = 0;
    while (accepted < proposal.length && proposal[accepted] === target[last + 1 + accepted]) accepted++;
    counts.drafted += proposal.length;
    counts.accepted += accepted;
    for (let i = 0; i < accepted; i++) counts.acceptedPerPos[i]++;
    last += accepted + 1;
  }
  return counts;
}

interface Loaded {
  target: LlamaModel;
  tseq: LlamaContextSequence;
  dseq: LlamaContextSequence;
}
const loaded = new Map<string, Loaded>();

async function load(name: 'default' | 'oracle'): Promise<Loaded> {
  const cached = loaded.get(name);
  if (cached) return cached;
  const target = await llama.loadModel({ modelPath: pairs[name].targetPath });
  const draft = await llama.loadModel({ modelPath: pairs[name].draftPath });
  const tseq = (await target.createContext({ contextSize: 256, threads: 1 })).getSequence();
  const dseq = (await draft.createContext({ contextSize: 256, threads: 1 })).getSequence();
  const l = { target, tseq, dseq };
  loaded.set(name, l);
  return l;
}

function ksFor(name: 'default' | 'oracle'): number[] {
  return Object.keys(observed[name]).map(Number);
}

function acceptance(obs: Observed[]): number {
  const drafted = obs.reduce((a, o) => a + (o.timings.draft_n ?? 0), 0);
  const accepted = obs.reduce((a, o) => a + (o.timings.draft_n_accepted ?? 0), 0);
  return accepted / drafted;
}

describe.each(['default', 'oracle'] as const)('embedded engine, %s pair', (name) => {
  it('is lossless: the same output at every k (temperature 0), equal to the target decoding alone', async () => {
    const { target, tseq } = await load(name);
    for (let i = 0; i < PROMPTS.length; i++) {
      const prompt = [target.tokens.bos as Token, ...target.tokenize(PROMPTS[i])];
      const expected = await greedy(tseq, prompt, MAX_TOKENS);
      const text = target.detokenize(expected.filter((t) => t !== target.tokens.eos));
      for (const k of ksFor(name)) {
        const o = observed[name][k][i];
        expect(o.hash, `prompt ${i}, k=${k}`).toBe(observed[name][ksFor(name)[0]][i].hash);
        expect(o.text, `prompt ${i}, k=${k}: the server's text must be the target's own greedy text`).toBe(text);
        expect(o.completionTokens).toBe(expected.length);
        expect(o.promptTokens).toBe(prompt.length);
        expect(o.timings.predicted_n).toBe(expected.length);
      }
    }
  });

  it('reports no draft statistics at k = 0, and exactly the replayed counts for k > 0', async () => {
    const { target, tseq, dseq } = await load(name);
    for (const o of observed[name][0] ?? []) expect(o.timings.draft_n).toBeUndefined();
    for (let i = 0; i < PROMPTS.length; i++) {
      const prompt = [target.tokens.bos as Token, ...target.tokenize(PROMPTS[i])];
      const expected = await greedy(tseq, prompt, MAX_TOKENS);
      for (const k of ksFor(name).filter((k) => k > 0)) {
        const counts = await replay(expected, dseq, prompt, k);
        const t = observed[name][k][i].timings;
        expect({ drafted: t.draft_n, accepted: t.draft_n_accepted, acceptedPerPos: t.draft_n_accepted_per_pos }, `prompt ${i}, k=${k}`).toEqual(
          counts,
        );
      }
    }
  });

  it(name === 'oracle' ? 'accepts every drafted token' : 'accepts some drafted tokens but not all', () => {
    for (const k of ksFor(name).filter((k) => k > 0)) {
      const a = acceptance(observed[name][k]);
      if (name === 'oracle') expect(a, `k=${k}`).toBe(1);
      else {
        expect(a, `k=${k}`).toBeGreaterThan(0.05);
        expect(a, `k=${k}`).toBeLessThan(0.95);
      }
    }
  });
});
