/**
 * Speculative-decoding acceptance from a Prometheus `/metrics` page (vLLM's, and
 * llama.cpp's, which copied vLLM's counter names under its own prefix).
 *
 * V1 engines export monotonic counters; acceptance over a configuration's
 * requests is the difference of two snapshots (before/after). V0 engines only
 * exported gauges (already averaged by the server), used as a fallback.
 */
import parsePrometheusTextFormat, { type PromFamily } from 'parse-prometheus-text-format';
import type { AcceptanceStats } from './schemas';

export interface SpecDecodeSnapshot {
  source: 'v1-counters' | 'v0-gauges' | 'none';
  drafts: number | null;
  draftTokens: number | null;
  accepted: number | null;
  /** Accepted tokens per draft position (index = position), summed over engines. */
  acceptedPerPos: number[];
  v0AcceptanceRate: number | null;
  v0Efficiency: number | null;
}

/** Family names under a metric prefix: vLLM's `vllm:`, llama.cpp's `llamacpp:` (same counters since Aug 2026). */
function familyNames(prefix: string) {
  return {
    drafts: `${prefix}spec_decode_num_drafts_total`,
    draftTokens: `${prefix}spec_decode_num_draft_tokens_total`,
    accepted: `${prefix}spec_decode_num_accepted_tokens_total`,
    perPos: `${prefix}spec_decode_num_accepted_tokens_per_pos_total`,
    v0Rate: `${prefix}spec_decode_draft_acceptance_rate`,
    v0Efficiency: `${prefix}spec_decode_efficiency`,
  };
}

/**
 * A real vLLM /metrics page is large (histograms for every latency); only the
 * spec-decode lines matter, and filtering first keeps an unrelated odd line
 * from making the whole page unparseable.
 */
function specDecodeLines(promText: string): string[] {
  return promText.split(/\r?\n/).filter((l) => l.includes('spec_decode'));
}

function parseFamilies(lines: string[]): PromFamily[] {
  try {
    return parsePrometheusTextFormat(lines.join('\n') + '\n');
  } catch {
    // One malformed sample must not hide the good ones: parse line by line.
    const out: PromFamily[] = [];
    for (const line of lines) {
      if (line.startsWith('#')) continue;
      try {
        out.push(...parsePrometheusTextFormat(line + '\n'));
      } catch {
        /* skip the malformed line */
      }
    }
    return out;
  }
}

function toNumber(v: string | undefined): number | null {
  if (v === undefined) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Samples grouped by metric name. Families are keyed by their samples' name, because
 *  prometheus_client may declare `# TYPE foo counter` and then emit `foo_total`. */
function samplesByName(families: PromFamily[]): Map<string, { value: number; labels: Record<string, string> }[]> {
  const m = new Map<string, { value: number; labels: Record<string, string> }[]>();
  for (const f of families) {
    for (const s of f.metrics) {
      const value = toNumber(s.value);
      if (value === null) continue;
      let list = m.get(f.name);
      if (!list) m.set(f.name, (list = []));
      list.push({ value, labels: s.labels ?? {} });
    }
  }
  return m;
}

/** Sum over label sets (data-parallel engines each export their own series). */
function sum(samples: { value: number }[] | undefined): number | null {
  if (!samples || samples.length === 0) return null;
  let t = 0;
  for (const s of samples) t += s.value;
  return t;
}

/** Gauges are per engine averages: averaging them again is the best a V0 page allows. */
function mean(samples: { value: number }[] | undefined): number | null {
  const t = sum(samples);
  return t === null ? null : t / samples!.length;
}

export function parseSpecDecodeMetrics(promText: string, prefix = 'vllm:'): SpecDecodeSnapshot {
  const byName = samplesByName(parseFamilies(specDecodeLines(promText)));
  const n = familyNames(prefix);

  const acceptedPerPos: number[] = [];
  for (const s of byName.get(n.perPos) ?? []) {
    const pos = Number(s.labels.position);
    if (!Number.isInteger(pos) || pos < 0 || pos > 1024) continue;
    while (acceptedPerPos.length <= pos) acceptedPerPos.push(0);
    acceptedPerPos[pos] += s.value;
  }

  const drafts = sum(byName.get(n.drafts));
  const draftTokens = sum(byName.get(n.draftTokens));
  const accepted = sum(byName.get(n.accepted));
  const v0AcceptanceRate = mean(byName.get(n.v0Rate));
  const v0Efficiency = mean(byName.get(n.v0Efficiency));

  // V0 also had draft/accepted token counters but no drafts counter: `drafts` tells V1 apart.
  const source: SpecDecodeSnapshot['source'] =
    drafts !== null ? 'v1-counters' : v0AcceptanceRate !== null || v0Efficiency !== null ? 'v0-gauges' : 'none';
  return { source, drafts, draftTokens, accepted, acceptedPerPos, v0AcceptanceRate, v0Efficiency };
}

/**
 * Counter difference. A counter that went down means the server restarted in
 * between; then, as Prometheus' rate() does, the new value is the increase.
 * Without a `before` snapshot the server's lifetime totals are the best answer.
 */
function delta(after: number | null, before: number | null | undefined): number | null {
  if (after === null) return null;
  if (before === null || before === undefined || after < before) return after;
  return after - before;
}

function ratio(num: number | null, den: number | null): number | null {
  return num === null || den === null || den <= 0 ? null : num / den;
}

/** Acceptance over the requests made between two snapshots. */
export function acceptanceBetween(before: SpecDecodeSnapshot | null, after: SpecDecodeSnapshot | null): AcceptanceStats {
  if (!after || after.source === 'none') {
    return {
      source: 'none',
      drafts: null,
      draftTokens: null,
      acceptedTokens: null,
      acceptanceRate: null,
      meanAcceptanceLength: null,
      perPositionAcceptance: [],
    };
  }
  const restarted = before !== null && after.drafts !== null && before.drafts !== null && after.drafts < before.drafts;
  const base = restarted ? null : before;

  const drafts = delta(after.drafts, base?.drafts);
  const draftTokens = delta(after.draftTokens, base?.draftTokens);
  const acceptedTokens = delta(after.accepted, base?.accepted);

  if (after.source === 'v0-gauges') {
    return {
      source: 'v0-gauges',
      drafts: null,
      draftTokens,
      acceptedTokens,
      // The V0 token counters, when present, give the interval's own rate; the gauge is lifetime.
      acceptanceRate: ratio(acceptedTokens, draftTokens) ?? after.v0AcceptanceRate,
      meanAcceptanceLength: null,
      perPositionAcceptance: [],
    };
  }

  const perPositionAcceptance: number[] = [];
  if (drafts !== null && drafts > 0) {
    for (let i = 0; i < after.acceptedPerPos.length; i++) {
      const d = delta(after.acceptedPerPos[i], base?.acceptedPerPos[i] ?? 0) ?? 0;
      perPositionAcceptance.push(d / drafts);
    }
  }
  const perDraft = ratio(acceptedTokens, drafts);
  return {
    source: 'v1-counters',
    drafts,
    draftTokens,
    acceptedTokens,
    acceptanceRate: ratio(acceptedTokens, draftTokens),
    meanAcceptanceLength: perDraft === null ? null : 1 + perDraft,
    perPositionAcceptance,
  };
}
