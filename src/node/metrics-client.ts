/**
 * Reads a server's Prometheus endpoint for the spec-decode counters. A missing or
 * failing /metrics is normal (LM Studio, Ollama, a proxy, llama-server without
 * --metrics): it yields null so a sweep still measures speed, just without acceptance.
 */
import { parseSpecDecodeMetrics, type SpecDecodeSnapshot } from '../shared/spec-decode-metrics';
import { getWithDeadline, joinUrl } from './http';

export async function readSpecDecodeSnapshot(baseUrl: string, timeoutMs = 3000, prefix = 'vllm:'): Promise<SpecDecodeSnapshot | null> {
  // /metrics sits at the server root, also when the user gave the OpenAI base URL (…/v1).
  const url = joinUrl(baseUrl.replace(/\/v1\/?$/, ''), '/metrics');
  try {
    const res = await getWithDeadline(url, timeoutMs);
    if (res.status !== 200) return null;
    return parseSpecDecodeMetrics(res.text, prefix);
  } catch {
    return null;
  }
}
