/**
 * Whose API key goes to which server: a sweep sends a server only its own engine's key (vLLM
 * VLLM_API_KEY, llama-server LLAMA_API_KEY, LM Studio LM_API_TOKEN, Ollama none) or the variable the
 * user names (--api-key-env). The LM Studio and Ollama personas run as real processes and log a
 * fingerprint of every Authorization header they receive; the sweep runs through the same code path
 * as against the real servers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runSweep } from '../src/core/sweep';
import { apiKeyFor } from '../src/core/sweep/setup';
import { engineById } from '../src/engines';
import { authFingerprint } from '../src/simulator/personas/runtime';
import { killAllPersonas, startPersona, stopPersona, type PersonaProcess } from './sim-persona-harness';

const KEYS = { VLLM_API_KEY: 'vllm-key-4711', LLAMA_API_KEY: 'llama-key-0815', LM_API_TOKEN: 'lms-token-1234', MY_PROXY_KEY: 'proxy-key-42' };

let lms: PersonaProcess;
let ollama: PersonaProcess;
let dir = '';
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spectune-api-keys-'));
  [lms, ollama] = await Promise.all([
    startPersona('lmstudio', ['--model', 'qwen2.5-7b-instruct', '--sim-step-ms', '2', '--sim-startup-ms', '50']),
    startPersona('ollama', ['--model', 'qwen3.5:9b', '--sim-draft-head', '--sim-step-ms', '2', '--sim-reload-ms', '20', '--sim-startup-ms', '50']),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([lms && stopPersona(lms), ollama && stopPersona(ollama)]);
  killAllPersonas();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

function setEnv(values: Record<string, string>): void {
  for (const [k, v] of Object.entries(values)) {
    if (!(k in saved)) saved[k] = process.env[k];
    process.env[k] = v;
  }
}

/** Every fingerprint the persona logged so far, read up to a marker request so no line is still in the pipe. */
async function fingerprintsSeen(p: PersonaProcess): Promise<string[]> {
  const marker = `Bearer marker-${Math.random()}`;
  await fetch(`${p.url}/v1/models`, { headers: { authorization: marker } });
  const log = () => p.out.join('') + p.err.join('');
  for (let i = 0; i < 200 && !log().includes(authFingerprint(marker)); i++) await new Promise((r) => setTimeout(r, 25));
  expect(log()).toContain(authFingerprint(marker));
  const seen = [...log().matchAll(/carried an Authorization header \(sha256 ([0-9a-f]{12})\)/g)].map((m) => m[1]);
  // Each run reads the log from the start: drop what earlier runs (and the markers) left.
  p.out.length = 0;
  p.err.length = 0;
  return seen.filter((f) => f !== authFingerprint(marker));
}

const bearer = (key: string) => authFingerprint(`Bearer ${key}`);

async function sweep(url: string, extra: Record<string, unknown> = {}) {
  const out = join(dir, `${Math.random().toString(36).slice(2)}`, 'test_results.json');
  const report = await runSweep({
    plan: { mode: 'attached', url, tokens: [0], promptTypes: ['code'], systemPrompts: ['empty'], repeats: 1, maxTokens: 8, ...extra },
    outPath: out,
  });
  expect(report.measurements.length).toBeGreaterThan(0);
  expect(report.measurements.every((m) => m.ok)).toBe(true);
  return report;
}

describe('a sweep sends a server only its own key', () => {
  it('LM Studio gets neither the vLLM key nor the llama-server key', async () => {
    await fingerprintsSeen(lms);
    setEnv({ VLLM_API_KEY: KEYS.VLLM_API_KEY, LLAMA_API_KEY: KEYS.LLAMA_API_KEY });
    const report = await sweep(lms.url);
    expect(report.server.kind).toBe('lmstudio');
    expect(await fingerprintsSeen(lms)).toEqual([]);
  }, 60_000);

  it('LM Studio gets its own token (LM_API_TOKEN) on every request, and only that', async () => {
    await fingerprintsSeen(lms);
    setEnv({ VLLM_API_KEY: KEYS.VLLM_API_KEY, LM_API_TOKEN: KEYS.LM_API_TOKEN });
    await sweep(lms.url);
    const seen = await fingerprintsSeen(lms);
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([bearer(KEYS.LM_API_TOKEN)]));
  }, 60_000);

  it('Ollama, which has no key, gets none of the other engines\' keys', async () => {
    await fingerprintsSeen(ollama);
    setEnv({ VLLM_API_KEY: KEYS.VLLM_API_KEY, LLAMA_API_KEY: KEYS.LLAMA_API_KEY, LM_API_TOKEN: KEYS.LM_API_TOKEN });
    const report = await sweep(ollama.url);
    expect(report.server.kind).toBe('ollama');
    expect(await fingerprintsSeen(ollama)).toEqual([]);
  }, 60_000);

  it('a variable the user names (--api-key-env) goes to that server instead', async () => {
    await fingerprintsSeen(ollama);
    setEnv({ VLLM_API_KEY: KEYS.VLLM_API_KEY, MY_PROXY_KEY: KEYS.MY_PROXY_KEY });
    const report = await sweep(ollama.url, { apiKeyEnv: 'MY_PROXY_KEY' });
    const seen = await fingerprintsSeen(ollama);
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([bearer(KEYS.MY_PROXY_KEY)]));
    // Only the variable's name is written down.
    expect(report.plan.apiKeyEnv).toBe('MY_PROXY_KEY');
    expect(JSON.stringify(report)).not.toContain(KEYS.MY_PROXY_KEY);
  }, 60_000);
});

describe('apiKeyFor', () => {
  const env = { VLLM_API_KEY: 'v', LLAMA_API_KEY: 'l', LM_API_TOKEN: 't', NAMED: 'n', EMPTY: '' };

  it("reads each engine's own variable and no other", () => {
    expect(apiKeyFor(engineById('vllm'), {}, env)).toBe('v');
    expect(apiKeyFor(engineById('llama.cpp'), {}, env)).toBe('l');
    expect(apiKeyFor(engineById('lmstudio'), {}, env)).toBe('t');
    expect(apiKeyFor(engineById('ollama'), {}, env)).toBeUndefined();
    expect(apiKeyFor(engineById('mlx'), {}, env)).toBeUndefined();
    expect(apiKeyFor(engineById('lmstudio'), {}, { VLLM_API_KEY: 'v' })).toBeUndefined();
  });

  it('a named variable wins, and one that is unset or empty is refused with the fix', () => {
    expect(apiKeyFor(engineById('ollama'), { apiKeyEnv: 'NAMED' }, env)).toBe('n');
    for (const name of ['MISSING', 'EMPTY']) {
      expect(() => apiKeyFor(engineById('vllm'), { apiKeyEnv: name }, env)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining(name) }));
    }
  });
});
