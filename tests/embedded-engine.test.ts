/**
 * The embedded engine end to end: generated GGUF pairs, the server as a real
 * child process per k, SpecTune's own bench client over real HTTP, and an
 * independent count of what speculation must have accepted.
 *
 * The reference is computed here without the server's code: the target's
 * greedy text and the draft's greedy continuations come from node-llama-cpp's
 * plain `sequence.evaluate` (not the controlledEvaluate batches the server
 * uses), and the accept rule is replayed on them. With a confidence cut-off
 * (p_min) the replay also applies llama-server's rule to the draft's own
 * probabilities, renormalised here from the full distribution.
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
/** A run: draft length k and confidence cut-off p_min. */
interface Arm {
  k: number;
  pMin: number;
}
const DEFAULT_ARMS: Arm[] = [
  { k: 0, pMin: 0 },
  { k: 2, pMin: 0 },
  { k: 4, pMin: 0 },
  // Measured on this pair (bench:embedded, k = 4): p_min 0.5 cuts drafts to ~1.75 tokens and lifts acceptance from ~0.3 to ~0.8.
  { k: 4, pMin: 0.5 },
];
const ORACLE_ARMS: Arm[] = [{ k: 4, pMin: 0 }];
/** llama-server's draft sampler keeps this many candidates; p_min is compared with the likeliest's share of them. */
const DRAFT_CANDIDATES = 10;
const armKey = (a: Arm) => `k=${a.k} p_min=${a.pMin}`;

interface Timings {
  predicted_n: number;
  draft_n?: number;
  draft_n_accepted?: number;
  draft_n_accepted_per_pos?: number[];
  draft_n_drafts?: number;
}

interface Observed {
  hash: string;
  text: string;
  completionTokens: number;
  promptTokens: number | null;
  timings: Timings;
}

interface Counts {
  drafts: number;
  drafted: number;
  accepted: number;
  acceptedPerPos: number[];
}

let dir: string;
let llama: Llama;
const servers: RunningServer[] = [];
const pairs: Record<'default' | 'oracle', GeneratedPair> = {} as never;
/** observed[pair][armKey][prompt index] */
const observed: Record<string, Record<string, Observed[]>> = { default: {}, oracle: {} };
const armsOf: Record<'default' | 'oracle', Arm[]> = { default: DEFAULT_ARMS, oracle: ORACLE_ARMS };
/** What each default-pair server said in /props: llama-server's flat `speculative.p_min` key. */
const propsPMin: Record<string, unknown> = {};

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
  // Oracle pair: k = 4 only (its k = 0 output is checked against the target run in
  // process instead): each launch costs seconds on a busy 2-core machine.
  const runs = (['default', 'oracle'] as const).flatMap((name) => armsOf[name].map((arm) => [name, arm] as const));
  for (const [name, arm] of runs) {
    const server = await startEmbeddedServer({
      model: pairs[name].targetPath,
      draftModel: pairs[name].draftPath,
      draftMax: arm.k,
      draftPMin: arm.pMin,
      port: await freePort(),
    });
    servers.push(server);
    try {
      observed[name][armKey(arm)] = await runPrompts(server);
      if (name === 'default') {
        const props = (await (await fetch(`${server.baseUrl}/props`)).json()) as { default_generation_settings: { params: Record<string, unknown> } };
        propsPMin[armKey(arm)] = props.default_generation_settings.params['speculative.p_min'];
      }
    } finally {
      const exit = await server.stop();
      expect(exit, `server (${armKey(arm)}) must exit cleanly on SIGTERM; log:\n${server.log()}`).toEqual({ code: 0, signal: null });
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

/**
 * The draft's greedy tokens after `prefix`, stopping after the end-of-sequence
 * token or before the first token whose share of the draft's 10 likeliest is
 * below pMin (llama-server's cut-off).
 */
async function draftGreedy(seq: LlamaContextSequence, prefix: Token[], n: number, pMin: number): Promise<Token[]> {
  await seq.clearHistory();
  const out: Token[] = [];
  if (n <= 0) return out;
  const eos = seq.model.tokens.eos;
  for await (const next of seq.evaluateWithMetadata(prefix, { probabilities: true }, { temperature: 0, yieldEogToken: true })) {
    const top = [...next.probabilities.values()].sort((a, b) => b - a).slice(0, DRAFT_CANDIDATES);
    const share = (next.probabilities.get(next.token) ?? 0) / top.reduce((a, p) => a + p, 0);
    if (share < pMin) break;
    out.push(next.token);
    if (out.length >= n || next.token === eos) break;
  }
  return out;
}

/** What speculation with draft length k and cut-off pMin must accept, replayed on the target's own greedy text. */
async function replay(target: Token[], draftSeq: LlamaContextSequence, prompt: Token[], { k, pMin }: Arm): Promise<Counts> {
  const counts: Counts = { drafts: 0, drafted: 0, accepted: 0, acceptedPerPos: new Array<number>(k).fill(0) };
  const eos = draftSeq.model.tokens.eos;
  let last = 0; // index in `target` of the last emitted token
  while (last + 1 < MAX_TOKENS && target[last] !== eos && last + 1 < target.length) {
    const room = MAX_TOKENS - (last + 1);
    const proposal = await draftGreedy(draftSeq, [...prompt, ...target.slice(0, last + 1)], Math.min(k, room - 1), pMin);
    let accepted = 0;
    while (accepted < proposal.length && proposal[accepted] === target[last + 1 + accepted]) accepted++;
    if (proposal.length > 0) counts.drafts++;
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

const total = (obs: Observed[], field: 'draft_n' | 'draft_n_accepted' | 'draft_n_drafts') => obs.reduce((a, o) => a + (o.timings[field] ?? 0), 0);

function acceptance(obs: Observed[]): number {
  return total(obs, 'draft_n_accepted') / total(obs, 'draft_n');
}

describe.each(['default', 'oracle'] as const)('embedded engine, %s pair', (name) => {
  it('is lossless: the same output at every k (temperature 0), equal to the target decoding alone', async () => {
    const { target, tseq } = await load(name);
    for (let i = 0; i < PROMPTS.length; i++) {
      const prompt = [target.tokens.bos as Token, ...target.tokenize(PROMPTS[i])];
      const expected = await greedy(tseq, prompt, MAX_TOKENS);
      const text = target.detokenize(expected.filter((t) => t !== target.tokens.eos));
      for (const arm of armsOf[name]) {
        const o = observed[name][armKey(arm)][i];
        expect(o.hash, `prompt ${i}, ${armKey(arm)}`).toBe(observed[name][armKey(armsOf[name][0])][i].hash);
        expect(o.text, `prompt ${i}, ${armKey(arm)}: the server's text must be the target's own greedy text`).toBe(text);
        expect(o.completionTokens).toBe(expected.length);
        expect(o.promptTokens).toBe(prompt.length);
        expect(o.timings.predicted_n).toBe(expected.length);
      }
    }
  });

  it('reports no draft statistics at k = 0, and exactly the replayed counts for k > 0', async () => {
    const { target, tseq, dseq } = await load(name);
    for (const o of observed[name][armKey({ k: 0, pMin: 0 })] ?? []) expect(o.timings.draft_n).toBeUndefined();
    for (let i = 0; i < PROMPTS.length; i++) {
      const prompt = [target.tokens.bos as Token, ...target.tokenize(PROMPTS[i])];
      const expected = await greedy(tseq, prompt, MAX_TOKENS);
      for (const arm of armsOf[name].filter((a) => a.k > 0)) {
        const counts = await replay(expected, dseq, prompt, arm);
        const t = observed[name][armKey(arm)][i].timings;
        // A reply with nothing drafted carries no draft fields, as llama-server's.
        const reported = { drafts: t.draft_n_drafts ?? 0, drafted: t.draft_n ?? 0, accepted: t.draft_n_accepted ?? 0, acceptedPerPos: t.draft_n_accepted_per_pos };
        expect(reported, `prompt ${i}, ${armKey(arm)}`).toEqual({ ...counts, acceptedPerPos: counts.drafted > 0 ? counts.acceptedPerPos : undefined });
      }
    }
  });

  it(name === 'oracle' ? 'accepts every drafted token' : 'accepts some drafted tokens but not all at p_min 0', () => {
    for (const arm of armsOf[name].filter((a) => a.k > 0 && a.pMin === 0)) {
      const a = acceptance(observed[name][armKey(arm)]);
      if (name === 'oracle') expect(a, armKey(arm)).toBe(1);
      else {
        expect(a, armKey(arm)).toBeGreaterThan(0.05);
        expect(a, armKey(arm)).toBeLessThan(0.95);
      }
    }
  });
});

describe('embedded engine, confidence cut-off (p_min) on the default pair', () => {
  it('drafts fewer tokens per draft and accepts a larger share of them at a higher p_min', () => {
    const plain = observed.default[armKey({ k: 4, pMin: 0 })];
    const cut = observed.default[armKey({ k: 4, pMin: 0.5 })];
    const perDraft = (obs: Observed[]) => total(obs, 'draft_n') / total(obs, 'draft_n_drafts');
    expect(total(cut, 'draft_n_drafts'), 'the cut-off must leave some drafts to compare').toBeGreaterThan(5);
    expect(perDraft(cut), 'drafted tokens per draft').toBeLessThan(perDraft(plain));
    expect(perDraft(cut), 'drafts stopped before k = 4').toBeLessThan(3);
    expect(total(cut, 'draft_n'), 'tokens drafted in all').toBeLessThan(total(plain, 'draft_n'));
    expect(acceptance(cut), 'share of drafted tokens accepted').toBeGreaterThan(acceptance(plain) + 0.2);
  });

  it('says its cut-off in /props, as llama-server does', () => {
    expect(propsPMin).toEqual(Object.fromEntries(DEFAULT_ARMS.map((a) => [armKey(a), a.pMin])));
  });
});
