/**
 * The mlx_lm.server persona: argparse command line (no --version: exit 2 with a
 * usage line), /health, /v1/models, per-request num_draft_tokens and
 * draft_model (null unloads, a change reloads and costs time), no acceptance
 * anywhere, usage only with stream_options.include_usage, and one request at a
 * time while a draft model is loaded (batching without one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersonaArgError } from '../src/simulator/personas/flags';
import { parseMlxArgs } from '../src/simulator/personas/mlx-lm';
import { allKeys, killAllPersonas, postJson, postSse, runOnce, startPersona, stopPersona, type PersonaProcess } from './sim-persona-harness';

const RELOAD_MS = 600;
const MODEL = 'mlx-community/Qwen3-8B-4bit';
const DRAFT = 'mlx-community/Qwen3-0.6B-4bit';
const healthy = async (url: string) => (await fetch(url + '/health')).status === 200;
const chat = (extra: Record<string, unknown> = {}) => ({ messages: [{ role: 'user', content: 'Explain how attention works' }], max_tokens: 12, ...extra });

let s: PersonaProcess;
let version: Awaited<ReturnType<typeof runOnce>>;

beforeAll(async () => {
  [s, version] = await Promise.all([
    startPersona('mlx_lm.server', ['--model', MODEL, '--draft-model', DRAFT, '--num-draft-tokens', '3', '--sim-startup-ms', '50', '--sim-reload-ms', String(RELOAD_MS), '--sim-step-ms', '5'], healthy),
    runOnce(['mlx_lm.server', '--version']),
  ]);
}, 60_000);
afterAll(() => killAllPersonas());

describe('mlx_lm.server command line', () => {
  it('has no --version: argparse prints usage and exits 2', () => {
    expect(version.code).toBe(2);
    expect(version.stdout).toBe('');
    expect(version.stderr).toMatch(/^usage: mlx_lm\.server \[-h\] \[--model MODEL\]/);
    expect(version.stderr).toContain('mlx_lm.server: error: unrecognized arguments: --version');
  });

  it('takes argparse prefixes, rejects bad ints and --draft-mtp with --draft-model', () => {
    const c = parseMlxArgs(['--model', 'm', '--num-draft', '5', '--draft-model', 'd']);
    expect(c.kind === 'serve' && c.options.numDraftTokens).toBe(5);
    const err = (argv: string[]) => {
      try {
        parseMlxArgs(argv);
      } catch (e) {
        if (e instanceof PersonaArgError) return e;
      }
      throw new Error('accepted');
    };
    expect(err(['--port', 'abc']).message).toContain("error: argument --port: invalid int value: 'abc'");
    expect(err(['--port', 'abc']).exitCode).toBe(2);
    expect(err(['--draft', 'x']).message).toContain('ambiguous option: --draft could match --draft-model, --draft-mtp');
    expect(err(['--draft-mtp', '--draft-model', 'd']).message).toContain('--draft-mtp cannot be used together with --draft-model');
    expect(err(['--draft-mtp', '--draft-model', 'd']).exitCode).toBe(1);
  });
});

describe('mlx_lm.server dialect', () => {
  it('answers /health and /v1/models', async () => {
    expect(await (await fetch(s.url + '/health')).json()).toEqual({ status: 'ok' });
    const models = (await (await fetch(s.url + '/v1/models')).json()) as any;
    expect(models.object).toBe('list');
    expect(models.data.map((m: any) => m.id)).toContain(MODEL);
    expect((await fetch(s.url + '/metrics')).status).toBe(404);
  });

  it('reports no acceptance anywhere; usage in a stream only with include_usage, in a last chunk with choices: []', async () => {
    const plain = await postJson(s.url + '/v1/chat/completions', chat({ num_draft_tokens: 4 }));
    expect(plain.status).toBe(200);
    expect(plain.json.usage.completion_tokens).toBe(12);
    const noUsage = await postSse(s.url + '/v1/chat/completions', chat({ stream: true }));
    expect(noUsage.done).toBe(true);
    expect(noUsage.events.some((e) => 'usage' in e)).toBe(false);
    const withUsage = await postSse(s.url + '/v1/chat/completions', chat({ stream: true, stream_options: { include_usage: true } }));
    const last = withUsage.events[withUsage.events.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: 12 });
    // One token per content event.
    expect(withUsage.events.filter((e) => e.choices[0]?.delta?.content).length).toBe(12);
    for (const body of [plain.json, ...noUsage.events, ...withUsage.events]) {
      const keys = [...allKeys(body)];
      expect(keys.filter((k) => /draft|accept|timings/.test(k))).toEqual([]);
    }
  });

  it('validates num_draft_tokens (int ≥ 0)', async () => {
    const neg = await postJson(s.url + '/v1/chat/completions', chat({ num_draft_tokens: -1 }));
    expect(neg.status).toBe(400);
    expect(neg.json.error).toBe('num_draft_tokens must be at least 0');
    const str = await postJson(s.url + '/v1/chat/completions', chat({ num_draft_tokens: 'four' }));
    expect(str.status).toBe(400);
    expect(str.json.error).toBe('num_draft_tokens must be of type int');
  });

  it('serves one request at a time with a draft model loaded', async () => {
    const [a, b] = await Promise.all([postSse(s.url + '/v1/chat/completions', chat({ stream: true, max_tokens: 40 })), postSse(s.url + '/v1/chat/completions', chat({ stream: true, max_tokens: 40 }))]);
    const [first, second] = a.at[0] < b.at[0] ? [a, b] : [b, a];
    // The second request's first token comes only after the first one's last.
    expect(second.at[0]).toBeGreaterThanOrEqual(first.at[first.at.length - 1]);
  });

  it('draft_model: null unloads (a reload that costs time), then requests batch; the default draft reloads again', async () => {
    const unload = await postJson(s.url + '/v1/chat/completions', chat({ draft_model: null }));
    expect(unload.status).toBe(200);
    expect(unload.ms).toBeGreaterThanOrEqual(RELOAD_MS);
    const again = await postJson(s.url + '/v1/chat/completions', chat({ draft_model: null }));
    expect(again.ms).toBeLessThan(RELOAD_MS);
    const [a, b] = await Promise.all([
      postSse(s.url + '/v1/chat/completions', chat({ stream: true, max_tokens: 40, draft_model: null })),
      postSse(s.url + '/v1/chat/completions', chat({ stream: true, max_tokens: 40, draft_model: null })),
    ]);
    // Without a draft both decode together: each starts before the other ends.
    expect(b.at[0]).toBeLessThan(a.at[a.at.length - 1]);
    expect(a.at[0]).toBeLessThan(b.at[b.at.length - 1]);
    const back = await postJson(s.url + '/v1/chat/completions', chat({ draft_model: DRAFT }));
    expect(back.ms).toBeGreaterThanOrEqual(RELOAD_MS);
  });

  it('exits 0 on SIGTERM', async () => {
    expect(await stopPersona(s)).toEqual({ code: 0, signal: null });
  });
});
