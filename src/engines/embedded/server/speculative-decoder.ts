/**
 * Speculative decoding with two plain context sequences, counted by us.
 *
 * node-llama-cpp has its own speculation (DraftSequenceTokenPredictor), but its
 * counters are wrong in 3.21.1 (see docs/embedded-engine.md): so this loop does
 * it the way llama-server does, in the open:
 *
 *   1. the draft model proposes up to k tokens greedily, one evaluation each,
 *      stopping at the first token it gives less than p_min probability (the
 *      cut-off of llama-server's --draft-p-min);
 *   2. the target evaluates the last committed token plus those k tokens in ONE
 *      batch and picks its own token after each position;
 *   3. the longest prefix where draft and target agree is accepted, plus the
 *      target's own next token (the correction, or a bonus when all k match);
 *   4. the rejected tail is erased from both KV caches.
 *
 * Every emitted token is the target's own choice given the emitted prefix, so
 * the output equals plain decoding at every k (lossless); only the number of
 * target evaluations changes.
 */
import type { LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';
import { TokenBias } from 'node-llama-cpp';
import { pickToken, type SamplingOptions } from './sampling';

export interface DecodeRequest {
  promptTokens: readonly Token[];
  maxTokens: number;
  sampling: SamplingOptions;
  ignoreEos: boolean;
  /** Checked between steps: a client that went away stops the generation. */
  isCancelled?: () => boolean;
}

export interface DecodeStats {
  promptTokens: number;
  /** Prompt tokens found already in the target's cache (not evaluated again). */
  cachedTokens: number;
  promptMs: number;
  predictedTokens: number;
  predictedMs: number;
  /** Number of drafts (verification steps that had at least one drafted token). */
  drafts: number;
  drafted: number;
  accepted: number;
  /** accepted[i]: drafts whose token at position i (0-based) was accepted. */
  acceptedPerPosition: number[];
  /** drafted[i]: drafts that reached position i (a draft is cut short near max_tokens or the context end). */
  draftedPerPosition: number[];
  finishReason: 'stop' | 'length';
}

export interface DecoderSide {
  model: LlamaModel;
  sequence: LlamaContextSequence;
}

type EvalItem = Token | [Token, { generateNext: { token?: boolean; probabilities?: boolean; options: Record<string, unknown> } }];

export class SpeculativeDecoder {
  constructor(
    private readonly target: DecoderSide,
    private readonly draft: DecoderSide | null,
    /** Draft length; 0 or no draft model = plain decoding. */
    readonly draftMax: number,
    /** Confidence cut-off (0 = draft all k tokens). */
    readonly draftPMin = 0,
  ) {}

  get speculative(): boolean {
    return this.draft !== null && this.draftMax > 0;
  }

  /**
   * Generates, calling onToken for each emitted token in order (several in a
   * row after a verification step accepted a draft).
   */
  async decode(req: DecodeRequest, onToken: (token: Token) => void): Promise<DecodeStats> {
    const { target, draft } = this;
    const contextSize = target.sequence.contextSize;
    if (req.promptTokens.length === 0) throw new Error('the prompt has no tokens');
    if (req.promptTokens.length >= contextSize) {
      throw new ContextExceededError(req.promptTokens.length, contextSize);
    }
    const eos = target.model.tokens.eos;
    const targetBias = req.ignoreEos ? eosBan(target.model) : undefined;
    const draftBias = req.ignoreEos && draft ? eosBan(draft.model) : undefined;
    const stats = emptyStats(req.promptTokens.length, this.draftMax);
    const pick = pickToken(req.sampling);
    const targetOptions = pick.evaluateOptions(targetBias);
    // The draft always proposes its greedy choice; the target's choice decides.
    const draftOptions = draftSampling(draftBias);

    // committed = prompt + emitted tokens. The target's cache holds all of it but
    // the last token, which is fed with the next step.
    const committed: Token[] = [...req.promptTokens];
    const t0 = performance.now();
    const feed = await syncCache(target.sequence, committed);
    stats.cachedTokens = committed.length - feed.length;
    const first = await evaluateLast(target.sequence, feed, targetOptions, pick);
    // The draft reads the prompt lazily, with its first proposal (as llama-server's
    // draft does), so that cost lands in predicted_ms, where speculation is judged.
    const t1 = performance.now();
    stats.promptMs = t1 - t0;

    const emit = (token: Token): boolean => {
      committed.push(token);
      stats.predictedTokens++;
      onToken(token);
      if (token === eos && !req.ignoreEos) {
        stats.finishReason = 'stop';
        return false;
      }
      return stats.predictedTokens < req.maxTokens && committed.length < contextSize;
    };

    let going = emit(first);
    while (going && !req.isCancelled?.()) {
      // Room left for tokens this step may emit: the k drafted plus the target's own.
      const room = Math.min(req.maxTokens - stats.predictedTokens, contextSize - committed.length);
      const k = draft && this.speculative ? Math.min(this.draftMax, room - 1) : 0;
      const proposal = k > 0 && draft ? await this.propose(draft.sequence, committed, k, draftOptions) : [];
      const { choices, accepted } = await this.verify(committed, proposal, pick, targetOptions);
      if (proposal.length > 0) countDraft(stats, proposal.length, accepted);
      for (let i = 0; i <= accepted && going; i++) going = emit(choices[i]);
    }
    stats.predictedMs = performance.now() - t1;
    return stats;
  }

  /**
   * One target evaluation: the pending token plus the proposal, a choice after each. The
   * accepted drafted tokens are the proposal's prefix the target chose too; `choices` holds
   * the target's choice at each position (the one after the last accepted is its own token).
   */
  private async verify(
    committed: readonly Token[],
    proposal: readonly Token[],
    pick: ReturnType<typeof pickToken>,
    targetOptions: ReturnType<ReturnType<typeof pickToken>['evaluateOptions']>,
  ): Promise<{ choices: Token[]; accepted: number }> {
    const { sequence } = this.target;
    const targetFeed = await syncCache(sequence, committed);
    const items: EvalItem[] = targetFeed.slice(0, -1);
    for (const t of [targetFeed[targetFeed.length - 1], ...proposal]) items.push([t, { generateNext: pick.generateNext(targetOptions) }]);
    const results = await sequence.controlledEvaluate(items);
    const base = targetFeed.length - 1;
    let accepted = 0;
    const choices: Token[] = [];
    for (let i = 0; i <= proposal.length; i++) {
      const choice = pick.choose(results[base + i]);
      choices.push(choice);
      if (i < proposal.length && choice === proposal[i] && accepted === i) accepted++;
    }
    // Drop the rejected drafted tokens from the target's cache: it now holds
    // committed + proposal, and only the accepted prefix stays. (syncCache
    // would also find and erase them next step; doing it here keeps the
    // cache equal to the committed text between steps.)
    const keep = committed.length + accepted;
    if (sequence.nextTokenIndex > keep) await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.nextTokenIndex }]);
    return { choices, accepted };
  }

  /**
   * Greedy draft of up to k tokens; fewer when the draft's probability of its
   * own choice falls below p_min. The draft's cache is first aligned with
   * everything committed.
   */
  private async propose(sequence: LlamaContextSequence, committed: readonly Token[], k: number, options: Record<string, unknown>): Promise<Token[]> {
    const feed = await syncCache(sequence, committed);
    const proposal: Token[] = [];
    let input: Token[] = feed;
    for (let i = 0; i < k; i++) {
      const items: EvalItem[] = input.slice(0, -1);
      items.push([input[input.length - 1], { generateNext: { probabilities: true, options } }]);
      const res = await sequence.controlledEvaluate(items);
      const best = likeliest(res[items.length - 1]?.next.probabilities);
      // llama-server's cut-off: the first token below p_min ends the draft and is not drafted.
      if (!best || best.probability < this.draftPMin) break;
      proposal.push(best.token);
      // Nothing follows the end of the text: drafting past it would only waste draft steps.
      if (best.token === sequence.model.tokens.eos) break;
      input = [best.token];
    }
    return proposal;
  }
}

/**
 * How llama-server's draft sampler sees the next token: the 10 likeliest at
 * temperature 1 (no top-p, no min-p), the likeliest taken, and its probability
 * renormalised over those 10 — so a p_min here means what it means there.
 * (The sampler's own random draw is ignored, as there.)
 */
const DRAFT_CANDIDATES = 10;

function draftSampling(tokenBias: TokenBias | undefined): Record<string, unknown> {
  return { temperature: 1, topK: DRAFT_CANDIDATES, topP: 1, minP: 0, seed: 0, tokenBias };
}

/** The first entry of node-llama-cpp's probability map, which is sorted from the likeliest down. */
function likeliest(probabilities: Map<Token, number> | undefined): { token: Token; probability: number } | null {
  const first = probabilities?.entries().next();
  if (!first || first.done) return null;
  const [token, probability] = first.value;
  return { token, probability };
}

/**
 * Aligns a sequence's KV cache with `tokens`: keeps the longest common prefix
 * (at most all but the last token, which must be evaluated to get a choice
 * after it) and erases the rest. Returns the tokens still to be fed.
 *
 * This is also what repairs the draft after a fully accepted draft: its cache
 * lacks the last drafted token, which is simply fed again next time.
 */
export async function syncCache(sequence: LlamaContextSequence, tokens: readonly Token[]): Promise<Token[]> {
  const cached = sequence.contextTokens;
  const limit = Math.min(cached.length, tokens.length - 1);
  let p = 0;
  while (p < limit && cached[p] === tokens[p]) p++;
  if (p < cached.length) await sequence.eraseContextTokenRanges([{ start: p, end: cached.length }]);
  return tokens.slice(p);
}

async function evaluateLast(
  sequence: LlamaContextSequence,
  feed: readonly Token[],
  options: Record<string, unknown>,
  pick: ReturnType<typeof pickToken>,
): Promise<Token> {
  const items: EvalItem[] = feed.slice(0, -1);
  items.push([feed[feed.length - 1], { generateNext: pick.generateNext(options) }]);
  const res = await sequence.controlledEvaluate(items);
  return pick.choose(res[items.length - 1]);
}

/**
 * A bias that forbids the end-of-sequence token (for `ignore_eos`).
 * TokenBias.set() silently skips end-of-generation tokens, so the ban is put in
 * its bias map directly; the map is what the context hands to the sampler.
 */
function eosBan(model: LlamaModel): TokenBias | undefined {
  const eos = model.tokens.eos;
  if (eos === null) return undefined;
  const bias = new TokenBias(model.tokenizer);
  const map = (bias as unknown as { _biases?: unknown })._biases;
  if (!(map instanceof Map)) throw new Error('node-llama-cpp changed TokenBias internals: ignore_eos cannot be honoured');
  map.set(eos, -Infinity);
  return bias;
}

export class ContextExceededError extends Error {
  constructor(
    readonly promptTokens: number,
    readonly contextSize: number,
  ) {
    super(`the request exceeds the available context size (${promptTokens} prompt tokens, context ${contextSize}), try increasing it`);
    this.name = 'ContextExceededError';
  }
}

function emptyStats(promptTokens: number, draftMax: number): DecodeStats {
  return {
    promptTokens,
    cachedTokens: 0,
    promptMs: 0,
    predictedTokens: 0,
    predictedMs: 0,
    drafts: 0,
    drafted: 0,
    accepted: 0,
    acceptedPerPosition: new Array<number>(draftMax).fill(0),
    draftedPerPosition: new Array<number>(draftMax).fill(0),
    finishReason: 'length',
  };
}

/** One draft of `drafted` tokens, the first `accepted` of them kept, on the tallies. */
function countDraft(stats: DecodeStats, drafted: number, accepted: number): void {
  stats.drafts++;
  stats.drafted += drafted;
  stats.accepted += accepted;
  for (let i = 0; i < drafted; i++) stats.draftedPerPosition[i]++;
  for (let i = 0; i < accepted; i++) stats.acceptedPerPosition[i]++;
}
