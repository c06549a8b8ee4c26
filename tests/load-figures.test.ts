/** A load level's cell figures: round scores, conservative score, instability, latency, steady window. */
import { describe, expect, it } from 'vitest';
import {
  aggregateRate,
  cellFigures,
  cellLatency,
  robustScore,
  roundScores,
  steadyWindowSeconds,
} from '../src/shared/load-figures';
import type { Measurement } from '../src/shared/schemas';

function req(over: { repeat?: number; tokens?: number; seconds?: number; ttft?: number; itl50?: number; itl99?: number; start?: number; ok?: boolean } = {}): Measurement {
  const tokens = over.tokens ?? 100;
  const seconds = over.seconds ?? 1;
  return {
    numSpeculativeTokens: 0,
    promptType: 'code',
    systemPrompt: 'direct',
    repeat: over.repeat ?? 0,
    concurrency: 4,
    startedAt: new Date(Date.UTC(2026, 10, 28) + (over.start ?? 0) * 1000).toISOString(),
    ok: over.ok ?? true,
    ...(over.ok === false
      ? { error: 'boom' }
      : {
          metrics: {
            ttftSeconds: over.ttft ?? 0.1,
            totalSeconds: seconds,
            completionTokens: tokens,
            promptTokens: 10,
            tokensEstimated: false,
            tokensPerSecond: tokens / seconds,
            decodeTokensPerSecond: tokens / seconds,
            chunkCount: tokens,
            interChunk: { count: tokens - 1, medianSeconds: over.itl50 ?? 0.01, p95Seconds: 0.02, p99Seconds: over.itl99 ?? 0.03, maxSeconds: 0.05 },
            finishReason: 'length',
            outputHash: 'h',
            outputChars: 400,
          },
        }),
  };
}

describe('round scores and the conservative score', () => {
  it('scores a round as c × Σ tokens / Σ request seconds (Little’s law), failed requests left out', () => {
    const ms = [req({ tokens: 100, seconds: 2 }), req({ tokens: 300, seconds: 2 }), req({ ok: false })];
    expect(aggregateRate(4, ms)).toBeCloseTo((4 * 400) / 4);
    expect(roundScores(8, [req({ repeat: 1, tokens: 50, seconds: 1 }), req({ repeat: 0, tokens: 100, seconds: 1 })])).toEqual([800, 400]);
  });

  it('is median − 1.4826 × MAD, and unstable when that spread passes 10% of the median', () => {
    const steady = robustScore([100, 102, 98, 101, 99])!;
    expect(steady.median).toBe(100);
    expect(steady.spread).toBeCloseTo(1.4826 * 1);
    expect(steady.conservative).toBeCloseTo(100 - 1.4826);
    expect(steady.unstable).toBe(false);
    const shaky = robustScore([100, 80, 120])!;
    expect(shaky.spread).toBeCloseTo(1.4826 * 20);
    expect(shaky.unstable).toBe(true);
    expect(robustScore([])).toBeNull();
  });

  it('pools TTFT over requests; ITL p50 is the median of per-request medians and p99 the p99 of per-request p99s', () => {
    const ms = Array.from({ length: 100 }, (_, i) => req({ ttft: (i + 1) / 100, itl50: i < 50 ? 0.01 : 0.02, itl99: i === 99 ? 1 : 0.05 }));
    const l = cellLatency(ms);
    expect(l.ttftP50).toBeCloseTo(0.5, 1);
    expect(l.ttftP99).toBeCloseTo(0.99, 2);
    expect(l.itlP50).toBeCloseTo(0.015);
    expect(l.itlP99).toBeGreaterThan(0.05);
    expect(cellLatency([req({ ok: false })])).toEqual({ ttftP50: null, ttftP99: null, itlP50: null, itlP99: null });
  });

  it('measures the steady window from the first measured start to the last measured end', () => {
    expect(steadyWindowSeconds([req({ start: 10, seconds: 2 }), req({ start: 11, seconds: 5 }), req({ start: 0, ok: false })])).toBeCloseTo(6);
    expect(steadyWindowSeconds([])).toBeNull();
  });
});
