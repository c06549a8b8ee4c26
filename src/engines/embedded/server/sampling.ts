/**
 * How the target picks its token at a position. Temperature 0 is greedy
 * (llama.cpp's own argmax). Above 0 the context returns the probabilities after
 * temperature/top-k/top-p/min-p and we draw from them with our own seeded
 * generator: one draw per position, so a request with a fixed seed is
 * reproducible. (node-llama-cpp reseeds its sampler on every call, which would
 * draw the same quantile at every position.)
 *
 * Speculation stays exact when sampling: a drafted token is accepted only when
 * it equals the target's own draw at that position, so every emitted token is
 * a draw from the target's distribution given the emitted prefix.
 */
import type { Token, TokenBias } from 'node-llama-cpp';
import { mulberry32 } from '../gguf/prng';

export interface SamplingOptions {
  temperature: number;
  seed: number;
  topK: number;
  topP: number;
  minP: number;
}

interface NextResult {
  next: { token?: Token | null; probabilities?: Map<Token, number> };
}

export function pickToken(sampling: SamplingOptions) {
  const greedy = sampling.temperature <= 0;
  const random = mulberry32(sampling.seed >>> 0);
  return {
    evaluateOptions(tokenBias: TokenBias | undefined): Record<string, unknown> {
      return greedy
        ? { temperature: 0, tokenBias }
        : { temperature: sampling.temperature, topK: sampling.topK, topP: sampling.topP, minP: sampling.minP, tokenBias };
    },
    generateNext(options: Record<string, unknown>) {
      return greedy ? { token: true, options } : { probabilities: true, options };
    },
    choose(result: NextResult | undefined): Token {
      if (!result) throw new Error('the context returned no result for a position that asked for one');
      if (greedy) {
        const t = result.next.token;
        if (t === undefined || t === null) throw new Error('the context sampled no token');
        return t;
      }
      const probs = result.next.probabilities;
      if (!probs || probs.size === 0) throw new Error('the context returned no probabilities');
      let u = random();
      let last: Token | undefined;
      for (const [token, p] of probs) {
        last = token;
        u -= p;
        if (u < 0) return token;
      }
      return last as Token;
    },
  };
}
