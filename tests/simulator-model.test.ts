/**
 * The simulator's pure parts: the α/timing model against Leviathan et al., the
 * deterministic text, the vLLM flag sets per version, and the /metrics text.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { expectedTokensPerStep } from '../src/shared/leviathan';
import { BUILTIN_PROMPT_TYPES, BUILTIN_SYSTEM_PROMPTS } from '../src/shared/prompts';
import { prepareGeneration, type GenerationInput } from '../src/simulator/generation';
import { SimMetrics } from '../src/simulator/personas/vllm/metrics';
import { errorJson } from '../src/simulator/personas/vllm/openai';
import {
  acceptanceAlpha,
  classifyPrompt,
  expectedAcceptanceRate,
  expectedRequestSpeedup,
  expectedSpeedup,
  planRequest,
  plannedMs,
} from '../src/simulator/model';
import { DEFAULT_SIM_VERSION, parseSimArgs, SimArgError, type SimOptions } from '../src/simulator/personas/vllm/options';
import { applyStop, tokenize } from '../src/simulator/text';

const prompt = (id: string) => BUILTIN_PROMPT_TYPES.find((p) => p.id === id)!.prompt;

function serveOptions(argv: string[]): SimOptions {
  const r = parseSimArgs(['serve', 'm', ...argv]);
  if (r.kind !== 'serve') throw new Error(`expected serve, got ${r.kind}`);
  return r.options;
}

function argError(argv: string[]): SimArgError {
  try {
    parseSimArgs(argv);
  } catch (err) {
    if (err instanceof SimArgError) return err;
    throw err;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
}

describe('acceptance model', () => {
  it('classifies the built-in prompts as themselves and orders α code > technical > security > creative', () => {
    for (const id of ['code', 'technical', 'security', 'creative']) expect(classifyPrompt(prompt(id))).toBe(id);
    const a = (id: string) => acceptanceAlpha({ prompt: prompt(id), method: 'draft_model' });
    expect(a('code')).toBeCloseTo(0.8);
    expect(a('technical')).toBeCloseTo(0.75);
    expect(a('security')).toBeCloseTo(0.7);
    expect(a('creative')).toBeCloseTo(0.55);
    expect(classifyPrompt('Write a Python function that parses a CSV file')).toBe('code');
    expect(classifyPrompt('Write a short poem about the sea')).toBe('creative');
  });

  it('gives other prompts a stable α in 0.55–0.75; system prompts and methods shift it; --sim-alpha overrides', () => {
    const other = acceptanceAlpha({ prompt: 'Tell me about your weekend plans', method: 'draft_model' });
    expect(other).toBeGreaterThanOrEqual(0.55);
    expect(other).toBeLessThanOrEqual(0.75);
    expect(acceptanceAlpha({ prompt: 'Tell me about your weekend plans', method: 'draft_model' })).toBe(other);
    const concise = BUILTIN_SYSTEM_PROMPTS.find((s) => s.id === 'concise')!.prompt;
    expect(acceptanceAlpha({ prompt: prompt('code'), system: concise, method: 'draft_model' })).toBeGreaterThan(0.8);
    expect(acceptanceAlpha({ prompt: prompt('creative'), method: 'ngram' })).toBeLessThan(acceptanceAlpha({ prompt: prompt('creative'), method: 'draft_model' }));
    expect(acceptanceAlpha({ prompt: prompt('code'), method: 'eagle' })).toBeGreaterThan(0.8);
    expect(acceptanceAlpha({ prompt: prompt('creative'), method: 'eagle3', override: 0.42 })).toBe(0.42);
  });

  it('planned steps reproduce Leviathan: mean tokens per step and acceptance rate match the formulas', () => {
    for (const [alpha, k] of [
      [0.8, 5],
      [0.55, 3],
      [0.7, 7],
    ] as const) {
      let steps = 0;
      let tokens = 0;
      let drafted = 0;
      let accepted = 0;
      for (let seed = 1; seed <= 40; seed++) {
        const plan = planRequest({ completionTokens: 2001, k, alpha, c: 0.1, stepMs: 8, jitter: 0, acceptanceSeed: seed, jitterSeed: seed, promptTokens: 50 });
        for (const s of plan.steps.slice(0, -1)) {
          steps++;
          tokens += s.tokens;
          drafted += s.drafted;
          accepted += s.accepted;
        }
      }
      expect(tokens / steps).toBeCloseTo(expectedTokensPerStep(alpha, k), 1);
      expect(accepted / drafted).toBeCloseTo(expectedAcceptanceRate(alpha, k), 1);
    }
  });

  it('planned time gives the expected speedup for long answers, and the demo curve has the intended shape', () => {
    const time = (k: number, alpha: number) => {
      let ms = 0;
      for (let seed = 1; seed <= 20; seed++) ms += plannedMs(planRequest({ completionTokens: 1000, k, alpha, c: 0.18, stepMs: 8, jitter: 0, acceptanceSeed: seed, jitterSeed: 0, promptTokens: 60 }));
      return ms;
    };
    const speedup = time(0, 0.8) / time(5, 0.8);
    expect(speedup).toBeGreaterThan(expectedSpeedup(0.8, 5, 0.18) * 0.93);
    expect(speedup).toBeLessThan(expectedSpeedup(0.8, 5, 0.18) * 1.07);
    // Code peaks around k = 5; creative gains at k = 3 and loses by k = 7.
    const req = (alpha: number, k: number) => expectedRequestSpeedup({ alpha, k, c: 0.18, stepMs: 8, completionTokens: 64, promptTokens: 60 });
    expect(req(0.8, 5)).toBeGreaterThan(req(0.8, 3));
    expect(req(0.8, 5)).toBeGreaterThan(req(0.8, 7));
    expect(req(0.55, 3)).toBeGreaterThan(1.1);
    expect(req(0.55, 7)).toBeLessThan(1);
  });
});

describe('generated text', () => {
  const input = (over: Partial<GenerationInput> = {}): GenerationInput => ({
    prompt: prompt('technical'),
    system: '',
    promptTokens: 60,
    maxTokens: 80,
    temperature: 0,
    seed: 7,
    ignoreEos: true,
    stop: [],
    ...over,
  });

  it('is the same for every k and seed at temperature 0, and varies by seed above it', () => {
    const text = (argv: string[], over: Partial<GenerationInput> = {}) => prepareGeneration(input(over), serveOptions(argv), 0).pieces.join('');
    const k0 = text([]);
    const k5 = text(['--speculative-config', '{"method":"ngram","num_speculative_tokens":5}']);
    expect(k5).toBe(k0);
    expect(text([], { seed: 99 })).toBe(k0);
    expect(text([], { temperature: 0.8, seed: 1 })).toBe(text([], { temperature: 0.8, seed: 1 }));
    expect(text([], { temperature: 0.8, seed: 1 })).not.toBe(text([], { temperature: 0.8, seed: 2 }));
    expect(prepareGeneration(input(), serveOptions([]), 0).completionTokens).toBe(80);
  });

  it('ends at a natural length without ignore_eos (finish "stop"), at max_tokens otherwise (finish "length")', () => {
    const natural = prepareGeneration(input({ ignoreEos: false, maxTokens: 4000 }), serveOptions([]), 0);
    expect(natural.finishReason).toBe('stop');
    expect(natural.completionTokens).toBeGreaterThan(50);
    expect(natural.completionTokens).toBeLessThan(4000);
    const capped = prepareGeneration(input({ ignoreEos: false, maxTokens: 10 }), serveOptions([]), 0);
    expect(capped).toMatchObject({ finishReason: 'length', completionTokens: 10 });
  });

  it('stop strings cut the visible text and count the token that completed the stop', () => {
    const tokens = tokenize('Hello world, this is it.');
    expect(tokens).toEqual(['Hello', ' world', ',', ' this', ' is', ' it', '.']);
    expect(applyStop(tokens, [' is'])).toEqual({ count: 5, text: 'Hello world, this', stopped: ' is' });
    expect(applyStop(tokens, ['nothing'])).toMatchObject({ count: 7, stopped: null });
  });
});

describe('command line per vLLM version', () => {
  it('defaults like vllm serve but binds 127.0.0.1; accepts unknown flags with a warning', () => {
    const o = serveOptions(['--trust-remote-code', '--max-num-batched-tokens', '8192', '--max-num-seqs', '8', '--max_model_len', '4k']);
    expect(o).toMatchObject({ host: '127.0.0.1', port: 8000, maxModelLen: 4096, maxNumSeqs: 8, speculative: null, servedModelNames: ['m'] });
    expect(o.warnings.join('\n')).toContain('--trust-remote-code');
    expect(o.warnings.join('\n')).toContain('--max-num-batched-tokens');
    expect(o.warnings.join('\n')).not.toContain('--max-num-seqs');
    expect(o.version.raw).toBe(DEFAULT_SIM_VERSION);
    // A server command with the simulator's own flags first gets `serve MODEL …` appended by the launcher.
    const pinned = parseSimArgs(['--sim-version', '0.23.0', '--sim-fail-startup', 'serve', 'sim/target', '--port', '9000']);
    expect(pinned).toMatchObject({ kind: 'serve', options: { version: { raw: '0.23.0' }, model: 'sim/target', port: 9000, sim: { failStartup: true } } });
    // Short aliases as vLLM's argparse takes them; a negative number stays a value.
    const short = serveOptions(['-tp', '2', '-q', 'awq', '--seed', '-1']);
    expect(short).toMatchObject({ tensorParallelSize: 2, seed: -1 });
    expect(short.warnings.join('\n')).toContain('-q');
    const old = parseSimArgs(['--model', 'org/model', '--port', '9001', '--served-model-name', 'a', 'b']);
    expect(old.kind === 'serve' && old.options).toMatchObject({ model: 'org/model', port: 9001, servedModelNames: ['a', 'b'] });
  });

  it('speculation per version: old flags ≤ 0.7, config from 0.8, no draft model on 0.10–0.14', () => {
    expect(serveOptions(['--sim-version', '0.7.3', '--speculative-model', '[ngram]', '--num-speculative-tokens', '4', '--ngram-prompt-lookup-max', '3']).speculative).toEqual({
      method: 'ngram',
      model: null,
      numSpeculativeTokens: 4,
      promptLookupMax: 3,
      promptLookupMin: 1,
    });
    expect(serveOptions(['--sim-version', '0.7.3', '--speculative-model', 'small', '--num-speculative-tokens', '5']).speculative).toMatchObject({ method: 'draft_model', model: 'small' });
    expect(argError(['serve', 'm', '--sim-version', '0.7.3', '--speculative-config', '{"model":"d","num_speculative_tokens":3}']).exitCode).toBe(2);
    expect(serveOptions(['--sim-version', '0.9.2', '--speculative-config', '{"model":"d","num_speculative_tokens":3}']).speculative).toMatchObject({ method: 'draft_model', numSpeculativeTokens: 3 });
    expect(argError(['serve', 'm', '--sim-version', '0.9.2', '--speculative-model', 'd']).message).toContain('--speculative-model');
    const refused = argError(['serve', 'm', '--sim-version', '0.11.0', '--speculative-config', '{"method":"draft_model","model":"d","num_speculative_tokens":3}']);
    expect(refused.exitCode).toBe(1);
    expect(refused.message).toMatch(/draft model is not supported in vLLM 0\.11\.0/);
    expect(serveOptions(['--sim-version', '0.11.0', '--speculative-config', '{"method":"eagle","model":"yuhuili/EAGLE-LLaMA3-Instruct-8B","num_speculative_tokens":3}']).speculative).toMatchObject({ method: 'eagle' });
    expect(serveOptions(['--speculative-config', '{"method":"draft_model","model":"d","num_speculative_tokens":7}']).speculative).toMatchObject({ method: 'draft_model', numSpeculativeTokens: 7 });
  });

  it("reports metrics the way that version's engine did: V0 before 0.8 and for draft models on 0.8–0.9, else V1", () => {
    const style = (argv: string[]) => serveOptions(argv).sim.metrics;
    expect(style(['--sim-version', '0.7.3', '--speculative-model', 'd', '--num-speculative-tokens', '3'])).toBe('v0');
    expect(style(['--sim-version', '0.9.2', '--speculative-config', '{"model":"d","num_speculative_tokens":3}'])).toBe('v0');
    expect(style(['--sim-version', '0.9.2', '--speculative-config', '{"method":"ngram","num_speculative_tokens":3}'])).toBe('v1');
    expect(style(['--speculative-config', '{"method":"draft_model","model":"d","num_speculative_tokens":3}'])).toBe('v1');
    expect(style(['--sim-version', '0.7.3', '--sim-metrics', 'v1'])).toBe('v1');
  });

  it("shapes HTTP errors like that version: flat before 0.10.1, OpenAI's nested object from 0.10.1", () => {
    const e = { status: 404, message: 'The model `x` does not exist.', type: 'NotFoundError', param: 'model' };
    const info = { message: e.message, type: 'NotFoundError', param: 'model', code: 404 };
    expect(errorJson(e, serveOptions(['--sim-version', '0.10.0']).version)).toEqual({ object: 'error', ...info });
    expect(errorJson(e, serveOptions(['--sim-version', '0.10.1']).version)).toEqual({ error: info });
    expect(errorJson(e, serveOptions(['--sim-version', '0.7.3']).version)).toEqual({ object: 'error', ...info });
    expect(errorJson(e, serveOptions(['--sim-version', '1.0.0']).version)).toEqual({ error: info });
  });

  it('names the flag or field in every error', () => {
    expect(argError(['serve', 'm', '--speculative-config', '{oops']).message).toContain('--speculative-config');
    expect(argError(['serve', 'm', '--speculative-config', '{"method":"ngram","num_speculative_tokens":0}']).message).toContain('num_speculative_tokens');
    expect(argError(['serve', 'm', '--speculative-config', '{"method":"eagle","num_speculative_tokens":2}']).message).toContain('speculative_config.model');
    expect(argError(['serve', 'm', '--port', 'http']).message).toContain('--port');
    expect(argError(['serve', 'm', '--sim-alpha', '1.5']).message).toContain('--sim-alpha');
    expect(argError(['serve']).message).toContain('model');
    expect(argError(['serve', 'm', '--sim-version', '0.11.0', '--use-v2-block-manager']).exitCode).toBe(2);
    expect(serveOptions(['--sim-version', '0.6.3', '--use-v2-block-manager']).warnings.join()).toContain('use_v2_block_manager');
  });
});

describe('/metrics text', () => {
  it('parses as Prometheus text with V1 spec-decode counters labelled like vLLM', () => {
    const m = new SimMetrics(3);
    m.recordStep(3, 2);
    m.recordStep(3, 0);
    m.generationTokens = 5;
    const families = parsePrometheusTextFormat(m.render({ modelName: 'org/m', speculative: true, style: 'v1' }));
    const byName = new Map(families.map((f) => [f.name, f]));
    const perPos = byName.get('vllm:spec_decode_num_accepted_tokens_per_pos_total')!;
    expect(perPos.metrics.map((s) => [s.labels?.position, Number(s.value)])).toEqual([
      ['0', 1],
      ['1', 1],
      ['2', 0],
    ]);
    expect(perPos.metrics[0].labels).toMatchObject({ engine: '0', model_name: 'org/m' });
    expect(Number(byName.get('vllm:spec_decode_num_drafts_total')!.metrics[0].value)).toBe(2);
    expect(Number(byName.get('vllm:spec_decode_num_draft_tokens_total')!.metrics[0].value)).toBe(6);
    expect(Number(byName.get('vllm:spec_decode_num_accepted_tokens_total')!.metrics[0].value)).toBe(2);

    const v0 = new Map(parsePrometheusTextFormat(m.render({ modelName: 'org/m', speculative: true, style: 'v0' })).map((f) => [f.name, f]));
    expect(Number(v0.get('vllm:spec_decode_draft_acceptance_rate')!.metrics[0].value)).toBeCloseTo(2 / 6);
    expect(Number(v0.get('vllm:spec_decode_efficiency')!.metrics[0].value)).toBeCloseTo(4 / 8);
    expect(v0.has('vllm:spec_decode_num_drafts_total')).toBe(false);
    expect(v0.has('vllm:spec_decode_num_accepted_tokens_per_pos_total')).toBe(false);
    expect(Number(v0.get('vllm:spec_decode_num_emitted_tokens_total')!.metrics[0].value)).toBe(4);
    expect(v0.get('vllm:spec_decode_num_draft_tokens_total')!.metrics[0].labels).toEqual({ model_name: 'org/m' });
  });

  it('writes label pairs sorted by name like prometheus_client, and V0 series without the engine label', () => {
    const m = new SimMetrics(2);
    m.ttft.observe(0.03);
    const v1 = m.render({ modelName: 'org/m', speculative: true, style: 'v1' });
    expect(v1).toContain('vllm:time_to_first_token_seconds_bucket{engine="0",le="0.04",model_name="org/m"} 1.0');
    expect(v1).toContain('vllm:spec_decode_num_accepted_tokens_per_pos_total{engine="0",model_name="org/m",position="1"} 0.0');
    expect(v1).toContain('vllm:request_success_total{engine="0",finished_reason="stop",model_name="org/m"} 0.0');
    const v0 = m.render({ modelName: 'org/m', speculative: true, style: 'v0' });
    expect(v0).not.toContain('engine=');
    expect(v0).toContain('vllm:gpu_cache_usage_perc{model_name="org/m"} 0.0');
    expect(v0).not.toContain('vllm:kv_cache_usage_perc');
  });
});
