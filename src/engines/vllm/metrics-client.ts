/**
 * Reads vLLM's Prometheus endpoint for the spec-decode counters. A missing or
 * failing /metrics is normal (LM Studio, Ollama, a proxy): it yields null so a
 * sweep still measures speed, just without acceptance numbers.
 */
import { parseSpecDecodeMetrics, type SpecDecodeSnapshot } from '../../shared/spec-decode-metrics';
import { getWithDeadline, joinUrl } from '../../node/http';

export async function readSpecDecodeSnapshot(baseUrl: string, timeoutMs = 3000): Promise<SpecDecodeSnapshot | null> {
  // /metrics sits at the server root, also when the user gave the OpenAI base URL (…/v1).
  const url = joinUrl(baseUrl.replace(/\/v1\/?$/, ''), '/metrics');
  try {
    const res = await getWithDeadline(url, timeoutMs);
    if (res.status !== 200) return null;
    return parseSpecDecodeMetrics(res.text);
  } catch {
    return null;
  }
}
