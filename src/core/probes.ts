/**
 * Which servers are up, and what they really are. Identification is by API,
 * not by port: users run LM Studio on :8000 or vLLM on :1234 as they please.
 * Each engine identifies itself (src/engines/<id>); this file only asks.
 *
 * Stage 1 asks only the first engine's own paths (its probePaths), so polling
 * a busy server of that engine does not fill its access log with 404s; the
 * other engines' paths are asked only when it is not that engine, all at once.
 * The last engine in the order, the generic OpenAI-compatible server, takes
 * whatever else lists models.
 */
import { z } from 'zod';
import { SpecTuneError } from '../shared/errors';
import { formatZodError, type Endpoint, type EndpointStatus } from '../shared/schemas';
import { getWithDeadline, httpStatusHint, joinUrl, networkReason, type GetResult } from '../node/http';
import { ENGINES } from '../engines';
import type { Ask, Engine, Identified, ProbeAnswer } from '../engines/engine';

const DEFAULT_PROBE_TIMEOUT_MS = 1500;

const ModelListSchema = z.looseObject({ data: z.array(z.looseObject({ id: z.string() })) });

type Outcome = { ok: true; res: GetResult } | { ok: false; error: unknown };

/** Memoised GETs against one server, so engines that ask the same path cost one request. */
function makeAsk(base: string, timeoutMs: () => number): { ask: Ask; outcomes: Map<string, Promise<Outcome>> } {
  const outcomes = new Map<string, Promise<Outcome>>();
  const outcome = (path: string) => {
    let p = outcomes.get(path);
    if (!p) {
      p = getWithDeadline(joinUrl(base, path), timeoutMs()).then(
        (res) => ({ ok: true as const, res }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      outcomes.set(path, p);
    }
    return p;
  };
  const ask: Ask = async (path) => {
    const o = await outcome(path);
    return o.ok ? ({ status: o.res.status, json: o.res.json, text: o.res.text, latencyMs: o.res.latencyMs, simulated: o.res.simulated } satisfies ProbeAnswer) : null;
  };
  return { ask, outcomes };
}

function base(url: string): string {
  return url.trim().replace(/\/+$/, '').replace(/\/v1$/, '');
}

/** Why nothing usable answered: a network reason, or the HTTP status of the most telling answer. */
function notRunningReason(outcomes: Outcome[]): string {
  const answered = outcomes.filter((o): o is { ok: true; res: GetResult } => o.ok);
  if (answered.length === 0) {
    const reasons = outcomes.map((o) => (o.ok ? '' : networkReason((o.error as { cause?: unknown }).cause ?? o.error)));
    if (outcomes.some((o) => !o.ok && o.error instanceof SpecTuneError && o.error.code === 'CONNECT_TIMEOUT')) return 'timeout';
    return reasons.find((r) => r) ?? 'no answer';
  }
  const failing = answered.find((o) => o.res.status >= 400) ?? answered[0];
  return failing.res.status >= 400 ? `HTTP ${failing.res.status}` : 'not an LLM server API';
}

/** Memoised GETs against the server at baseUrl, for engines' own questions (draft candidates). */
export function askAt(baseUrl: string, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS): Ask {
  return makeAsk(base(baseUrl), () => timeoutMs).ask;
}

/** Is the server at baseUrl this engine? Its identification, or null. */
export async function identifyWith(engine: Engine, baseUrl: string, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS): Promise<Identified | null> {
  const { ask } = makeAsk(base(baseUrl), () => timeoutMs);
  const id = await engine.identify(ask);
  return id && { ...id, simulated: id.simulated || (await ask(id.via))?.simulated === true };
}

export async function probeEndpoint(ep: Endpoint, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS): Promise<EndpointStatus> {
  const status: EndpointStatus = {
    name: ep.name,
    url: ep.url,
    running: false,
    reason: null,
    kind: 'unknown',
    version: null,
    models: [],
    simulated: false,
    latencyMs: null,
  };
  let b: string;
  try {
    b = base(new URL(ep.url).href);
  } catch {
    return { ...status, reason: 'invalid URL' };
  }
  const started = performance.now();
  // A slow server still gets a fair second look, so the whole probe stays under ~1.5 × timeout.
  let stage = 1;
  const { ask, outcomes } = makeAsk(b, () => (stage === 1 ? timeoutMs : Math.max(timeoutMs - (performance.now() - started), timeoutMs / 2)));

  const [first, ...rest] = ENGINES;
  const identified = async (engine: Engine) => {
    const id = await engine.identify(ask);
    if (!id) return null;
    const via = await ask(id.via);
    const latencyMs = via ? Math.round(via.latencyMs * 10) / 10 : null;
    const simulated = id.simulated || via?.simulated === true;
    return { ...status, running: true, kind: engine.descriptor.id, version: id.version, models: id.models, simulated, latencyMs };
  };
  const firstHit = await identified(first);
  if (firstHit) return firstHit;
  const s1 = await Promise.all(first.probePaths.map((p) => outcomes.get(p) ?? ask(p).then(() => outcomes.get(p)!)));
  // Nothing listens, or it does not answer in time: the other paths would say the same.
  if (s1.every((o) => !o.ok)) return { ...status, reason: notRunningReason(s1) };

  stage = 2;
  for (const e of rest) for (const p of e.probePaths) void ask(p);
  for (const e of rest) {
    const hit = await identified(e);
    if (hit) return hit;
  }
  return { ...status, reason: notRunningReason(await Promise.all(outcomes.values())) };
}

/** Every endpoint at once: a status screen should take one timeout, not the sum of them. */
export function probeAll(eps: Endpoint[], timeoutMs = DEFAULT_PROBE_TIMEOUT_MS): Promise<EndpointStatus[]> {
  return Promise.all(eps.map((ep) => probeEndpoint(ep, timeoutMs)));
}

/** Model ids from GET /v1/models. Throws SpecTuneError when the server cannot be asked. */
export async function listModels(baseUrl: string, timeoutMs = 5000, apiKey?: string): Promise<string[]> {
  const url = joinUrl(base(baseUrl), '/v1/models');
  const res = await getWithDeadline(url, timeoutMs, undefined, apiKey);
  if (res.status !== 200) {
    throw new SpecTuneError('HTTP_ERROR', `HTTP ${res.status} from ${url}`, { hint: httpStatusHint(res.status) });
  }
  const r = ModelListSchema.safeParse(res.json);
  if (!r.success) {
    throw new SpecTuneError('HTTP_ERROR', `${url} did not answer an OpenAI model list (${formatZodError(r.error)})`, {
      hint: 'is this an OpenAI-compatible server? check the URL and port',
    });
  }
  return r.data.data.map((m) => m.id);
}
