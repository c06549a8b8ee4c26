import { describe, expect, it } from 'vitest';
import { noRecommendationReason, sweepOutcome } from '../src/cli/outcome';
import type { Report } from '../src/shared/schemas';

/** The parts of a report the outcome reads; the rest of a report does not change what it says. */
function report(r: {
  status?: Report['status'];
  recommendation?: boolean;
  ok: number;
  failedRequests?: number;
  configs: { k: number; error?: string }[];
}): Report {
  const m = (ok: boolean) => ({ numSpeculativeTokens: 0, promptType: 'code', systemPrompt: 'empty', repeat: 0, startedAt: 'x', ok, ...(ok ? {} : { error: 'HTTP 500' }) });
  return {
    status: r.status ?? 'partial',
    recommendation: r.recommendation ? { numSpeculativeTokens: 3 } : null,
    measurements: [...Array.from({ length: r.ok }, () => m(true)), ...Array.from({ length: r.failedRequests ?? 0 }, () => m(false))],
    configurations: r.configs.map((c) => ({ numSpeculativeTokens: c.k, failed: c.error !== undefined, error: c.error ?? null })),
  } as unknown as Report;
}

describe('sweepOutcome', () => {
  it('exits 0 when there is a recommendation, even with a failed configuration beside it', () => {
    expect(sweepOutcome(report({ recommendation: true, ok: 8, configs: [{ k: 0 }, { k: 3 }, { k: 7, error: 'out of memory' }] }), '/r.json', false)).toEqual({ exitCode: 0, error: null });
  });

  it('exits 130 when cancelled, whatever was measured', () => {
    expect(sweepOutcome(report({ status: 'cancelled', ok: 0, configs: [{ k: 0 }] }), '/r.json', false).exitCode).toBe(130);
  });

  it('says nothing could be measured only when no request succeeded, with the cause and the log lines apart', () => {
    const o = sweepOutcome(report({ ok: 0, configs: [{ k: 0, error: 'vLLM exited before it was ready. Last log lines:\nCUDA out of memory\n' }] }), '/r.json', false);
    expect(o.exitCode).toBe(1);
    expect(o.error).toMatchObject({ code: 'NOTHING_MEASURED', message: 'nothing could be measured: vLLM exited before it was ready.', logTail: ['CUDA out of memory'] });
  });

  it('counts what did succeed when every configuration failed after some requests', () => {
    const r = report({ ok: 4, failedRequests: 1, configs: [{ k: 0, error: 'server exited during the measurements (code 1, signal none)' }, { k: 3, error: 'server exited' }] });
    const o = sweepOutcome(r, '/r.json', false);
    expect(o.exitCode).toBe(1);
    expect(o.error?.message).toBe(
      'no configuration finished (baseline: server exited during the measurements (code 1, signal none); k=3: server exited); 4 requests succeeded and 1 failed before that, but an unfinished configuration is not compared',
    );
    expect(noRecommendationReason(r)).toBe(o.error?.message);
    expect(o.error?.logTail).toEqual([]);
  });
});
