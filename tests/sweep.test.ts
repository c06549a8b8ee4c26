/**
 * The sweep end to end: the simulator launched as a real process through the
 * same launcher as vLLM, real HTTP/SSE, reports on disk validated against the
 * published JSON Schema.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readMeasurementLog } from './helpers/measurement-log';
import { simulatorCommand } from '../src/core/simulator-command';
import { simulatedVllmSettings } from './helpers/sim-settings';
import { runSweep, type SweepEvent } from '../src/core/sweep';
import { ServerProcess } from '../src/core/server-process';
import type { Report, SweepPlanInput } from '../src/shared/schemas';
import { freePort, processAlive } from './helpers/processes';

const schema = JSON.parse(readFileSync(new URL('../resources/test_results.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);

function expectValid(report: unknown) {
  const ok = validate(report);
  expect(validate.errors ?? []).toEqual([]);
  expect(ok).toBe(true);
}

const dir = mkdtempSync(join(tmpdir(), 'spectune-sweep-'));
const servers: ServerProcess[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function managedPlan(extra: Partial<SweepPlanInput> = {}, extraArgs: string[] = []): Promise<SweepPlanInput> {
  return {
    mode: 'managed',
    server: simulatedVllmSettings(await freePort(), ['--sim-startup-ms', '100', '--sim-step-ms', '4', ...extraArgs]),
    tokens: [0, 4],
    promptTypes: ['code', 'creative'],
    systemPrompts: ['direct'],
    repeats: 2,
    maxTokens: 32,
    ...extra,
  };
}

describe('sweep against the simulator', () => {
  it('measures every cell, writes a schema-valid report and a JSONL log, and stops the server', async () => {
    const server = new ServerProcess();
    servers.push(server);
    const events: SweepEvent[] = [];
    const out = join(dir, 'full', 'test_results.json');
    const pids = new Set<number>();
    server.on('state', (s) => s.pid && pids.add(s.pid));
    const report = await runSweep({ plan: await managedPlan(), outPath: out, server, onEvent: (e) => events.push(e) });

    expect(report.status).toBe('complete');
    expect(report.measurements).toHaveLength(2 * 2 * 1 * 2);
    expect(report.measurements.every((m) => m.ok)).toBe(true);
    expect(report.server.simulated).toBe(true);
    expect(report.server.engineVersion).toBeTruthy();
    expect(report.configurations.map((c) => c.numSpeculativeTokens)).toEqual([0, 4]);
    const k4 = report.configurations[1];
    expect(k4.acceptanceRate).toBeGreaterThan(0.3);
    expect(k4.meanAcceptanceLength).toBeGreaterThan(1.5);
    expect(k4.speedupPercent).toBeGreaterThan(10);
    // Greedy output must not depend on k.
    expect(k4.outputMatchRate).toBe(1);
    // The command is for the recommended k (on a loaded machine 4 pairs may not prove k=4 faster).
    const rec = report.recommendation!;
    expect(rec.command!.includes('--speculative-config')).toBe((rec.numSpeculativeTokens ?? 0) > 0);
    expect(rec.command).toContain('sim/target-7b');
    expect(report.warnings.map((w) => w.kind)).toContain('simulated');

    const onDisk = JSON.parse(readFileSync(out, 'utf8')) as Report;
    expectValid(onDisk);
    expect(onDisk.measurements).toHaveLength(8);
    const { measurements } = await readMeasurementLog(out.replace(/\.json$/, '.jsonl'));
    expect(measurements).toHaveLength(8);

    const progress = events.filter((e) => e.type === 'progress').map((e) => (e as Extract<SweepEvent, { type: 'progress' }>).progress);
    expect(progress.at(-1)).toMatchObject({ phase: 'done', done: 8, total: 8 });
    expect(progress.some((p) => p.etaSeconds !== null)).toBe(true);
    expect(events.filter((e) => e.type === 'measurement')).toHaveLength(8);

    expect(server.state().phase).toBe('stopped');
    for (const pid of pids) expect(processAlive(pid)).toBe(false);
  });

  it('marks a configuration whose server crashes as failed, keeps what it measured, and goes on', async () => {
    const server = new ServerProcess();
    servers.push(server);
    const out = join(dir, 'crash', 'test_results.json');
    // Warm-up + 2 measured requests, then the server dies: in every configuration.
    const plan = await managedPlan({ repeats: 3 }, ['--sim-crash-after', '3']);
    const report = await runSweep({ plan, outPath: out, server });

    expect(report.status).toBe('partial');
    expect(report.configurations).toHaveLength(2);
    for (const c of report.configurations) {
      expect(c.failed).toBe(true);
      expect(c.error).toMatch(/exited/);
    }
    const okByK = (k: number) => report.measurements.filter((m) => m.ok && m.numSpeculativeTokens === k).length;
    expect(okByK(0)).toBe(2);
    expect(okByK(4)).toBe(2);
    // The request cut by the crash, and any sent before the exit was noticed, are the crash, not request errors.
    expect(report.measurements.filter((m) => !m.ok)).toEqual([]);
    expect(report.warnings.map((w) => w.kind)).not.toContain('connection-errors');
    expect(server.listenerCount('exit')).toBe(0);
    expect(report.warnings.filter((w) => w.kind === 'config-failed')).toHaveLength(2);
    const { measurements } = await readMeasurementLog(out.replace(/\.json$/, '.jsonl'));
    expect(measurements.filter((m) => m.ok)).toHaveLength(4);
    expectValid(JSON.parse(readFileSync(out, 'utf8')));
  });

  it('cancels midway, keeps the finished measurements and stops the server', async () => {
    const server = new ServerProcess();
    servers.push(server);
    const out = join(dir, 'cancel', 'test_results.json');
    const ac = new AbortController();
    let seen = 0;
    const report = await runSweep({
      plan: await managedPlan({ repeats: 4 }),
      outPath: out,
      server,
      signal: ac.signal,
      onEvent: (e) => {
        if (e.type === 'measurement' && ++seen === 3) ac.abort();
      },
    });
    expect(report.status).toBe('cancelled');
    expect(report.measurements.filter((m) => m.ok)).toHaveLength(3);
    expect(server.state().phase).toBe('stopped');
    const saved = JSON.parse(readFileSync(out, 'utf8')) as Report;
    expect(saved.status).toBe('cancelled');
    expect(saved.measurements).toHaveLength(3);
  });

  it('estimates the time left from the request pace plus each configuration\'s restart cost', async () => {
    const server = new ServerProcess();
    servers.push(server);
    const plan = await managedPlan({ promptTypes: ['code'], repeats: 3 });
    // A slow start and quick requests, as with a real vLLM: the start must not be charged to every request.
    plan.server!.extraArgs = ['--sim-startup-ms', '2000', '--sim-step-ms', '2'];
    const seen: { at: number; event: SweepEvent }[] = [];
    await runSweep({ plan, outPath: join(dir, 'eta', 'test_results.json'), server, onEvent: (event) => seen.push({ at: performance.now(), event }) });

    const lastMeasurement = seen.filter((s) => s.event.type === 'measurement').at(-1)!.at;
    const firstEstimate = seen.find((s) => s.event.type === 'progress' && s.event.progress.etaSeconds !== null)!;
    const p = (firstEstimate.event as Extract<SweepEvent, { type: 'progress' }>).progress;
    expect(p).toMatchObject({ configIndex: 0, done: 1, total: 6 });
    const actualLeft = (lastMeasurement - firstEstimate.at) / 1000;
    expect(actualLeft).toBeGreaterThan(2); // the second configuration's start is still ahead
    expect(p.etaSeconds!).toBeGreaterThanOrEqual(actualLeft / 2);
    expect(p.etaSeconds!).toBeLessThanOrEqual(actualLeft * 2);
    // As the second configuration starts, its own restart is still ahead.
    const secondStart = seen.find((s) => s.event.type === 'progress' && s.event.progress.configIndex === 1)!;
    const p2 = (secondStart.event as Extract<SweepEvent, { type: 'progress' }>).progress;
    expect(p2.phase).toBe('starting-server');
    const left2 = (lastMeasurement - secondStart.at) / 1000;
    expect(p2.etaSeconds!).toBeGreaterThanOrEqual(left2 / 2);
    expect(p2.etaSeconds!).toBeLessThanOrEqual(left2 * 2);
  });

  it('refuses a draft model on vLLM 0.10–0.14 before launching anything, naming the version', async () => {
    const server = new ServerProcess();
    servers.push(server);
    const pids: number[] = [];
    server.on('state', (st) => st.pid && pids.push(st.pid));
    const out = join(dir, 'refused', 'test_results.json');
    const plan = await managedPlan();
    // `--version` of this command answers 0.11.0, as an installed vLLM 0.11 would.
    plan.server = { ...plan.server!, command: [...simulatorCommand(), '--sim-version', '0.11.0'] };
    await expect(runSweep({ plan, outPath: out, server })).rejects.toMatchObject({
      code: 'UNSUPPORTED_DRAFT_MODEL',
      message: expect.stringContaining('0.11.0'),
    });
    // Not even the baseline ran: no process, no log, no report.
    expect(pids).toEqual([]);
    expect(existsSync(out.replace(/\.json$/, '.jsonl'))).toBe(false);
    expect(existsSync(out)).toBe(false);
  });

  it('attached mode measures a running server as it is', async () => {
    const server = new ServerProcess();
    servers.push(server);
    const base = await managedPlan();
    const state = await server.start({ ...base.server!, numSpeculativeTokens: 3 });
    const out = join(dir, 'attached', 'test_results.json');
    const report = await runSweep({
      plan: { mode: 'attached', url: state.url!, tokens: [3], promptTypes: ['technical'], systemPrompts: ['empty', 'concise'], repeats: 1, maxTokens: 16 },
      outPath: out,
    });
    expect(report.status).toBe('complete');
    expect(report.measurements).toHaveLength(2);
    expect(report.server.kind).toBe('vllm');
    expect(report.configurations[0].acceptanceRate).not.toBeNull();
    // SpecTune did not launch it, so it cannot promise a command for it.
    expect(report.recommendation?.command).toBeNull();
    expect(server.state().phase).toBe('ready');

    // Acceptance covers the measured requests only: the uncounted warm-up's drafts are not in it.
    const cold = await runSweep({
      plan: { mode: 'attached', url: state.url!, tokens: [3], promptTypes: ['technical'], systemPrompts: ['empty', 'concise'], repeats: 1, maxTokens: 16, warmup: false },
      outPath: join(dir, 'attached-cold', 'test_results.json'),
    });
    const counts = (r: Report) => {
      const a = r.configurations[0].acceptance!;
      return { drafts: a.drafts, draftTokens: a.draftTokens, acceptedTokens: a.acceptedTokens };
    };
    expect(counts(cold).drafts).toBeGreaterThan(0);
    expect(counts(report)).toEqual(counts(cold));
  });

  it('refuses a report path that is a folder before launching anything', async () => {
    const server = new ServerProcess();
    servers.push(server);
    const states: string[] = [];
    server.on('state', (s) => states.push(s.phase));
    const folder = join(dir, 'a-folder');
    mkdirSync(folder, { recursive: true });
    await expect(runSweep({ plan: await managedPlan(), outPath: folder, server })).rejects.toMatchObject({
      code: 'IO_ERROR',
      message: expect.stringContaining('is a folder'),
      hint: expect.stringContaining(join(folder, 'test_results.json')),
    });
    expect(states).toEqual([]);
  });

  it('sends VLLM_API_KEY as a bearer token (vLLM takes its --api-key from it) and never writes it down', async () => {
    const key = 'sk-test-4711';
    const seen: (string | undefined)[] = [];
    const fake = createServer((req, res) => {
      seen.push(req.headers.authorization);
      const path = (req.url ?? '').split('?')[0];
      if (path === '/version') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"version":"0.15.1"}');
      if (req.headers.authorization !== `Bearer ${key}`) return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"Unauthorized"}');
      if (path === '/v1/models') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"object":"list","data":[{"id":"m"}]}');
      if (path !== '/v1/chat/completions') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n');
      res.write('data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1}}\n\n');
      res.end('data: [DONE]\n\n');
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    const before = process.env.VLLM_API_KEY;
    process.env.VLLM_API_KEY = key;
    try {
      const out = join(dir, 'api-key', 'test_results.json');
      const report = await runSweep({ plan: { mode: 'attached', url, tokens: [0], promptTypes: ['code'], systemPrompts: ['empty'], repeats: 2, maxTokens: 8 }, outPath: out });
      expect(report.measurements.map((m) => m.ok)).toEqual([true, true]);
      expect(report.server.model).toBe('m');
      expect(seen).toContain(`Bearer ${key}`);
      expect(readFileSync(out, 'utf8')).not.toContain(key);
      expect(readFileSync(out.replace(/\.json$/, '.jsonl'), 'utf8')).not.toContain(key);
    } finally {
      if (before === undefined) delete process.env.VLLM_API_KEY;
      else process.env.VLLM_API_KEY = before;
      fake.close();
    }
  });

  it('rejects a k list in attached mode with a message that says what to do', async () => {
    await expect(
      runSweep({ plan: { mode: 'attached', url: 'http://127.0.0.1:9', tokens: [0, 5], promptTypes: ['code'], systemPrompts: ['empty'] }, outPath: join(dir, 'x.json') }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/tokens: attached mode measures one running server.*single k/) });
  });
});
