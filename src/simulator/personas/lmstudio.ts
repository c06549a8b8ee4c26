/**
 * The LM Studio persona: LM Studio's local server (`lms server start`) in
 * attached mode — the user runs it; here a test or the demo starts it. Per the
 * reference (engines.md, "LM Studio"):
 *
 * - GET /api/v0/models rows: id, type (llm/vlm/embeddings), state (loaded/not-loaded),
 *   arch, compatibility_type (gguf/mlx), quantization, max_context_length; /v1/models
 *   lists the loaded model (Just-in-Time loading off).
 * - Per-request `draft_model` on /v1/chat/completions and /api/v0/chat/completions;
 *   switching drafts loads the new one (--sim-reload-ms). Draft length is a load-time
 *   setting (--sim-draft-max K), never a request field.
 * - Draft counts ONLY in non-streaming /api/v0/chat/completions `stats`
 *   (total = accepted + rejected + ignored); /v1 answers "stats": {}; v0 streaming
 *   carries neither stats nor usage.
 * - A draft with another vocabulary (--sim-incompatible) is refused with HTTP 400.
 *   LM Studio's exact wording for that is not known; the message names the
 *   vocabulary mismatch. "No models loaded …" / "Model 'x' not found" are LM Studio's.
 * - Unknown endpoints answer 200 with {"error": "Unexpected endpoint or method. (…)"},
 *   as LM Studio does.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { flagValue, PersonaArgError, tokeniseFlags, type FlagKind } from './flags';
import { KNOBS_HELP, parseKnobs, SIM_KNOB_FLAGS, type PersonaKnobs } from './knobs';
import { BadRequest, parseJsonObject, readBody, readOpenAiRequest, type OpenAiRequest } from './request';
import { nowMs, pathOf, runPersonaServer, sendJson, sleep, type PersonaRuntime, type RequestTiming } from './runtime';

export const LMSTUDIO_DEFAULT_DRAFT_MAX = 8;
export const LMSTUDIO_VERSION = '0.4.23';

export interface DraftProfile {
  alpha?: number;
  draftCost?: number;
}

export interface LmStudioOptions {
  host: string;
  port: number;
  model: string;
  drafts: string[];
  incompatible: string[];
  /** Other downloaded models (not loaded). */
  others: string[];
  draftProfiles: Record<string, DraftProfile>;
  draftMax: number;
  format: 'gguf' | 'mlx';
  contextLength: number;
  knobs: PersonaKnobs;
}

export type LmStudioCommand = { kind: 'help'; text: string } | { kind: 'serve'; options: LmStudioOptions };

const FLAGS: Record<string, FlagKind> = {
  '--host': 'value',
  '--port': 'value',
  '--model': 'value',
  '--draft-models': 'value',
  '--models': 'value',
  '--context-length': 'value',
  '--sim-draft': 'value',
  '--sim-incompatible': 'value',
  '--sim-draft-max': 'value',
  '--sim-format': 'value',
  '--help': 'bool',
  ...SIM_KNOB_FLAGS,
};

const HELP = `usage: spectune sim lmstudio --model M [options]   (LM Studio local server; spectune simulator — no model is loaded)

  --port N                 port (default 1234)
  --host H                 address (default 127.0.0.1)
  --model M                the loaded model
  --draft-models a,b       downloaded models usable as drafts (not loaded until a request names one)
  --models x,y             other downloaded models (not loaded)
  --context-length N       loaded context length (default 4096)
  --sim-draft a:ALPHA:COST[,…]  per-draft acceptance α and draft/target cost ratio
  --sim-incompatible x[,…] drafts whose vocabulary differs from the model's (refused with HTTP 400)
  --sim-draft-max K        draft length, fixed at load (default ${LMSTUDIO_DEFAULT_DRAFT_MAX})
  --sim-format gguf|mlx    compatibility_type of every model (default gguf)
${KNOBS_HELP}`;

const list = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);

export function parseLmStudioArgs(argv: readonly string[]): LmStudioCommand {
  const p = tokeniseFlags(argv, {
    kinds: FLAGS,
    aliases: { '-h': '--help', '-p': '--port' },
    unknown(word) {
      throw new PersonaArgError(`error: unknown option '${word}'`, 1);
    },
    missingValue(flag) {
      throw new PersonaArgError(`error: option '${flag}' argument missing`, 1);
    },
  });
  if (p.flags.get('--help') === true) return { kind: 'help', text: HELP };
  if (p.positionals.length > 0) throw new PersonaArgError(`error: too many arguments: ${p.positionals.join(' ')}`, 1);
  const fail = (m: string) => new PersonaArgError(`error: ${m}`, 1);
  let knobs: PersonaKnobs;
  try {
    knobs = parseKnobs(p);
  } catch (err) {
    throw fail((err as Error).message);
  }
  const model = flagValue(p, '--model');
  if (!model) throw fail('--model is required: the model LM Studio has loaded (e.g. --model qwen3-8b)');
  const intFlag = (flag: string, def: number, min: number, max: number): number => {
    const raw = flagValue(p, flag);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) throw fail(`${flag} must be a whole number from ${min} to ${max} (got "${raw}")`);
    return n;
  };
  const draftProfiles: Record<string, DraftProfile> = {};
  for (const spec of list(flagValue(p, '--sim-draft'))) {
    const [name, a, c] = spec.split(':');
    const alpha = a === undefined || a === '' ? undefined : Number(a);
    const draftCost = c === undefined || c === '' ? undefined : Number(c);
    if (!name || (alpha !== undefined && !(alpha >= 0 && alpha < 1)) || (draftCost !== undefined && !(draftCost >= 0 && draftCost <= 10))) {
      throw fail(`--sim-draft entries are NAME:ALPHA:COST with 0 ≤ ALPHA < 1 and 0 ≤ COST ≤ 10 (got "${spec}")`);
    }
    draftProfiles[name] = { alpha, draftCost };
  }
  const format = flagValue(p, '--sim-format') ?? 'gguf';
  if (format !== 'gguf' && format !== 'mlx') throw fail(`--sim-format must be gguf or mlx (got "${format}")`);
  const incompatible = list(flagValue(p, '--sim-incompatible'));
  const drafts = [...new Set([...list(flagValue(p, '--draft-models')), ...Object.keys(draftProfiles), ...incompatible])].filter((d) => d !== model);
  return {
    kind: 'serve',
    options: {
      host: flagValue(p, '--host') ?? '127.0.0.1',
      port: intFlag('--port', 1234, 0, 65535),
      model,
      drafts,
      incompatible,
      others: list(flagValue(p, '--models')).filter((m) => m !== model && !drafts.includes(m)),
      draftProfiles,
      draftMax: intFlag('--sim-draft-max', LMSTUDIO_DEFAULT_DRAFT_MAX, 1, 64),
      format,
      contextLength: intFlag('--context-length', 4096, 16, 1_048_576),
      knobs,
    },
  };
}

/** A plausible architecture for a model name; incompatible drafts get another family. */
function archOf(name: string): string {
  const n = name.toLowerCase();
  if (n.includes('llama')) return 'llama';
  if (n.includes('gemma')) return 'gemma3';
  if (n.includes('mistral')) return 'mistral';
  if (n.includes('phi')) return 'phi3';
  return 'qwen3';
}

function lmsError(res: http.ServerResponse, status: number, message: string, param: string | null, code: string | null): void {
  sendJson(res, status, { error: { message, type: 'invalid_request_error', param, code } });
}

export async function serveLmStudio(o: LmStudioOptions): Promise<never> {
  const log = (level: 'INFO' | 'ERROR' | 'WARN', line: string) => {
    const d = new Date();
    const p = (n: number) => String(n).padStart(2, '0');
    process.stdout.write(`[${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}][${level}] ${line}\n`);
  };
  const quant = o.format === 'gguf' ? 'Q4_K_M' : '4bit';
  const embedding = 'text-embedding-nomic-embed-text-v1.5';
  const row = (id: string, state: 'loaded' | 'not-loaded', type = 'llm', arch = archOf(id)) => ({
    id,
    object: 'model',
    type,
    publisher: 'lmstudio-community',
    arch,
    compatibility_type: o.format,
    quantization: quant,
    state,
    max_context_length: type === 'embeddings' ? 2048 : 32768,
    ...(state === 'loaded' ? { loaded_context_length: o.contextLength } : {}),
  });
  const rows = () => [
    row(o.model, 'loaded'),
    // An incompatible draft is another family: a different vocabulary.
    ...o.drafts.map((d) => row(d, 'not-loaded', 'llm', o.incompatible.includes(d) ? (archOf(o.model) === 'llama' ? 'qwen3' : 'llama') : archOf(o.model))),
    ...o.others.map((m) => row(m, 'not-loaded')),
    row(embedding, 'not-loaded', 'embeddings', 'nomic-bert'),
  ];
  const known = () => new Set([o.model, ...o.drafts, ...o.others, embedding]);
  let loadedDraft: string | null = null;
  /** Draft loads happen one at a time. */
  let draftLoading: Promise<void> = Promise.resolve();

  return runPersonaServer({
    name: 'lmstudio',
    host: o.host,
    port: o.port,
    knobs: o.knobs,
    maxModelLen: o.contextLength,
    log: (line) => log('WARN', line),
    bind: 'after-load',
    onListening(port) {
      log('INFO', `[LM STUDIO SERVER] Success! HTTP server listening on port ${port} (spectune simulator — no model is loaded)`);
      log('INFO', `[LM STUDIO SERVER] Supported endpoints: GET /v1/models, POST /v1/chat/completions, GET /api/v0/models, POST /api/v0/chat/completions`);
      log('INFO', `[LM STUDIO SERVER] Server started.`);
    },
    onLoaded() {
      log('INFO', `[LM STUDIO SERVER] Just-in-time model loading inactive. Loaded model: ${o.model}`);
    },
    onLoadFailed() {
      log('ERROR', `Failed to load model "${o.model}". Error: failed to allocate compute buffers (simulated by --sim-fail-startup)`);
    },
    onBindError(message) {
      log('ERROR', `[LM STUDIO SERVER] Failed to start server on port ${o.port}: ${message}`);
    },
    onCrash() {
      log('ERROR', `[${o.model}] The model has crashed without additional information. (Exit code: 1) (simulated by --sim-crash-after ${o.knobs.crashAfter})`);
    },
    onShutdown() {
      log('INFO', '[LM STUDIO SERVER] Server stopped.');
    },
    handle(req, res, rt) {
      const path = pathOf(req);
      if (req.method === 'GET') {
        if (path === '/v1/models') {
          sendJson(res, 200, { data: [{ id: o.model, object: 'model', owned_by: 'organization_owner' }], object: 'list' });
          return;
        }
        if (path === '/api/v0/models') {
          sendJson(res, 200, { object: 'list', data: rows() });
          return;
        }
        if (path.startsWith('/api/v0/models/')) {
          const id = decodeURIComponent(path.slice('/api/v0/models/'.length));
          const hit = rows().find((r) => r.id === id);
          if (hit) sendJson(res, 200, hit);
          else lmsError(res, 404, `Model '${id}' not found`, 'model', 'model_not_found');
          return;
        }
      }
      if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/api/v0/chat/completions')) {
        void chat(path.startsWith('/api/v0') ? 'v0' : 'v1', req, res, rt);
        return;
      }
      log('ERROR', `Unexpected endpoint or method. (${req.method} ${path}). Returning 200 anyway`);
      sendJson(res, 200, { error: `Unexpected endpoint or method. (${req.method} ${path})` });
    },
  });

  async function chat(api: 'v0' | 'v1', req: http.IncomingMessage, res: http.ServerResponse, rt: PersonaRuntime) {
    const receivedMs = nowMs();
    let r: OpenAiRequest;
    let draft: string | null;
    try {
      r = readOpenAiRequest('chat', parseJsonObject(await readBody(req)), null);
      const d = r.body.draft_model;
      if (d !== undefined && d !== null && typeof d !== 'string') throw new BadRequest("'draft_model' must be a string", 'draft_model');
      draft = typeof d === 'string' && d !== '' ? d : null;
    } catch (err) {
      lmsError(res, 400, err instanceof BadRequest ? err.message : String(err), err instanceof BadRequest ? err.param : null, null);
      return;
    }
    const model = r.model ?? o.model;
    if (model !== o.model) {
      if (known().has(model)) lmsError(res, 404, `Model '${model}' is not loaded. Please load it in the developer page or use the 'lms load' command.`, 'model', 'model_not_found');
      else lmsError(res, 404, `Model '${model}' not found`, 'model', 'model_not_found');
      return;
    }
    if (draft !== null) {
      if (!o.drafts.includes(draft) && draft !== o.model) {
        lmsError(res, 404, `Draft model '${draft}' not found`, 'draft_model', 'model_not_found');
        return;
      }
      if (o.incompatible.includes(draft)) {
        log('ERROR', `Draft model '${draft}' is incompatible with '${o.model}': vocabulary mismatch`);
        lmsError(
          res,
          400,
          `Cannot use draft model '${draft}' with main model '${o.model}': the draft model's vocabulary does not match the main model's. ` +
            'Speculative decoding needs a draft model from the same model family (same tokenizer vocabulary).',
          'draft_model',
          'draft_model_incompatible',
        );
        return;
      }
    }
    if (rt.injectFailure()) {
      lmsError(res, 500, 'Engine protocol predict stream returned an error (simulated by --sim-http-500-*)', null, null);
      return;
    }
    if (draft !== null && draft !== loadedDraft) {
      // Loading a draft takes real time, one load at a time.
      const target = draft;
      draftLoading = draftLoading.then(async () => {
        if (loadedDraft === target) return;
        log('INFO', `[${o.model}] Loading draft model ${target}…`);
        await sleep(o.knobs.reloadMs);
        loadedDraft = target;
      });
      await draftLoading;
    }
    const profile = draft ? (o.draftProfiles[draft] ?? {}) : {};
    const gen = rt.generation(r.input, draft ? { method: 'draft_model', k: o.draftMax } : null, profile);
    const id = `chatcmpl-${randomUUID().replace(/-/g, '').slice(0, 20)}`;
    const created = Math.floor(Date.now() / 1000);
    const usage = (n: number) => ({ prompt_tokens: gen.promptTokens, completion_tokens: n, total_tokens: gen.promptTokens + n });
    const sse = (obj: unknown) => res.write(`data: ${JSON.stringify(obj)}\n\n`);
    const base = { id, object: 'chat.completion.chunk', created, model: o.model, system_fingerprint: o.model };
    if (r.stream) res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let text = '';
    let finished = false;
    // Time to first token counts from when the prediction starts, after any draft load.
    const player = rt.play(gen, draft !== null ? nowMs() : receivedMs, {
      token(piece) {
        text += piece;
        if (r.stream) sse({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: piece }, logprobs: null, finish_reason: null }] });
      },
      done(t) {
        finished = true;
        if (r.stream) {
          sse({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: gen.finishReason }] });
          // v0 streaming carries no usage; /v1 only on request.
          if (api === 'v1' && r.includeUsage) sse({ ...base, choices: [], usage: usage(t.emitted) });
          res.end('data: [DONE]\n\n', () => rt.requestCompleted());
          return;
        }
        const body = {
          id,
          object: 'chat.completion',
          created,
          model: o.model,
          choices: [{ index: 0, logprobs: null, finish_reason: gen.finishReason, message: { role: 'assistant', content: text } }],
          usage: usage(t.emitted),
          ...(api === 'v1'
            ? { stats: {}, system_fingerprint: o.model }
            : {
                stats: v0Stats(t, gen.stopReason !== null ? 'stopStringFound' : gen.finishReason === 'stop' ? 'eosFound' : 'maxPredictedTokensReached', draft),
                model_info: { arch: archOf(o.model), quant, format: o.format, context_length: o.contextLength },
                runtime: { name: o.format === 'gguf' ? 'llama.cpp-linux-x86_64-avx2' : 'mlx-llm-mac-arm64-apple-metal-advsimd', version: '1.50.0', supported_formats: [o.format] },
              }),
        };
        sendJson(res, 200, body);
        rt.requestCompleted();
      },
    });
    res.on('close', () => {
      if (!finished) player.cancel();
    });
  }
}

/** v0 `stats`; draft counts only when a draft model was used (total = accepted + rejected + ignored). */
export function v0Stats(t: RequestTiming, stopReason: string, draft: string | null): Record<string, unknown> {
  const generationS = Math.max(1e-6, (t.lastTokenMs - t.firstTokenMs) / 1000);
  const stats: Record<string, unknown> = {
    tokens_per_second: t.emitted / generationS,
    time_to_first_token: (t.firstTokenMs - t.receivedMs) / 1000,
    generation_time: generationS,
    stop_reason: stopReason,
  };
  if (draft) {
    const accepted = t.accepted - t.acceptedBeyondEnd;
    stats.draft_model = draft;
    stats.total_draft_tokens_count = t.drafted;
    stats.accepted_draft_tokens_count = accepted;
    stats.rejected_draft_tokens_count = t.drafted - t.accepted;
    stats.ignored_draft_tokens_count = t.acceptedBeyondEnd;
  }
  return stats;
}
