/**
 * Ollama engine: identification from recorded answers (/api/version, the
 * greeting on /, models from /v1/models or /api/tags), draft_num_predict per
 * request on the native API, usage from the done line, whether a model drafts
 * (/api/show over real HTTP), the plain no-draft message, and the recommendation.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { engineById } from '../src/engines';
import type { PromptRequest } from '../src/engines/engine';
import { draftHeadFromShow, hasDraftHead, noDraftMessage, ollamaEngine, speculationMissingIn } from '../src/engines/ollama';
import { EngineDescriptorSchema } from '../src/shared/engine-descriptor';
import { httpPost, readBody, recordedAsk, serve, type TestServer } from './engine-lmstudio-ollama-helpers';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const REQ: PromptRequest = { model: 'qwen3.5:9b', api: 'chat', system: 'Be brief.', prompt: 'Explain speculative decoding.', maxTokens: 128, temperature: 0, seed: 7, ignoreEos: true };

describe('Ollama descriptor and registry', () => {
  it('is a valid descriptor: attached on :11434, k by reload, no acceptance', () => {
    const d = EngineDescriptorSchema.parse(ollamaEngine.descriptor);
    expect(d).toMatchObject({ id: 'ollama', lifecycle: 'attached', defaultPort: 11434, kChange: 'reload', acceptance: { kind: 'none', note: 'not reported by Ollama' } });
    expect(ollamaEngine.acceptance).toEqual({ kind: 'none', reason: 'not reported by Ollama' });
    expect(engineById('ollama')).toBe(ollamaEngine);
  });
});

describe('identify', () => {
  it('Ollama from /api/version, models from /v1/models', async () => {
    const ask = recordedAsk({
      '/api/version': { json: { version: '0.30.2' } },
      '/v1/models': { json: { object: 'list', data: [{ id: 'qwen3.5:9b', object: 'model', owned_by: 'library' }] } },
      '/api/tags': { json: { models: [{ name: 'never-asked:latest' }] } },
    });
    expect(await ollamaEngine.identify(ask)).toEqual({ version: '0.30.2', models: ['qwen3.5:9b'], simulated: false, via: '/api/version' });
    expect(ask.asked).not.toContain('/api/tags');
  });

  it('models from /api/tags when /v1/models is absent', async () => {
    const ask = recordedAsk({ '/api/version': { json: { version: '0.23.0', simulated: true } }, '/api/tags': { json: { models: [{ name: 'llama3.2:latest', model: 'llama3.2:latest' }] } } });
    expect(await ollamaEngine.identify(ask)).toEqual({ version: '0.23.0', models: ['llama3.2:latest'], simulated: true, via: '/api/version' });
  });

  it('an old Ollama without /api/version is known by its greeting on /', async () => {
    const ask = recordedAsk({ '/': { text: 'Ollama is running' }, '/api/tags': { json: { models: [] } } });
    expect(await ollamaEngine.identify(ask)).toEqual({ version: null, models: [], simulated: false, via: '/' });
  });

  it('not Ollama: vLLM (/version only), LM Studio (200 + {error} everywhere), nothing listening', async () => {
    expect(await ollamaEngine.identify(recordedAsk({ '/version': { json: { version: '0.11.0' } } }))).toBeNull();
    const lmStudio = { json: { error: 'Unexpected endpoint or method.' } };
    expect(await ollamaEngine.identify(recordedAsk({ '/api/version': lmStudio, '/': lmStudio }))).toBeNull();
    expect(await ollamaEngine.identify(recordedAsk({ '/api/version': null, '/v1/models': null, '/': null }))).toBeNull();
  });
});

describe('configurations and requests', () => {
  it('every k is a draft_num_predict with the model\'s own draft', () => {
    expect(ollamaEngine.configurations({ tokens: [0, 2, 4, 8], draftModels: ['ignored'], settings: null })).toEqual([
      { numSpeculativeTokens: 0, draftModel: null },
      { numSpeculativeTokens: 2, draftModel: null },
      { numSpeculativeTokens: 4, draftModel: null },
      { numSpeculativeTokens: 8, draftModel: null },
    ]);
  });

  it('chat: native /api/chat, streamed NDJSON, k in options (0 sent explicitly for the baseline)', () => {
    expect(ollamaEngine.shapeRequest(REQ, { numSpeculativeTokens: 0, draftModel: null, method: null, draftPMin: null })).toEqual({
      path: '/api/chat',
      dialect: 'ndjson',
      body: {
        model: 'qwen3.5:9b',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Explain speculative decoding.' },
        ],
        stream: true,
        options: { temperature: 0, seed: 7, num_predict: 128, draft_num_predict: 0 },
      },
    });
    expect(ollamaEngine.shapeRequest(REQ, { numSpeculativeTokens: 6, draftModel: null, method: null, draftPMin: null }).body.options).toMatchObject({ draft_num_predict: 6 });
    expect(ollamaEngine.shapeRequest(REQ, { numSpeculativeTokens: null, draftModel: null, method: null, draftPMin: null }).body.options).not.toHaveProperty('draft_num_predict');
  });

  it('completions: /api/generate raw (no chat template), system text before the prompt', () => {
    const r = ollamaEngine.shapeRequest({ ...REQ, api: 'completions' }, { numSpeculativeTokens: 3, draftModel: null, method: null, draftPMin: null });
    expect(r).toMatchObject({ path: '/api/generate', dialect: 'ndjson', body: { prompt: 'Be brief.\n\nExplain speculative decoding.', raw: true, stream: true, options: { draft_num_predict: 3 } } });
  });
});

describe('engineUsage from the done:true line', () => {
  it('eval_count, prompt_eval_count, load_duration in seconds; TTFT is the client\'s', () => {
    const done = { done: true, eval_count: 120, prompt_eval_count: 30, load_duration: 2_500_000_000, eval_duration: 1_000_000_000 };
    expect(ollamaEngine.engineUsage?.(done)).toEqual({ completionTokens: 120, promptTokens: 30, loadSeconds: 2.5, ttftSeconds: null });
    expect(ollamaEngine.engineUsage?.({ done: true })).toEqual({ completionTokens: null, promptTokens: null, loadSeconds: 0, ttftSeconds: null });
    expect(ollamaEngine.engineUsage?.(null)).toBeNull();
  });
});

const GGUF_INFO = { 'general.architecture': 'llama', 'general.file_type': 15, 'general.parameter_count': 8030261248, 'llama.block_count': 32 };
const MODELFILE = (extra: string) => `# Modelfile generated by "ollama show"\n# FROM llama3.1:8b\n\nFROM /root/.ollama/models/blobs/sha256-aaa\n${extra}TEMPLATE """{{ .Prompt }}"""\nPARAMETER stop <|eot_id|>\n`;

describe('does the model draft? (/api/show)', () => {
  it.each([
    ['a DRAFT line in the Modelfile', { modelfile: MODELFILE('DRAFT /root/.ollama/models/blobs/sha256-bbb\n'), model_info: GGUF_INFO, details: { format: 'gguf' } }, 'draft'],
    ['an MTP head in the GGUF metadata', { modelfile: MODELFILE(''), model_info: { 'general.architecture': 'glm4moe', 'glm4moe.nextn_predict_layers': 1 }, details: { format: 'gguf' } }, 'mtp'],
    ['mtp.* tensors of an older qwen35 file', { modelfile: MODELFILE(''), model_info: { 'general.architecture': 'qwen35' }, tensors: [{ name: 'blk.0.attn_q.weight' }, { name: 'mtp.layers.0.eh_proj.weight' }], details: { format: 'gguf' } }, 'mtp'],
    ['a GGUF model with neither', { modelfile: MODELFILE(''), model_info: { ...GGUF_INFO, 'llama.nextn_predict_layers': 0 }, details: { format: 'gguf' } }, 'none'],
    ['a safetensors model (few metadata keys)', { modelfile: 'FROM qwen3.5:9b-mlx\n', model_info: { 'general.architecture': 'qwen3', 'general.parameter_count': 9e9 }, details: { format: 'safetensors' } }, 'unknown'],
    ['a remote model', { modelfile: MODELFILE(''), model_info: { 'general.architecture': 'llama' }, remote_host: 'https://ollama.com:443' }, 'unknown'],
    ['an answer that is not a model description', 'Ollama is running', 'unknown'],
  ])('%s', (_name, show, kind) => {
    expect(draftHeadFromShow(show).kind).toBe(kind);
  });

  it('asks POST /api/show {model} over HTTP; a missing model says so', async () => {
    const bodies: unknown[] = [];
    const s = await serve(async (req, res) => {
      const body = JSON.parse(await readBody(req)) as { model: string };
      bodies.push({ method: req.method, url: req.url, body });
      if (body.model === 'gone') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: "model 'gone' not found" }));
        return;
      }
      const draft = body.model === 'with-draft' ? 'DRAFT /blobs/sha256-d\n' : '';
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ modelfile: MODELFILE(draft), model_info: GGUF_INFO, details: { format: 'gguf' } }));
    });
    servers.push(s);
    const post = httpPost(s.url);
    expect((await hasDraftHead(post, 'with-draft')).kind).toBe('draft');
    expect((await hasDraftHead(post, 'plain')).kind).toBe('none');
    const gone = await hasDraftHead(post, 'gone');
    expect(gone).toMatchObject({ kind: 'unknown' });
    expect(gone.detail).toContain('404');
    expect(bodies[0]).toEqual({ method: 'POST', url: '/api/show', body: { model: 'with-draft' } });
    await s.close();
    expect((await hasDraftHead(post, 'x')).kind).toBe('unknown');
  });
});

describe('the plain message for a model that does not draft', () => {
  it('says so for a model without a draft, says "try it" when it cannot tell, and nothing for a drafting model', () => {
    const none = noDraftMessage('llama3.1:8b', { kind: 'none', detail: 'no DRAFT line' });
    expect(none).toContain('llama3.1:8b has no draft model or MTP head');
    expect(none).toContain('draft_num_predict changes nothing');
    expect(noDraftMessage('m', { kind: 'unknown', detail: 'too little metadata' })).toContain('try it, and see whether the speed changes');
    expect(noDraftMessage('m', { kind: 'mtp', detail: '' })).toBeNull();
    expect(noDraftMessage('m', { kind: 'draft', detail: '' }, '0.30.0')).toBeNull();
  });

  it('an Ollama older than 0.23 has no speculation at all', () => {
    expect(speculationMissingIn('0.22.1')).toContain('arrived in 0.23');
    expect(speculationMissingIn('0.23.0')).toBeNull();
    expect(speculationMissingIn('1.0.0')).toBeNull();
    expect(speculationMissingIn(null)).toBeNull();
    expect(noDraftMessage('m', { kind: 'draft', detail: '' }, '0.12.6')).toContain('update Ollama');
  });
});

describe('recommend', () => {
  const input = { settings: null, build: null, url: 'http://127.0.0.1:11434', model: 'qwen3.5:9b' };
  it('nothing to launch: the Modelfile PARAMETER and the request option', () => {
    const r = ollamaEngine.recommend({ ...input, config: { numSpeculativeTokens: 6, draftModel: null, method: null, draftPMin: null } });
    expect(r.command).toBeNull();
    expect(r.argv).toBeNull();
    expect(r.setting).toContain('PARAMETER draft_num_predict 6');
    expect(r.setting).toContain('"options": {"draft_num_predict": 6}');
    expect(ollamaEngine.recommend({ ...input, config: { numSpeculativeTokens: 0, draftModel: null, method: null, draftPMin: null } }).setting).toContain('PARAMETER draft_num_predict 0 (drafting off)');
  });
});
