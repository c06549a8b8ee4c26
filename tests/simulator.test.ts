/**
 * The simulator as a real process over real HTTP: lifecycle, the OpenAI API,
 * multi-token chunks, output identity across k, /metrics acceptance against the
 * model, measured speedup against Leviathan et al., old/new flag sets per
 * version, and every injected fault. Each test kills what it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createParser } from 'eventsource-parser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { groupMembers } from '../src/node/process-tree';
import { alphaFromMeanAcceptanceLength, expectedSpeedup } from '../src/shared/leviathan';
import { BUILTIN_PROMPT_TYPES } from '../src/shared/prompts';
import { acceptanceAlpha, DEFAULT_STEP_MS, draftCost, expectedAcceptanceRate, expectedPerPositionAcceptance, expectedRequestSpeedup } from '../src/simulator/model';
import { processAlive } from './helpers/processes';
import { DEFAULT_SIM_VERSION } from '../src/simulator/personas/vllm/options';

// ---------------------------------------------------------------- helpers

const ROOT = path.resolve(import.meta.dirname, '..');

/**
 * How a test starts the simulator. Default: a plain-JS bundle of it, built once (what the desktop
 * app ships): the same code without a TypeScript loader in every API process and engine child,
 * which was most of each test's start-up. `spectune sim` (through tsx) is the launch-path test's;
 * other test files start src/simulator/main.ts through bin/run-ts.js.
 */
type Via = 'bundle' | 'spectune';

interface SimProcess {
  proc: ChildProcess;
  lines: string[];
  url: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  enginePid(): Promise<number>;
}

/** Simulators started by tests; `persistent` ones live for a whole describe block. */
const live = new Map<ChildProcess, { persistent: boolean }>();
const enginePids = new Map<number, ChildProcess>();

let bundleDir = '';
const bundleFile = () => path.join(bundleDir, 'simulator.mjs');

beforeAll(async () => {
  bundleDir = mkdtempSync(path.join(os.tmpdir(), 'spectune-sim-'));
  const { build } = await import('esbuild');
  await build({ entryPoints: [path.join(ROOT, 'src/simulator/standalone.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: bundleFile(), logLevel: 'silent' });
});
afterAll(() => rmSync(bundleDir, { recursive: true, force: true }));

function commandFor(via: Via): string[] {
  if (via === 'spectune') return [process.execPath, path.join(ROOT, 'bin/spectune.js'), 'sim'];
  return [process.execPath, bundleFile()];
}

/** Spawns the simulator; resolves once its URL is logged (the port is bound, not necessarily ready). */
function spawnSim(args: string[], opts: { via?: Via; cwd?: string; persistent?: boolean } = {}): { proc: ChildProcess; lines: string[]; exit: SimProcess['exit'] } {
  const [exe, ...pre] = commandFor(opts.via ?? 'bundle');
  const proc = spawn(exe, [...pre, ...args], { cwd: opts.cwd ?? ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  live.set(proc, { persistent: opts.persistent === true });
  const lines: string[] = [];
  const collect = (buf: Buffer) => {
    for (const l of buf.toString('utf8').split('\n')) {
      if (l) lines.push(l);
      const m = /\(EngineCore_0 pid=(\d+)\)/.exec(l);
      if (m) enginePids.set(Number(m[1]), proc);
    }
  };
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
    }),
  );
  return { proc, lines, exit };
}

async function startSim(args: string[], opts: { via?: Via; cwd?: string; ready?: boolean; persistent?: boolean } = {}): Promise<SimProcess> {
  // Quick start unless a test is about start-up itself.
  const quick = args.includes('--sim-startup-ms') ? [] : ['--sim-startup-ms', '50'];
  const s = spawnSim(['serve', 'sim/test-model', '--port', '0', ...quick, ...args], opts);
  const url = await waitFor(
    () => {
      const hit = s.lines.map((l) => /Starting vLLM API server \d+ on (http:\/\/[\d.]+:\d+)/.exec(l)).find(Boolean);
      return hit ? hit[1] : undefined;
    },
    20_000,
    () => `no URL logged; log:\n${s.lines.join('\n')}`,
  );
  const sim: SimProcess = {
    ...s,
    url,
    enginePid: () =>
      waitFor(
        () => {
          const hit = s.lines.map((l) => /\(EngineCore_0 pid=(\d+)\)/.exec(l)).find(Boolean);
          return hit ? Number(hit[1]) : undefined;
        },
        20_000,
        () => `engine pid never logged; log:\n${s.lines.join('\n')}`,
      ),
  };
  if (opts.ready !== false) await waitHealthy(sim.url, 20_000);
  return sim;
}

async function waitHealthy(url: string, timeoutMs: number): Promise<void> {
  await waitFor(
    async () => {
      try {
        return (await fetch(`${url}/health`)).status === 200 ? true : undefined;
      } catch {
        return undefined;
      }
    },
    timeoutMs,
    () => `${url}/health never answered 200`,
  );
}

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: () => string, everyMs = 40): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Polls until `pid` is gone; resolves with the last time it was seen alive. */
async function lastSeenAlive(pid: number, timeoutMs: number): Promise<number> {
  let seen = Date.now();
  await waitFor(
    () => {
      if (!processAlive(pid)) return true;
      seen = Date.now();
      return undefined;
    },
    timeoutMs,
    () => `process ${pid} never exited`,
  );
  return seen;
}

/** Kills the simulators (process group and engine) tests started; persistent ones only when asked. */
function killAll(includePersistent = false): void {
  const doomed = new Set([...live].filter(([, o]) => includePersistent || !o.persistent).map(([p]) => p));
  for (const p of doomed) {
    try {
      if (p.pid) process.kill(-p.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  // Engines of exited parents too (an orphan outlives its parent's entry in `live`).
  for (const [pid, parent] of enginePids) {
    if (!includePersistent && live.get(parent)?.persistent) continue;
    try {
      if (processAlive(pid)) process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    enginePids.delete(pid);
  }
}

interface StreamResult {
  status: number;
  chunks: Array<Record<string, any>>;
  /** Visible text pieces in order (one per content chunk). */
  pieces: string[];
  text: string;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  simTiming: Record<string, number> | null;
  done: boolean;
  startedMs: number;
  firstTokenMs: number | null;
  endMs: number;
}

async function streamChat(url: string, body: Record<string, unknown>): Promise<StreamResult> {
  const startedMs = performance.now();
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ stream: true, stream_options: { include_usage: true }, ...body }),
  });
  const out: StreamResult = { status: res.status, chunks: [], pieces: [], text: '', usage: null, simTiming: null, done: false, startedMs, firstTokenMs: null, endMs: 0 };
  if (!res.body) throw new Error('no body');
  const parser = createParser({
    onEvent(ev) {
      if (ev.data === '[DONE]') {
        out.done = true;
        return;
      }
      const chunk = JSON.parse(ev.data) as Record<string, any>;
      out.chunks.push(chunk);
      const content = chunk.choices?.[0]?.delta?.content;
      if (typeof content === 'string' && content !== '') {
        out.firstTokenMs ??= performance.now();
        out.pieces.push(content);
        out.text += content;
      }
      if (chunk.usage) out.usage = chunk.usage;
      if (chunk.sim_timing) out.simTiming = chunk.sim_timing;
    },
  });
  const decoder = new TextDecoder();
  for await (const part of res.body) parser.feed(decoder.decode(part as Uint8Array, { stream: true }));
  out.endMs = performance.now();
  return out;
}

/** Numeric samples of one metric name, keyed by the sorted label set. */
function metricValues(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    const m = /^[^{\s]+(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (m) out.set(m[1] ?? '', Number(m[2]));
  }
  return out;
}

function metricTotal(text: string, name: string): number {
  let sum = 0;
  for (const v of metricValues(text, name).values()) sum += v;
  return sum;
}

const CODE_PROMPT = BUILTIN_PROMPT_TYPES.find((p) => p.id === 'code')!.prompt;
const draftConfig = (k: number) => JSON.stringify({ method: 'draft_model', model: 'sim/draft-model', num_speculative_tokens: k });

async function postJson(url: string, route: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

const chatBody = (extra: Record<string, unknown> = {}) => ({
  model: 'sim/test-model',
  messages: [{ role: 'user', content: CODE_PROMPT }],
  max_tokens: 16,
  temperature: 0,
  ...extra,
});

afterEach(() => killAll());
afterAll(() => killAll(true));

// ---------------------------------------------------------------- tests

describe('lifecycle', () => {
  it('answers 503 while loading, then 200; serves /version and /v1/models; SIGTERM stops API process and engine with exit 0', async () => {
    const sim = await startSim(['--sim-startup-ms', '800', '--max-model-len', '4096'], { ready: false });
    const early = await fetch(`${sim.url}/health`);
    expect(early.status).toBe(503);
    expect(sim.lines.some((l) => l.includes('SIMULATED — no model is loaded'))).toBe(true);

    await waitHealthy(sim.url, 20_000);
    expect(await (await fetch(`${sim.url}/version`)).json()).toEqual({ version: DEFAULT_SIM_VERSION, simulated: true });
    const models = (await (await fetch(`${sim.url}/v1/models`)).json()) as any;
    expect(models.object).toBe('list');
    expect(models.data).toHaveLength(1);
    expect(models.data[0]).toMatchObject({ id: 'sim/test-model', object: 'model', owned_by: 'vllm', max_model_len: 4096 });

    const engine = await sim.enginePid();
    expect(processAlive(engine)).toBe(true);
    const t0 = Date.now();
    process.kill(sim.proc.pid!, 'SIGTERM'); // the parent only: it must take the engine down itself
    const exit = await sim.exit;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(5000);
    await waitFor(() => (processAlive(engine) ? undefined : true), 3000, () => `engine ${engine} still running`);
  });

  it('--sim-ignore-sigterm: API process and engine survive SIGTERM; SIGKILL to the group ends both', async () => {
    const sim = await startSim(['--sim-ignore-sigterm']);
    const engine = await sim.enginePid();
    process.kill(-sim.proc.pid!, 'SIGTERM');
    // Both have handled the signal once each says it ignored it (the engine's lines carry its EngineCore_0 prefix).
    const ignored = (engineLine: boolean) => sim.lines.some((l) => l.includes('ignoring it') && l.includes('EngineCore_0') === engineLine);
    await waitFor(() => (ignored(true) && ignored(false) ? true : undefined), 5000, () => `SIGTERM not handled by both; log:\n${sim.lines.join('\n')}`);
    expect(processAlive(sim.proc.pid!)).toBe(true);
    expect(processAlive(engine)).toBe(true);
    expect((await fetch(`${sim.url}/health`)).status).toBe(200);
    process.kill(-sim.proc.pid!, 'SIGKILL');
    expect((await sim.exit).signal).toBe('SIGKILL');
    await waitFor(() => (processAlive(engine) ? undefined : true), 3000, () => `engine ${engine} still running`);
  });

  it('an engine whose parent is SIGKILLed keeps running (the orphan a launcher must reap), then gives up after the orphan timeout', async () => {
    const sim = await startSim(['--sim-orphan-exit-ms', '1000']);
    const engine = await sim.enginePid();
    process.kill(sim.proc.pid!, 'SIGKILL');
    await sim.exit;
    const parentGone = Date.now();
    const lastAlive = await lastSeenAlive(engine, 8000);
    expect(lastAlive - parentGone).toBeGreaterThanOrEqual(700);
    expect(sim.lines.some((l) => l.includes('orphaned engine exiting'))).toBe(true);
  });

  it('an engine whose parent is SIGKILLed while it loads finishes loading and stays (an orphan, not a crash)', async () => {
    const sim = await startSim(['--sim-startup-ms', '800', '--sim-orphan-exit-ms', '1500'], { ready: false });
    const engine = await sim.enginePid();
    const loadedLine = (l: string) => l.includes('init engine (profile, create kv cache');
    expect(sim.lines.some(loadedLine)).toBe(false);
    process.kill(sim.proc.pid!, 'SIGKILL');
    await sim.exit;
    const loadedAt = await waitFor(() => (sim.lines.some(loadedLine) ? Date.now() : undefined), 5000, () => 'the engine never finished loading');
    // Alive well after loading, until the orphan timeout (not a crash) ends it.
    const lastAlive = await lastSeenAlive(engine, 8000);
    expect(lastAlive - loadedAt).toBeGreaterThanOrEqual(300);
    expect(sim.lines.findIndex((l) => l.includes('orphaned engine exiting'))).toBeGreaterThan(sim.lines.findIndex(loadedLine));
  });

  it('--sim-fail-startup exits 1 before ready with an out-of-memory error, engine gone', async () => {
    const s = spawnSim(['serve', 'sim/test-model', '--port', '0', '--sim-fail-startup']);
    const exit = await s.exit;
    expect(exit.code).toBe(1);
    const log = s.lines.join('\n');
    expect(log).toContain('CUDA out of memory');
    expect(log).toContain('Engine core initialization failed');
    expect(log).not.toContain('Application startup complete');
    const engine = Number(/\(EngineCore_0 pid=(\d+)\)/.exec(log)?.[1]);
    expect(engine).toBeGreaterThan(0);
    await waitFor(() => (processAlive(engine) ? undefined : true), 3000, () => `engine ${engine} still running`);
  });

  it('leaves no process behind when it cannot serve: bad flags, a busy port (the engine child starts early)', async () => {
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    try {
      const port = (busy.address() as net.AddressInfo).port;
      const [badFlag, busyPort] = [spawnSim(['serve', 'm', '--port', 'http']), spawnSim(['serve', 'm', '--port', String(port)])];
      expect((await badFlag.exit).code).toBe(2);
      expect(badFlag.lines.join('\n')).toContain('--port must be');
      expect((await busyPort.exit).code).toBe(1);
      expect(busyPort.lines.join('\n')).toContain('address already in use');
      for (const s of [badFlag, busyPort]) {
        await waitFor(async () => ((await groupMembers(s.proc.pid!)).length === 0 ? true : undefined), 3000, () => `process group ${s.proc.pid} still has members`);
      }
    } finally {
      busy.close();
    }
  });

  it('the engine-core subcommand run by hand (no API process, no IPC channel) exits 2 and says how to start the server', async () => {
    const s = spawnSim(['engine-core']);
    expect((await s.exit).code).toBe(2);
    expect(s.lines.join('\n')).toContain('spectune sim serve MODEL');
  });

  it('--sim-crash-after 2: two requests complete, then the server and its engine die', async () => {
    const sim = await startSim(['--sim-crash-after', '2']);
    const engine = await sim.enginePid();
    expect((await postJson(sim.url, '/v1/chat/completions', chatBody())).status).toBe(200);
    const second = await streamChat(sim.url, chatBody());
    expect(second.done).toBe(true);
    expect(second.usage?.completion_tokens).toBe(16);
    const exit = await sim.exit;
    expect(exit.code).not.toBe(0);
    await waitFor(() => (processAlive(engine) ? undefined : true), 3000, () => `engine ${engine} still running`);
    await expect(fetch(`${sim.url}/health`)).rejects.toThrow();
  });
});

describe('speculation: chunks, identical text, metrics and speedup', () => {
  let base: SimProcess;
  let spec: SimProcess;
  beforeAll(async () => {
    [base, spec] = await Promise.all([
      startSim(['--sim-jitter', '0'], { persistent: true }),
      startSim(['--sim-jitter', '0', '--speculative-config', draftConfig(5)], { persistent: true }),
    ]);
  });
  afterAll(() => killAll(true));

  const runs: Record<'base' | 'spec', StreamResult[]> = { base: [], spec: [] };
  const SEEDS = [1, 2, 3, 4, 5];
  const N = 96;

  it('k=0 sends one token per chunk, k=5 sends several in some chunks; usage exact; text identical for every k at temperature 0', async () => {
    const specBefore = await (await fetch(`${spec.url}/metrics`)).text();
    for (const [name, sim] of [['base', base], ['spec', spec]] as const) {
      for (const seed of SEEDS) {
        runs[name].push(
          await streamChat(sim.url, chatBody({ max_tokens: N, ignore_eos: true, seed, stream_options: { include_usage: true, continuous_usage_stats: true } })),
        );
      }
    }
    const specAfter = await (await fetch(`${spec.url}/metrics`)).text();

    for (const r of [...runs.base, ...runs.spec]) {
      expect(r.status).toBe(200);
      expect(r.done).toBe(true);
      expect(r.usage?.completion_tokens).toBe(N);
      expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + N);
      expect(r.simTiming?.completion_tokens).toBe(N);
      expect(r.simTiming?.steps).toBe(r.pieces.length);
      // The role chunk comes first and, with continuous usage, counts no completion tokens yet.
      expect(r.chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
      expect(r.chunks[0].usage.completion_tokens).toBe(0);
    }
    const tokensPerChunk = (r: StreamResult) => {
      const counts: number[] = [];
      let prev = 0;
      for (const c of r.chunks) {
        if (typeof c.choices?.[0]?.delta?.content !== 'string' || c.choices[0].delta.content === '') continue;
        counts.push(c.usage.completion_tokens - prev);
        prev = c.usage.completion_tokens;
      }
      return counts;
    };
    for (const r of runs.base) expect(Math.max(...tokensPerChunk(r))).toBe(1);
    const specCounts = runs.spec.flatMap(tokensPerChunk);
    expect(Math.max(...specCounts)).toBeGreaterThan(1);
    expect(Math.max(...specCounts)).toBeLessThanOrEqual(6);

    const texts = new Set([...runs.base, ...runs.spec].map((r) => r.text));
    expect(texts.size).toBe(1);
    expect(runs.base[0].text.length).toBeGreaterThan(100);

    // /metrics: counters grew by exactly what the requests report, and acceptance matches the model.
    const delta = (name: string) => metricTotal(specAfter, name) - metricTotal(specBefore, name);
    const drafts = delta('vllm:spec_decode_num_drafts_total');
    const draftTokens = delta('vllm:spec_decode_num_draft_tokens_total');
    const accepted = delta('vllm:spec_decode_num_accepted_tokens_total');
    expect(draftTokens).toBe(runs.spec.reduce((s, r) => s + r.simTiming!.draft_tokens, 0));
    expect(accepted).toBe(runs.spec.reduce((s, r) => s + r.simTiming!.accepted_tokens, 0));
    expect(drafts * 5).toBe(draftTokens);
    const alpha = acceptanceAlpha({ prompt: CODE_PROMPT, method: 'draft_model', temperature: 0 });
    expect(accepted / draftTokens).toBeGreaterThan(expectedAcceptanceRate(alpha, 5) - 0.08);
    expect(accepted / draftTokens).toBeLessThan(expectedAcceptanceRate(alpha, 5) + 0.08);
    const recovered = alphaFromMeanAcceptanceLength(1 + accepted / drafts, 5)!;
    expect(Math.abs(recovered - alpha)).toBeLessThan(0.06);
    const perPos = [...metricValues(specAfter, 'vllm:spec_decode_num_accepted_tokens_per_pos_total').entries()];
    expect(perPos).toHaveLength(5);
    expect(perPos[0][0]).toContain('model_name="sim/test-model"');
    expect(perPos[0][0]).toContain('engine="0"');
    // Position i is reached only through i accepted predecessors: its rate is α^(i+1).
    const posRates = perPos.map(([, v]) => v / drafts);
    const expectedRates = expectedPerPositionAcceptance(alpha, 5);
    for (let i = 0; i < 5; i++) expect(Math.abs(posRates[i] - expectedRates[i])).toBeLessThan(0.1);
    for (let i = 1; i < posRates.length; i++) expect(posRates[i]).toBeLessThanOrEqual(posRates[i - 1]);
    expect(metricTotal(specAfter, 'vllm:generation_tokens_total')).toBeGreaterThanOrEqual(N * SEEDS.length);
    // The baseline server has no spec-decode series at all, as in vLLM V1.
    expect(await (await fetch(`${base.url}/metrics`)).text()).not.toContain('spec_decode');
  });

  it('measured tokens/s speedup of k=5 over k=0 on a code prompt follows Leviathan: ±15 % of the per-request expectation, ±25 % of the asymptotic formula', () => {
    expect(runs.spec.length).toBe(SEEDS.length);
    const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const tps = (r: StreamResult) => N / ((r.endMs - r.startedMs) / 1000);
    const measured = median(runs.spec.map(tps)) / median(runs.base.map(tps));
    const alpha = acceptanceAlpha({ prompt: CODE_PROMPT, method: 'draft_model', temperature: 0 });
    const c = draftCost('draft_model');
    const asymptotic = expectedSpeedup(alpha, 5, c);
    // With prefill and the last partial step of an N-token answer: what a client measures.
    const perRequest = expectedRequestSpeedup({ alpha, k: 5, c, stepMs: DEFAULT_STEP_MS, completionTokens: N, promptTokens: runs.spec[0].usage!.prompt_tokens });
    console.log(`simulator speedup k=5: measured ${measured.toFixed(3)}×, per-request ${perRequest.toFixed(3)}×, Leviathan ${asymptotic.toFixed(3)}× (α=${alpha}, c=${c})`);
    expect(measured).toBeGreaterThan(perRequest * 0.85);
    expect(measured).toBeLessThan(perRequest * 1.15);
    expect(measured).toBeGreaterThan(asymptotic * 0.75);
    expect(measured).toBeLessThan(asymptotic * 1.25);
  });

  it('rejects min_p and logit_bias with 400 only when speculation is on; unknown model → 404; bad fields named', async () => {
    const minP = await postJson(spec.url, '/v1/chat/completions', chatBody({ min_p: 0.1 }));
    expect(minP.status).toBe(400);
    expect(minP.json.error.param).toBe('min_p');
    expect(minP.json.error.message).toContain('The min_p and logit_bias sampling parameters are not yet supported with speculative decoding.');
    expect((await postJson(spec.url, '/v1/chat/completions', chatBody({ logit_bias: { '42': 5 } }))).status).toBe(400);
    expect((await postJson(base.url, '/v1/chat/completions', chatBody({ min_p: 0.1 }))).status).toBe(200);

    const unknown = await postJson(base.url, '/v1/chat/completions', chatBody({ model: 'no/such-model' }));
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.message).toContain('no/such-model');

    const bad = await postJson(base.url, '/v1/chat/completions', chatBody({ max_tokens: 'many' }));
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain('max_tokens');
  });

  it('plain /v1/completions, non-streamed, carries usage and sim_timing; stop strings cut the text', async () => {
    const r = await postJson(base.url, '/v1/completions', { model: 'sim/test-model', prompt: CODE_PROMPT, max_tokens: 12, temperature: 0 });
    expect(r.status).toBe(200);
    expect(r.json.object).toBe('text_completion');
    expect(r.json.usage.completion_tokens).toBe(12);
    expect(r.json.sim_timing.completion_tokens).toBe(12);
    expect(r.json.sim_timing.last_token_ms).toBeGreaterThanOrEqual(r.json.sim_timing.first_token_ms);
    const full = r.json.choices[0].text as string;
    const word = full.trim().split(/\s+/)[2];
    const stopped = await postJson(base.url, '/v1/completions', { model: 'sim/test-model', prompt: CODE_PROMPT, max_tokens: 12, temperature: 0, stop: [word] });
    expect(stopped.json.choices[0].finish_reason).toBe('stop');
    expect(stopped.json.choices[0].text).toBe(full.slice(0, full.indexOf(word)));
  });
});

describe('faults on requests', () => {
  it('--sim-http-500-every 2 fails every second completion request with a JSON error', async () => {
    const sim = await startSim(['--sim-http-500-every', '2']);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await postJson(sim.url, '/v1/chat/completions', chatBody({ max_tokens: 4 }));
      statuses.push(r.status);
      if (r.status === 500) expect(r.json.error.type).toBe('InternalServerError');
    }
    expect(statuses).toEqual([200, 500, 200, 500]);
    expect((await fetch(`${sim.url}/health`)).status).toBe(200);
  });

  it('--sim-stall-after-tokens 5 stops the stream after 5 tokens and leaves the connection open', async () => {
    // `clock` answers without a stall: its whole answer, asked for once the stall began, is the time the stalled stream had to go on.
    const [sim, clock] = await Promise.all([startSim(['--sim-stall-after-tokens', '5']), startSim([])]);
    const ac = new AbortController();
    const res = await fetch(`${sim.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chatBody({ stream: true, max_tokens: 50 })),
      signal: ac.signal,
    });
    let text = '';
    let ended = false;
    const reader = res.body!.getReader();
    const reading = (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return void (ended = true);
          text += new TextDecoder().decode(value);
        }
      } catch {
        /* aborted by us: the server never closed it */
      }
    })();
    const contentChunks = () => text.split('\n\n').filter((e) => e.includes('"content":"') && !e.includes('"content":""'));
    await waitFor(() => (contentChunks().length >= 5 ? true : undefined), 10_000, () => `fewer than 5 tokens arrived: ${text}`);
    const atStall = text;
    // Twice the stalled answer's length, started after it: by its end the stalled stream would have finished.
    const whole = await streamChat(clock.url, chatBody({ max_tokens: 100, ignore_eos: true }));
    expect(whole.usage?.completion_tokens).toBe(100);
    expect(ended).toBe(false);
    expect(text).toBe(atStall);
    expect(contentChunks()).toHaveLength(5);
    expect(text).not.toContain('[DONE]');
    ac.abort();
    await reading;
    await waitFor(async () => ((await (await fetch(`${sim.url}/metrics`)).text()).includes('vllm:num_requests_running{engine="0",model_name="sim/test-model"} 0.0') ? true : undefined), 3000, () => 'aborted request still counted as running');
  });
});

describe('vLLM versions and flags', () => {
  const run = (args: string[]) => {
    const s = spawnSim(args);
    return s.exit.then((e) => ({ ...e, log: s.lines.join('\n') }));
  };

  it('--version prints the impersonated version; bad speculative flags for a version exit non-zero with a clear message', async () => {
    const [v, v092, oldConfig, draft011, badJson, v2block, newOld] = await Promise.all([
      run(['--version']),
      run(['--version', '--sim-version', '0.9.2']),
      run(['serve', 'm', '--sim-version', '0.7.3', '--speculative-config', draftConfig(3)]),
      run(['serve', 'm', '--sim-version', '0.11.0', '--speculative-config', draftConfig(3)]),
      run(['serve', 'm', '--speculative-config', '{"method": "ngram",']),
      run(['serve', 'm', '--sim-version', '0.11.0', '--use-v2-block-manager']),
      run(['serve', 'm', '--sim-version', '0.15.1', '--speculative-model', 'd', '--num-speculative-tokens', '3']),
    ]);
    expect(v).toMatchObject({ code: 0, log: DEFAULT_SIM_VERSION });
    expect(v092).toMatchObject({ code: 0, log: '0.9.2' });
    expect(oldConfig.code).toBe(2);
    expect(oldConfig.log).toContain('unrecognized arguments: --speculative-config');
    expect(draft011.code).not.toBe(0);
    expect(draft011.log).toMatch(/draft model is not supported in vLLM 0\.11\.0/);
    expect(badJson.code).not.toBe(0);
    expect(badJson.log).toContain('--speculative-config');
    expect(v2block.code).not.toBe(0);
    expect(v2block.log).toContain('--use-v2-block-manager');
    expect(newOld.code).not.toBe(0);
    expect(newOld.log).toContain('--speculative-model');
  });

  it('vLLM 0.7.3 takes the old flags (n-gram) and exposes V0 spec-decode metrics; errors use the flat format', async () => {
    const sim = await startSim(['--sim-version', '0.7.3', '--speculative-model', '[ngram]', '--num-speculative-tokens', '3', '--ngram-prompt-lookup-max', '4']);
    expect(((await (await fetch(`${sim.url}/version`)).json()) as any).version).toBe('0.7.3');
    expect(sim.lines.join('\n')).toContain("method='ngram'");
    const r = await streamChat(sim.url, chatBody({ max_tokens: 40, ignore_eos: true }));
    expect(r.usage?.completion_tokens).toBe(40);
    const metrics = await (await fetch(`${sim.url}/metrics`)).text();
    expect(metricTotal(metrics, 'vllm:spec_decode_num_draft_tokens_total')).toBe(r.simTiming!.draft_tokens);
    expect(r.simTiming!.draft_tokens).toBeGreaterThan(0);
    // The V0 engine: gauges and token counters, but no drafts or per-position counters.
    expect(metricTotal(metrics, 'vllm:spec_decode_draft_acceptance_rate')).toBeCloseTo(r.simTiming!.accepted_tokens / r.simTiming!.draft_tokens, 6);
    expect(metrics).not.toContain('vllm:spec_decode_num_drafts_total');
    expect(metrics).not.toContain('per_pos');
    const unknown = await postJson(sim.url, '/v1/chat/completions', chatBody({ model: 'nope' }));
    expect(unknown.json).toMatchObject({ object: 'error', type: 'NotFoundError', code: 404 });
  });

  it('--sim-metrics v0 exposes the V0 acceptance-rate and efficiency gauges instead of V1 counters', async () => {
    const sim = await startSim(['--sim-metrics', 'v0', '--sim-alpha', '0.6', '--speculative-config', JSON.stringify({ method: 'ngram', num_speculative_tokens: 3, prompt_lookup_max: 4 })]);
    const r = await streamChat(sim.url, chatBody({ max_tokens: 80, ignore_eos: true }));
    const metrics = await (await fetch(`${sim.url}/metrics`)).text();
    expect(metrics).not.toContain('vllm:spec_decode_num_drafts_total');
    const rate = metricTotal(metrics, 'vllm:spec_decode_draft_acceptance_rate');
    expect(rate).toBeCloseTo(r.simTiming!.accepted_tokens / r.simTiming!.draft_tokens, 6);
    expect(metricTotal(metrics, 'vllm:spec_decode_efficiency')).toBeGreaterThan(0);
  });
});

describe('launch paths', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'spectune-sim-cwd-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('`spectune sim` from another cwd starts its engine and stops cleanly', async () => {
    const sim = await startSim(['--speculative-config', draftConfig(3)], { via: 'spectune', cwd: tmp });
    const engine = await sim.enginePid();
    const r = await streamChat(sim.url, chatBody({ max_tokens: 8 }));
    expect(r.usage?.completion_tokens).toBe(8);
    process.kill(sim.proc.pid!, 'SIGTERM');
    expect((await sim.exit).code).toBe(0);
    await waitFor(() => (processAlive(engine) ? undefined : true), 3000, () => `engine ${engine} still running`);
  });

  it('a plain-JS bundle (as inside Electron) runs from another cwd with no TypeScript loader', async () => {
    const sim = await startSim([], { via: 'bundle', cwd: tmp });
    const engine = await sim.enginePid();
    expect(processAlive(engine)).toBe(true);
    const r = await streamChat(sim.url, chatBody({ max_tokens: 8 }));
    expect(r.usage?.completion_tokens).toBe(8);
    process.kill(sim.proc.pid!, 'SIGTERM');
    expect((await sim.exit).code).toBe(0);
    await waitFor(() => (processAlive(engine) ? undefined : true), 3000, () => `engine ${engine} still running`);
  });
});
