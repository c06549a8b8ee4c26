/**
 * Acceptance from /metrics: parsing realistic vLLM V1 and V0 pages, the
 * before/after arithmetic, and the HTTP read against a real server.
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readSpecDecodeSnapshot } from '../src/node/metrics-client';
import { AcceptanceStatsSchema } from '../src/shared/schemas';
import { acceptanceBetween, parseSpecDecodeMetrics, type SpecDecodeSnapshot } from '../src/shared/spec-decode-metrics';

const MODEL = 'model_name="Qwen/Qwen2.5-7B-Instruct"';

/** Shaped like a vLLM 0.10+ V1 page: HELP/TYPE lines, labels, histograms and unrelated metrics around the counters. */
function v1Page(c: { drafts: number; draftTokens: number; accepted: number; perPos: number[]; engines?: number }): string {
  const engines = c.engines ?? 1;
  const per = (v: number) => v / engines;
  const lines: string[] = [
    '# HELP python_gc_objects_collected_total Objects collected during gc',
    '# TYPE python_gc_objects_collected_total counter',
    'python_gc_objects_collected_total{generation="0"} 12006.0',
    '# HELP vllm:num_requests_running Number of requests in model execution batches.',
    '# TYPE vllm:num_requests_running gauge',
    `vllm:num_requests_running{engine="0",${MODEL}} 0.0`,
    '# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.',
    '# TYPE vllm:time_to_first_token_seconds histogram',
    `vllm:time_to_first_token_seconds_bucket{engine="0",le="0.001",${MODEL}} 0.0`,
    `vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf",${MODEL}} 42.0`,
    `vllm:time_to_first_token_seconds_count{engine="0",${MODEL}} 42.0`,
    `vllm:time_to_first_token_seconds_sum{engine="0",${MODEL}} 1.234`,
    '# HELP vllm:spec_decode_num_drafts_total Number of spec decoding drafts.',
    '# TYPE vllm:spec_decode_num_drafts_total counter',
  ];
  for (let e = 0; e < engines; e++) lines.push(`vllm:spec_decode_num_drafts_total{engine="${e}",${MODEL}} ${per(c.drafts)}`);
  lines.push('# HELP vllm:spec_decode_num_draft_tokens_total Number of draft tokens.');
  lines.push('# TYPE vllm:spec_decode_num_draft_tokens_total counter');
  for (let e = 0; e < engines; e++) lines.push(`vllm:spec_decode_num_draft_tokens_total{engine="${e}",${MODEL}} ${per(c.draftTokens)}`);
  lines.push('# HELP vllm:spec_decode_num_accepted_tokens_total Number of accepted tokens.');
  lines.push('# TYPE vllm:spec_decode_num_accepted_tokens_total counter');
  for (let e = 0; e < engines; e++) lines.push(`vllm:spec_decode_num_accepted_tokens_total{engine="${e}",${MODEL}} ${per(c.accepted)}`);
  lines.push('# HELP vllm:spec_decode_num_accepted_tokens_per_pos_total Accepted tokens per draft position.');
  lines.push('# TYPE vllm:spec_decode_num_accepted_tokens_per_pos_total counter');
  for (let e = 0; e < engines; e++) {
    c.perPos.forEach((v, i) =>
      lines.push(`vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="${e}",${MODEL},position="${i}"} ${per(v)}`),
    );
  }
  lines.push('# HELP vllm:generation_tokens_total Number of generation tokens processed.');
  lines.push('# TYPE vllm:generation_tokens_total counter');
  lines.push(`vllm:generation_tokens_total{engine="0",${MODEL}} 9876.0`);
  return lines.join('\n') + '\n';
}

const V0_PAGE = [
  '# HELP vllm:spec_decode_draft_acceptance_rate Speulative token acceptance rate.',
  '# TYPE vllm:spec_decode_draft_acceptance_rate gauge',
  `vllm:spec_decode_draft_acceptance_rate{${MODEL}} 0.6875`,
  '# HELP vllm:spec_decode_efficiency Speculative decoding system efficiency.',
  '# TYPE vllm:spec_decode_efficiency gauge',
  `vllm:spec_decode_efficiency{${MODEL}} 0.52`,
  '# HELP vllm:spec_decode_num_accepted_tokens_total Number of accepted tokens.',
  '# TYPE vllm:spec_decode_num_accepted_tokens_total counter',
  `vllm:spec_decode_num_accepted_tokens_total{${MODEL}} 330.0`,
  '# HELP vllm:spec_decode_num_draft_tokens_total Number of draft tokens.',
  '# TYPE vllm:spec_decode_num_draft_tokens_total counter',
  `vllm:spec_decode_num_draft_tokens_total{${MODEL}} 480.0`,
  '# HELP vllm:spec_decode_num_emitted_tokens_total Number of emitted tokens.',
  '# TYPE vllm:spec_decode_num_emitted_tokens_total counter',
  `vllm:spec_decode_num_emitted_tokens_total{${MODEL}} 400.0`,
  '',
].join('\r\n');

describe('parseSpecDecodeMetrics', () => {
  it('reads V1 counters, summing engines and per-position series', () => {
    const s = parseSpecDecodeMetrics(v1Page({ drafts: 200, draftTokens: 1000, accepted: 640, perPos: [180, 150, 130, 100, 80], engines: 2 }));
    expect(s).toEqual({
      source: 'v1-counters',
      drafts: 200,
      draftTokens: 1000,
      accepted: 640,
      acceptedPerPos: [180, 150, 130, 100, 80],
      v0AcceptanceRate: null,
      v0Efficiency: null,
    });
  });

  it('reads the counter when prometheus_client declares the family without _total', () => {
    const text = [
      '# HELP vllm:spec_decode_num_drafts Number of spec decoding drafts.',
      '# TYPE vllm:spec_decode_num_drafts counter',
      'vllm:spec_decode_num_drafts_total{engine="0"} 12.0',
      'vllm:spec_decode_num_drafts_created{engine="0"} 1.7328e+09',
      '# TYPE vllm:spec_decode_num_draft_tokens counter',
      'vllm:spec_decode_num_draft_tokens_total{engine="0"} 36.0',
      '# TYPE vllm:spec_decode_num_accepted_tokens counter',
      'vllm:spec_decode_num_accepted_tokens_total{engine="0"} 18.0',
      '# EOF',
    ].join('\n');
    const s = parseSpecDecodeMetrics(text);
    expect(s.source).toBe('v1-counters');
    expect([s.drafts, s.draftTokens, s.accepted]).toEqual([12, 36, 18]);
  });

  it('falls back to V0 gauges (CRLF page) and keeps its token counters', () => {
    const s = parseSpecDecodeMetrics(V0_PAGE);
    expect(s.source).toBe('v0-gauges');
    expect(s.v0AcceptanceRate).toBe(0.6875);
    expect(s.v0Efficiency).toBe(0.52);
    expect(s.drafts).toBeNull();
    expect(s.draftTokens).toBe(480);
    expect(s.accepted).toBe(330);
  });

  it("says 'none' for a server without speculation metrics, or an empty page", () => {
    const noSpec = ['# TYPE vllm:num_requests_running gauge', `vllm:num_requests_running{${MODEL}} 1.0`, ''].join('\n');
    expect(parseSpecDecodeMetrics(noSpec).source).toBe('none');
    expect(parseSpecDecodeMetrics('').source).toBe('none');
  });

  it('survives a malformed line and NaN values without losing the good samples', () => {
    const page = v1Page({ drafts: 10, draftTokens: 30, accepted: 21, perPos: [9, 7, 5] }).replace(
      '# HELP vllm:spec_decode_num_draft_tokens_total',
      'vllm:spec_decode_broken{engine="0" 1\nvllm:spec_decode_efficiency NaN\n# HELP vllm:spec_decode_num_draft_tokens_total',
    );
    const s = parseSpecDecodeMetrics(page);
    expect(s.source).toBe('v1-counters');
    expect([s.drafts, s.draftTokens, s.accepted]).toEqual([10, 30, 21]);
    expect(s.acceptedPerPos).toEqual([9, 7, 5]);
    expect(s.v0Efficiency).toBeNull();
  });
});

describe('acceptanceBetween', () => {
  const before = parseSpecDecodeMetrics(v1Page({ drafts: 100, draftTokens: 500, accepted: 300, perPos: [90, 70, 60, 50, 30] }));
  const after = parseSpecDecodeMetrics(v1Page({ drafts: 300, draftTokens: 1500, accepted: 1100, perPos: [280, 250, 230, 200, 140] }));

  it('computes rate, mean acceptance length and per-position rates over the interval', () => {
    const a = acceptanceBetween(before, after);
    expect(AcceptanceStatsSchema.parse(a)).toBeTruthy();
    expect(a.source).toBe('v1-counters');
    expect(a.drafts).toBe(200);
    expect(a.draftTokens).toBe(1000);
    expect(a.acceptedTokens).toBe(800);
    expect(a.acceptanceRate).toBeCloseTo(0.8, 12);
    // 1 + Δaccepted / Δdrafts
    expect(a.meanAcceptanceLength).toBeCloseTo(5, 12);
    expect(a.perPositionAcceptance.map((x) => Number(x.toFixed(6)))).toEqual([0.95, 0.9, 0.85, 0.75, 0.55]);
  });

  it('uses lifetime totals when there is no before snapshot', () => {
    const a = acceptanceBetween(null, after);
    expect(a.acceptedTokens).toBe(1100);
    expect(a.acceptanceRate).toBeCloseTo(1100 / 1500, 12);
    expect(a.meanAcceptanceLength).toBeCloseTo(1 + 1100 / 300, 12);
  });

  it('treats counters that went down as a server restart (the new values are the increase)', () => {
    const a = acceptanceBetween(after, before);
    expect(a.drafts).toBe(100);
    expect(a.acceptanceRate).toBeCloseTo(300 / 500, 12);
  });

  it('gives null rates when nothing was drafted (the baseline)', () => {
    const a = acceptanceBetween(before, before);
    expect(a.source).toBe('v1-counters');
    expect(a.drafts).toBe(0);
    expect(a.acceptanceRate).toBeNull();
    expect(a.meanAcceptanceLength).toBeNull();
    expect(a.perPositionAcceptance).toEqual([]);
  });

  it("gives 'none' when /metrics was unreachable or has no spec-decode metrics", () => {
    expect(acceptanceBetween(before, null)).toEqual({
      source: 'none',
      drafts: null,
      draftTokens: null,
      acceptedTokens: null,
      acceptanceRate: null,
      meanAcceptanceLength: null,
      perPositionAcceptance: [],
    });
    expect(acceptanceBetween(null, parseSpecDecodeMetrics('')).source).toBe('none');
  });

  it('V0: the interval rate from the token counters, else the gauge', () => {
    const v0Before: SpecDecodeSnapshot = { ...parseSpecDecodeMetrics(V0_PAGE), draftTokens: 80, accepted: 30 };
    const a = acceptanceBetween(v0Before, parseSpecDecodeMetrics(V0_PAGE));
    expect(a.source).toBe('v0-gauges');
    expect(a.acceptanceRate).toBeCloseTo(300 / 400, 12);
    expect(a.meanAcceptanceLength).toBeNull();
    const gaugeOnly = parseSpecDecodeMetrics(V0_PAGE.split('\r\n').filter((l) => !l.includes('_tokens_total')).join('\n'));
    expect(acceptanceBetween(null, gaugeOnly).acceptanceRate).toBe(0.6875);
  });
});

describe('readSpecDecodeSnapshot (real HTTP)', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((c) => c()));
  });

  async function serve(handler: http.RequestListener): Promise<string> {
    const server = http.createServer(handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise<void>((r) => server.close(() => r())));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('reads /metrics at the server root, also given the OpenAI base URL', async () => {
    const seen: string[] = [];
    const url = await serve((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(v1Page({ drafts: 7, draftTokens: 21, accepted: 14, perPos: [6, 5, 3] }));
    });
    const s = await readSpecDecodeSnapshot(url + '/v1');
    expect(seen).toEqual(['/metrics']);
    expect(s?.source).toBe('v1-counters');
    expect(s?.accepted).toBe(14);
  });

  it('null when /metrics is missing or nothing listens', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(404);
      res.end('Not Found');
    });
    expect(await readSpecDecodeSnapshot(url)).toBeNull();
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    expect(await readSpecDecodeSnapshot(`http://127.0.0.1:${port}`, 1000)).toBeNull();
  });
});
