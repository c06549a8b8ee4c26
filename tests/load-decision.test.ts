/** The decision at one load level above 1: round scores, conservative score, instability, ties. */
import { describe, expect, it } from 'vitest';
import {
  aggregateRate,
  cellFigures,
  cellLatency,
  decideLevel,
  robustScore,
  roundScores,
  steadyWindowSeconds,
  type LoadCandidate,
} from '../src/shared/load-decision';
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

/** A cell with the given round scores at level 4: each round one request of 100 tokens taking 400/score s. */
function cell(k: number, scores: number[]): LoadCandidate {
  const ms = scores.map((s, r) => req({ repeat: r, tokens: 100, seconds: (4 * 100) / s }));
  return { numSpeculativeTokens: k, failed: false, ...cellFigures(4, ms) };
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

describe('decideLevel', () => {
  it('picks the highest conservative score, not the highest single round', () => {
    // k=3 had one great round; k=0 is steadily a bit better than k=3's median.
    const d = decideLevel([cell(0, [1000, 1010, 990]), cell(3, [1500, 950, 960])])!;
    expect(d.pick.numSpeculativeTokens).toBe(0);
  });

  it('lets k = 0 win when speculation costs under load', () => {
    const d = decideLevel([cell(0, [2000, 2010, 1990]), cell(3, [1700, 1710, 1690]), cell(5, [1500, 1510, 1490])])!;
    expect(d.pick.numSpeculativeTokens).toBe(0);
    expect(d.confidence).toBe('high');
  });

  it('gives a tie within 1% of the best to the smaller k', () => {
    const d = decideLevel([cell(0, [800, 801, 799]), cell(3, [1000, 1001, 999]), cell(5, [1008, 1009, 1007])])!;
    expect(d.best.numSpeculativeTokens).toBe(5);
    expect(d.pick.numSpeculativeTokens).toBe(3);
    expect(d.tied.map((c) => c.numSpeculativeTokens)).toEqual([3, 5]);
    // Just outside 1%: the larger k wins.
    expect(decideLevel([cell(3, [1000, 1001, 999]), cell(5, [1020, 1021, 1019])])!.pick.numSpeculativeTokens).toBe(5);
  });

  it('does not trust an unstable cell\'s median: it competes on its conservative score, and wins only with low confidence', () => {
    // A higher median, but the spread pulls the conservative score below the steady baseline.
    const shakyHigh = cell(5, [1300, 700, 1900]);
    expect(shakyHigh.unstable).toBe(true);
    const d = decideLevel([cell(0, [1000, 1005, 995]), shakyHigh])!;
    expect(d.pick.numSpeculativeTokens).toBe(0);
    expect(d.allUnstable).toBe(false);
    // Faster in every round, noisy or not: it is the pick, said with low confidence.
    const shaky = cell(5, [2000, 1400, 2600]);
    expect(shaky.unstable).toBe(true);
    const faster = decideLevel([cell(0, [1000, 1005, 995]), shaky])!;
    expect(faster.pick.numSpeculativeTokens).toBe(5);
    expect(faster.confidence).toBe('low');
    const all = decideLevel([cell(0, [1000, 700, 1300]), shaky])!;
    expect(all.allUnstable).toBe(true);
    expect(all.confidence).toBe('low');
  });

  it('is low confidence with fewer than 3 rounds', () => {
    const d = decideLevel([cell(0, [1000, 1002]), cell(3, [1500, 1502])])!;
    expect(d.pick.numSpeculativeTokens).toBe(3);
    expect(d.rounds).toBe(2);
    expect(d.confidence).toBe('low');
  });

  it('leaves failed and unmeasured cells out, and has no pick when nothing was measured', () => {
    const failed = { ...cell(3, [5000, 5000, 5000]), failed: true };
    expect(decideLevel([failed, cell(0, [100, 100, 100])])!.pick.numSpeculativeTokens).toBe(0);
    expect(decideLevel([{ numSpeculativeTokens: 0, failed: false, conservativeScore: null }])).toBeNull();
  });
});
