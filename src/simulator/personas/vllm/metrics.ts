/**
 * The server's Prometheus counters, rendered like vLLM's /metrics
 * (prometheus_client text format, `_created` series included). Spec-decode
 * series exist only when speculation is on, as in vLLM V1; the V0 style (vLLM
 * before 0.8, and draft models on 0.8–0.9, or `--sim-metrics v0`) has V0's
 * acceptance-rate and efficiency gauges and token counters instead.
 */

const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
const E2E_BUCKETS = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly buckets: number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    this.buckets.forEach((b, i) => {
      if (v <= b) this.counts[i]++;
    });
  }
}

export type FinishedReason = 'stop' | 'length' | 'abort';

export class SimMetrics {
  readonly created = Date.now() / 1000;
  /** Requests in the decoding batch (admitted under --max-num-seqs). */
  running = 0;
  /** Requests received and waiting for a place in the batch. */
  waiting = 0;
  promptTokens = 0;
  generationTokens = 0;
  readonly success: Record<FinishedReason, number> = { stop: 0, length: 0, abort: 0 };
  drafts = 0;
  draftTokens = 0;
  acceptedTokens = 0;
  readonly acceptedPerPos: number[];
  readonly ttft = new Histogram(TTFT_BUCKETS);
  readonly e2e = new Histogram(E2E_BUCKETS);

  constructor(readonly k: number) {
    this.acceptedPerPos = Array.from({ length: k }, () => 0);
  }

  /** One verification step with k drafts of which `accepted` leading ones were accepted. */
  recordStep(drafted: number, accepted: number): void {
    if (drafted <= 0) return;
    this.drafts++;
    this.draftTokens += drafted;
    this.acceptedTokens += accepted;
    for (let i = 0; i < accepted && i < this.acceptedPerPos.length; i++) this.acceptedPerPos[i]++;
  }

  render(opts: { modelName: string; speculative: boolean; style: 'v1' | 'v0' }): string {
    // V1 labels every series by model and engine; V0 by model only.
    const base: Labels = opts.style === 'v1' ? { engine: '0', model_name: opts.modelName } : { model_name: opts.modelName };
    const out: string[] = [];
    const counter = (name: string, help: string, series: Labels[], values: number[]) => {
      out.push(`# HELP ${name}_total ${help}`, `# TYPE ${name}_total counter`);
      series.forEach((l, i) => out.push(`${name}_total${labelText(l)} ${fmt(values[i])}`));
      out.push(`# HELP ${name}_created ${help}`, `# TYPE ${name}_created gauge`);
      for (const l of series) out.push(`${name}_created${labelText(l)} ${fmt(this.created)}`);
    };
    const gauge = (name: string, help: string, v: number) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name}${labelText(base)} ${fmt(v)}`);
    };
    const histogram = (name: string, help: string, h: Histogram) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
      h.buckets.forEach((b, i) => out.push(`${name}_bucket${labelText({ ...base, le: fmt(b) })} ${fmt(h.counts[i])}`));
      out.push(`${name}_bucket${labelText({ ...base, le: '+Inf' })} ${fmt(h.count)}`, `${name}_count${labelText(base)} ${fmt(h.count)}`, `${name}_sum${labelText(base)} ${fmt(h.sum)}`);
    };

    gauge('vllm:num_requests_running', 'Number of requests in model execution batches.', this.running);
    gauge('vllm:num_requests_waiting', 'Number of requests waiting to be processed.', this.waiting);
    if (opts.style === 'v1') gauge('vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', Math.min(1, this.running * 0.004));
    else gauge('vllm:gpu_cache_usage_perc', 'GPU KV-cache usage. 1 means 100 percent usage.', Math.min(1, this.running * 0.004));
    counter('vllm:prompt_tokens', 'Number of prefill tokens processed.', [base], [this.promptTokens]);
    counter('vllm:generation_tokens', 'Number of generation tokens processed.', [base], [this.generationTokens]);
    const reasons = Object.keys(this.success) as FinishedReason[];
    counter(
      'vllm:request_success',
      'Count of successfully processed requests.',
      reasons.map((r) => ({ ...base, finished_reason: r })),
      reasons.map((r) => this.success[r]),
    );
    histogram('vllm:time_to_first_token_seconds', 'Histogram of time to first token in seconds.', this.ttft);
    histogram('vllm:e2e_request_latency_seconds', 'Histogram of e2e request latency in seconds.', this.e2e);

    if (opts.speculative && opts.style === 'v1') {
      counter('vllm:spec_decode_num_drafts', 'Number of spec decoding drafts.', [base], [this.drafts]);
      counter('vllm:spec_decode_num_draft_tokens', 'Number of draft tokens.', [base], [this.draftTokens]);
      counter('vllm:spec_decode_num_accepted_tokens', 'Number of accepted tokens.', [base], [this.acceptedTokens]);
      counter(
        'vllm:spec_decode_num_accepted_tokens_per_pos',
        'Accepted tokens per draft position.',
        this.acceptedPerPos.map((_, i) => ({ ...base, position: String(i) })),
        this.acceptedPerPos,
      );
    } else if (opts.speculative) {
      // V0 exposed running ratios as gauges and token counters (no drafts or per-position counters).
      const rate = this.draftTokens > 0 ? this.acceptedTokens / this.draftTokens : 0;
      // Efficiency = emitted tokens / the most a step could emit (k + 1 per draft).
      const efficiency = this.drafts > 0 ? (this.acceptedTokens + this.drafts) / (this.drafts * (this.k + 1)) : 0;
      gauge('vllm:spec_decode_draft_acceptance_rate', 'Speculative token acceptance rate.', rate);
      gauge('vllm:spec_decode_efficiency', 'Speculative decoding system efficiency.', efficiency);
      counter('vllm:spec_decode_num_accepted_tokens', 'Number of accepted tokens.', [base], [this.acceptedTokens]);
      counter('vllm:spec_decode_num_draft_tokens', 'Number of draft tokens.', [base], [this.draftTokens]);
      counter('vllm:spec_decode_num_emitted_tokens', 'Number of emitted tokens.', [base], [this.acceptedTokens + this.drafts]);
    }
    return out.join('\n') + '\n';
  }
}

type Labels = Record<string, string>;

/** prometheus_client writes label pairs sorted by name (so `le` sits between `engine` and `model_name`). */
function labelText(labels: Labels): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k])}"`);
  return `{${pairs.join(',')}}`;
}

/** prometheus_client prints floats: 3 → "3.0". */
function fmt(v: number): string {
  if (Number.isInteger(v)) return Math.abs(v) >= 1e16 ? v.toExponential() : `${v}.0`;
  return String(v);
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
