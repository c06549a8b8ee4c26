/**
 * Which servers are up, and what they really are. Identification is by API,
 * not by port: users run LM Studio on :8000 or vLLM on :1234 as they please.
 *
 * Stage 1 asks only what vLLM answers (/version, /v1/models), so polling a
 * busy vLLM does not fill its access log with 404s; the other servers' own
 * endpoints are asked only when it is not vLLM.
 */
import { z } from 'zod';
import { SpecTuneError } from '../shared/errors';
import { formatZodError, type Endpoint, type EndpointStatus, type ServerKind } from '../shared/schemas';
import { getWithDeadline, httpStatusHint, joinUrl, networkReason, type GetResult } from '../node/http';

export const DEFAULT_PROBE_TIMEOUT_MS = 1500;

const VersionSchema = z.looseObject({ version: z.string().min(1), simulated: z.boolean().optional() });
const ModelListSchema = z.looseObject({
  data: z.array(z.looseObject({ id: z.string(), owned_by: z.string().optional(), state: z.string().optional() })),
});
const OllamaTagsSchema = z.looseObject({ models: z.array(z.looseObject({ name: z.string() })) });
/** llama.cpp's /props; LM Studio answers unknown paths with 200 + an error object, so require llama.cpp's own keys. */
const LlamaPropsSchema = z
  .looseObject({
    default_generation_settings: z.unknown().optional(),
    total_slots: z.number().optional(),
    build_info: z.string().optional(),
    model_path: z.string().optional(),
  })
  .refine((p) => p.default_generation_settings !== undefined || p.total_slots !== undefined);
const HealthOkSchema = z.looseObject({ status: z.literal('ok') });

/** vLLM versions look like 0.15.1 / 0.6.3.post1 / 0.11.0rc2; other servers' /version (if any) differ. */
const VLLM_VERSION = /^\d+\.\d+/;

type Outcome = { ok: true; res: GetResult } | { ok: false; error: unknown };

function probeGet(base: string, path: string, timeoutMs: number): Promise<Outcome> {
  return getWithDeadline(joinUrl(base, path), timeoutMs).then(
    (res) => ({ ok: true as const, res }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

function json200<S extends z.ZodType>(o: Outcome | undefined, schema: S): z.infer<S> | null {
  if (!o || !o.ok || o.res.status !== 200 || o.res.json === undefined) return null;
  const r = schema.safeParse(o.res.json);
  return r.success ? r.data : null;
}

function modelIds(o: Outcome | undefined): string[] | null {
  const list = json200(o, ModelListSchema);
  return list ? list.data.map((m) => m.id) : null;
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
  const running = (kind: ServerKind, fields: Partial<EndpointStatus>, latencyFrom: Outcome[]): EndpointStatus => {
    const latencies = latencyFrom.flatMap((o) => (o.ok ? [o.res.latencyMs] : []));
    return {
      ...status,
      running: true,
      kind,
      latencyMs: latencies.length ? Math.round(Math.min(...latencies) * 10) / 10 : null,
      ...fields,
    };
  };

  const [ver, models] = await Promise.all([probeGet(b, '/version', timeoutMs), probeGet(b, '/v1/models', timeoutMs)]);
  const v = json200(ver, VersionSchema);
  if (v && VLLM_VERSION.test(v.version)) {
    return running('vllm', { version: v.version, models: modelIds(models) ?? [], simulated: v.simulated === true }, [ver]);
  }
  // Nothing listens, or it does not answer in time: the other paths would say the same.
  if (!ver.ok && !models.ok) return { ...status, reason: notRunningReason([ver, models]) };

  // A slow server still gets a fair second look, so the whole probe stays under ~1.5 × timeout.
  const left = Math.max(timeoutMs - (performance.now() - started), timeoutMs / 2);
  const [ollama, lmstudio, props, health] = await Promise.all([
    probeGet(b, '/api/version', left),
    probeGet(b, '/api/v0/models', left),
    probeGet(b, '/props', left),
    probeGet(b, '/health', left),
  ]);
  const v1Models = modelIds(models);

  const ov = json200(ollama, VersionSchema);
  if (ov) {
    let names = v1Models;
    if (!names) {
      const tags = json200(await probeGet(b, '/api/tags', left), OllamaTagsSchema);
      names = tags ? tags.models.map((m) => m.name) : [];
    }
    return running('ollama', { version: ov.version, models: names }, [ollama]);
  }

  const lms = json200(lmstudio, ModelListSchema);
  if (lms) {
    const hasState = lms.data.some((m) => m.state !== undefined);
    const loaded = hasState ? lms.data.filter((m) => m.state === 'loaded') : lms.data;
    return running('lmstudio', { models: loaded.map((m) => m.id) }, [lmstudio]);
  }

  const lp = json200(props, LlamaPropsSchema);
  if (lp) {
    const fromPath = lp.model_path ? [lp.model_path.split(/[\\/]/).pop() ?? lp.model_path] : [];
    return running('llamacpp', { version: lp.build_info ?? null, models: v1Models ?? fromPath }, [props]);
  }

  if (json200(health, HealthOkSchema)) {
    return running('mlx', { models: v1Models ?? [] }, [health]);
  }

  if (v1Models) return running('openai', { models: v1Models }, [models]);

  return { ...status, reason: notRunningReason([models, ver, ollama, lmstudio, props, health]) };
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
