/** A successful measurement of k at a given tokens/s, for feeding the adaptive strategy by hand. */
import type { Measurement } from '../../src/shared/schemas';

export function okMeasurement(k: number, tps: number, repeat: number, completionTokens = 100): Measurement {
  return {
    numSpeculativeTokens: k,
    draftModel: k ? 'd' : null,
    promptType: 'code',
    systemPrompt: 'empty',
    repeat,
    startedAt: '2026-01-01T00:00:00Z',
    ok: true,
    metrics: {
      ttftSeconds: 0.01,
      totalSeconds: 1,
      completionTokens,
      promptTokens: 10,
      tokensEstimated: false,
      tokensPerSecond: tps,
      decodeTokensPerSecond: tps,
      chunkCount: completionTokens,
      interChunk: { count: completionTokens - 1, medianSeconds: 0.01, p95Seconds: 0.01, maxSeconds: 0.01 },
      finishReason: 'length',
      outputHash: 'h',
      outputChars: 400,
    },
  };
}
