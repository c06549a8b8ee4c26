/**
 * The llama-server persona: --version/--help per build, flags refused per build
 * (exit 1 and llama.cpp's words), /health loading → ok, /props, one token per
 * SSE event, `timings` with draft counts only when something was drafted,
 * /metrics gated by --metrics with spec counters only on the newest build,
 * measured throughput per k against the shared timing model, SIGTERM. Real
 * processes, started together up front: each costs seconds on a busy machine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersonaArgError } from '../src/simulator/personas/flags';
import { parseLlamaArgs } from '../src/simulator/personas/llama-args';
import { personaBestK, personaExpectedTokensPerSecond } from '../src/simulator/personas/expected';
import { killAllPersonas, postJson, postSse, runOnce, startPersona, stopPersona, type PersonaProcess } from './sim-persona-harness';

const healthy = async (url: string) => (await fetch(url + '/health')).status === 200;
const answers = async (url: string) => (await fetch(url + '/health')).status > 0;
const chat = (content: string, extra: Record<string, unknown> = {}) => ({ messages: [{ role: 'user', content }], ...extra });

const ALPHA = 0.8;
const DRAFT_COST = 0.15;
const STEP_MS = 4;

let newest: PersonaProcess;
let june: PersonaProcess;
let old: PersonaProcess;
let version: Awaited<ReturnType<typeof runOnce>>;
let removed: Awaited<ReturnType<typeof runOnce>>;

beforeAll(async () => {
  [june, old, version, removed] = await Promise.all([
    // Also the fault-injection subject, in the last test: every 3rd generation request fails, the 3rd completed one kills it.
    startPersona('llama-server', ['--sim-build', '2026-06', '-m', 'm.gguf', '-md', 'd.gguf', '--metrics', '--sim-startup-ms', '50', '--sim-http-500-every', '3', '--sim-crash-after', '3'], healthy),
    startPersona(
      'llama-server',
      // p_min 0 explicitly: without it an old build cuts drafts at 0.75 (tested below), and this test compares whole-k runs.
      ['--sim-build', 'old', '-m', 'm.gguf', '-md', 'd.gguf', '--draft-max', '16', '--draft-p-min', '0', '--sim-alpha', String(ALPHA), '--sim-draft-cost', String(DRAFT_COST), '--sim-step-ms', String(STEP_MS), '--sim-jitter', '0', '--sim-startup-ms', '50'],
      healthy,
    ),
    runOnce(['llama-server', '--version']),
    runOnce(['llama-server', '--sim-build', 'new', '-m', 'm.gguf', '-md', 'd.gguf', '--draft-max', '8']),
  ]);
}, 60_000);
afterAll(() => killAllPersonas());

/** The PersonaArgError a command line raises in-process (same parser the process runs). */
function refusal(argv: string[]): PersonaArgError {
  try {
    parseLlamaArgs(argv);
  } catch (err) {
    if (err instanceof PersonaArgError) return err;
    throw err;
  }
  throw new Error(`accepted: ${argv.join(' ')}`);
}

describe('llama-server command line', () => {
  it('prints version and build on stderr, nothing on stdout, exit 0; build number per generation', () => {
    expect(version.code).toBe(0);
    expect(version.stdout).toBe('');
    expect(version.stderr).toMatch(/^version: 7800 \([0-9a-f]+\)\nbuilt with /);
    const oldVersion = parseLlamaArgs(['--version', '--sim-build', 'old']);
    expect(oldVersion.kind === 'version' && oldVersion.text).toMatch(/^version: 5000 \(/);
  });

  it('a removed flag fails start-up with exit 1 and the rename hint', () => {
    expect(removed.code).toBe(1);
    expect(removed.stderr).toContain('the argument has been removed. use --spec-draft-n-max');
  });

  it('refuses per build what that build does not have, with llama.cpp’s messages', () => {
    expect(refusal(['-m', 'm.gguf', '--draft-min', '1']).message).toContain('the argument has been removed. use --spec-draft-n-min');
    expect(refusal(['--sim-build', 'new', '-m', 'm', '--draft', '4']).message).toContain('use --spec-draft-n-max');
    expect(refusal(['--sim-build', 'old', '-m', 'm.gguf', '--spec-draft-n-max', '3']).message).toBe('error: invalid argument: --spec-draft-n-max');
    expect(refusal(['--sim-build', 'new', '-m', 'm.gguf', '--spec-type', 'draft-simple']).message).toBe('error: invalid argument: --spec-type');
    expect(refusal(['-m', 'm.gguf', '--bogus-flag']).message).toBe('error: invalid argument: --bogus-flag');
    expect(refusal(['-m', 'm.gguf', '--spec-type', 'draft-simple']).message).toContain('requires a draft model');
    for (const argv of [['-m', 'm', '--bogus-flag'], ['--sim-build', 'old', '-m', 'm', '--spec-type', 'none']]) expect(refusal(argv).exitCode).toBe(1);
  });

  it('--help lists the flags of the build, so a client can tell the generation', () => {
    const help = (build: string) => {
      const c = parseLlamaArgs(['--help', '--sim-build', build]);
      return c.kind === 'help' ? c.text : '';
    };
    expect(help('old')).toContain('--draft-max');
    expect(help('old')).not.toContain('--spec-draft-n-max');
    expect(help('new')).toContain('--spec-draft-n-max N');
    expect(help('new')).not.toContain('--spec-type');
    expect(help('new')).not.toMatch(/--draft-max/);
    expect(help('2026-06')).toContain('--spec-type TYPE');
    expect(help('2026-06')).toContain('--spec-draft-model');
  });

  it('old builds draft with -md alone; renamed builds default n_max to 3; June builds need --spec-type', () => {
    const serve = (argv: string[]) => {
      const c = parseLlamaArgs(argv);
      if (c.kind !== 'serve') throw new Error('not serve');
      return c.options;
    };
    expect(serve(['--sim-build', 'old', '-m', 'm', '-md', 'd']).speculation).toMatchObject({ method: 'draft_model', nMax: 16 });
    expect(serve(['--sim-build', 'new', '-m', 'm', '-md', 'd']).speculation).toMatchObject({ method: 'draft_model', nMax: 3 });
    expect(serve(['--sim-build', '2026-06', '-m', 'm', '-md', 'd']).speculation).toBeNull();
    expect(serve(['-m', 'm', '--spec-draft-model', 'd', '--spec-type', 'draft-simple']).speculation).toMatchObject({ method: 'draft_model', nMax: 3 });
    expect(serve(['-m', 'm', '--spec-type', 'ngram-simple']).speculation).toMatchObject({ method: 'ngram' });
    // -fa: a switch in old builds, on|off|auto later.
    expect(serve(['--sim-build', 'old', '-m', 'm', '-fa', '-ngl', '99']).model).toBe('m');
    expect(serve(['-m', 'm', '-fa', 'on', '-ngl', '99']).model).toBe('m');
  });
});

describe('llama-server (newest build) with a draft and --spec-type draft-simple', () => {
  // Started here, right before its tests, so the loading phase is still on when they look.
  beforeAll(async () => {
    newest = await startPersona(
      'llama-server',
      ['-m', '/models/target.gguf', '-md', '/models/draft.gguf', '--spec-type', 'draft-simple', '--spec-draft-n-max', '4', '--parallel', '2', '--metrics', '--sim-startup-ms', '1500'],
      answers,
    );
  }, 30_000);

  it('answers 503 "Loading model" while loading, then {"status":"ok"}', async () => {
    const loading = await fetch(newest.url + '/health');
    expect(loading.status).toBe(503);
    expect(await loading.json()).toEqual({ error: { code: 503, message: 'Loading model', type: 'unavailable_error' } });
    while (!(await healthy(newest.url))) await new Promise((r) => setTimeout(r, 50));
    expect(await (await fetch(newest.url + '/health')).json()).toEqual({ status: 'ok' });
  });

  it('identifies itself on /props and /v1/models', async () => {
    const props = (await (await fetch(newest.url + '/props')).json()) as any;
    expect(props.build_info).toMatch(/^b7800-/);
    expect(props.total_slots).toBe(2);
    expect(props.model_path).toBe('/models/target.gguf');
    expect(props.default_generation_settings.params.speculative.n_max).toBe(4);
    const models = (await (await fetch(newest.url + '/v1/models')).json()) as any;
    expect(models.data[0]).toMatchObject({ id: '/models/target.gguf', owned_by: 'llamacpp' });
  });

  it('streams one token per event, timings with draft counts in the final chunk, matching /metrics', async () => {
    const stream = await postSse(newest.url + '/v1/chat/completions', chat('Write a python function that merges intervals', { max_tokens: 40, stream: true, seed: 3 }));
    const content = stream.events.filter((e) => typeof e.choices?.[0]?.delta?.content === 'string' && e.choices[0].delta.content !== '');
    const last = stream.events[stream.events.length - 1];
    expect(stream.done).toBe(true);
    expect(last.choices[0].finish_reason).toBe('length');
    expect(last.usage.completion_tokens).toBe(40);
    // One token per event even though accepted drafts arrive several per step.
    expect(content).toHaveLength(40);
    expect(last.timings.predicted_n).toBe(40);
    expect(last.timings.draft_n).toBeGreaterThan(0);
    expect(last.timings.draft_n % 4).toBe(0);
    expect(last.timings.draft_n_accepted).toBeLessThanOrEqual(last.timings.draft_n);
    expect(stream.events.slice(0, -1).some((e) => 'timings' in e)).toBe(false);

    const plain = await postJson(newest.url + '/v1/chat/completions', chat('hello', { max_tokens: 10 }));
    expect(plain.status).toBe(200);
    expect(plain.headers.get('x-spectune-simulated')).toBe('1');
    expect(plain.json.object).toBe('chat.completion');
    expect(plain.json.timings.predicted_n).toBe(10);
    expect(plain.json.timings.draft_n).toBeGreaterThan(0);

    const metrics = await (await fetch(newest.url + '/metrics')).text();
    const value = (name: string) => Number(new RegExp(`^llamacpp:${name} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(value('spec_decode_num_draft_tokens_total')).toBe(last.timings.draft_n + plain.json.timings.draft_n);
    expect(value('spec_decode_num_accepted_tokens_total')).toBe(last.timings.draft_n_accepted + plain.json.timings.draft_n_accepted);
    expect(value('spec_decode_num_drafts_total')).toBe(value('spec_decode_num_draft_tokens_total') / 4);
    const perPos = [...metrics.matchAll(/^llamacpp:spec_decode_num_accepted_tokens_per_pos_total\{position="(\d)"\} (\S+)$/gm)].map((m) => Number(m[2]));
    expect(perPos).toHaveLength(4);
    expect(perPos.reduce((a, b) => a + b, 0)).toBe(value('spec_decode_num_accepted_tokens_total'));
  });

  it('exits 0 on SIGTERM', async () => {
    expect(await stopPersona(newest)).toEqual({ code: 0, signal: null });
  });
});

describe('llama-server 2026-06 build: -md alone does not draft', () => {
  it('reports no draft_n, no spec counters on /metrics; /metrics needs --metrics', async () => {
    const r = await postJson(june.url + '/v1/chat/completions', chat('hello there', { max_tokens: 12 }));
    expect(r.json.timings.predicted_n).toBe(12);
    expect(r.json.timings).not.toHaveProperty('draft_n');
    expect(r.json.timings).not.toHaveProperty('draft_n_accepted');
    const props = (await (await fetch(june.url + '/props')).json()) as any;
    expect(props.default_generation_settings.params.speculative.type).toBe('none');
    expect(props.build_info).toMatch(/^b7600-/);
    const metrics = await (await fetch(june.url + '/metrics')).text();
    expect(metrics).toContain('llamacpp:tokens_predicted_total 12');
    expect(metrics).not.toContain('spec_decode');
    // The old build runs without --metrics.
    const gated = await fetch(old.url + '/metrics');
    expect(gated.status).toBe(501);
    expect(((await gated.json()) as any).error.message).toContain('--metrics');
  });
});

describe('llama-server old build: per-request speculative.n_max and throughput per k', () => {
  it('measured tokens/s per k follows the shared timing model and peaks where it says', async () => {
    const n = 200;
    const ks = [0, 5, 16];
    const measured = new Map<number, number>();
    let promptTokens = 0;
    for (const k of ks) {
      let tokens = 0;
      let ms = 0;
      // Without drafts every run is the same; with drafts two seeds smooth the sampled acceptance.
      for (const seed of k === 0 ? [11] : [11, 12]) {
        const r = await postJson(old.url + '/completion', { prompt: 'Explain how attention works', n_predict: n, ignore_eos: true, seed, speculative: { n_max: k } });
        expect(r.json.stop).toBe(true);
        expect(r.json.tokens_predicted).toBe(n);
        if (k === 0) expect(r.json.timings).not.toHaveProperty('draft_n');
        else expect(r.json.timings.draft_n % k).toBe(0);
        tokens += n;
        ms += r.json.timings.prompt_ms + r.json.timings.predicted_ms;
        promptTokens = r.json.timings.prompt_n;
      }
      measured.set(k, tokens / (ms / 1000));
    }
    const input = { persona: 'llama-server' as const, alpha: ALPHA, draftCost: DRAFT_COST, stepMs: STEP_MS, completionTokens: n, promptTokens };
    for (const k of ks) {
      const expected = personaExpectedTokensPerSecond({ ...input, k });
      // Sampled acceptance varies and timers on a busy machine run late, never early.
      expect(measured.get(k)).toBeGreaterThan(expected * 0.7);
      expect(measured.get(k)).toBeLessThan(expected * 1.1);
    }
    expect(personaBestK(input, [0, 1, 2, 3, 4, 5, 6, 8, 12, 16]).k).toBe(5);
    const best = [...measured.entries()].sort((a, b) => b[1] - a[1])[0][0];
    expect(best).toBe(5);
  });
});

describe('llama-server fault injection (knobs shared with every persona)', () => {
  it('answers an injected 500 in llama.cpp’s error shape, then dies with exit 1 after N completed requests', async () => {
    // The 2026-06 server has completed one request above.
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await postJson(june.url + '/v1/chat/completions', chat('hello', { max_tokens: 3 }));
      statuses.push(r.status);
      if (r.status === 500) expect(r.json.error).toMatchObject({ code: 500, type: 'server_error' });
    }
    expect(statuses).toEqual([200, 500, 200]);
    expect(await june.exit).toEqual({ code: 1, signal: null });
    expect(june.err.join('')).toContain('--sim-crash-after 3');
  });
});
