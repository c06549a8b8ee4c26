/**
 * Load levels through the whole sweep, against the simulator launched as a real
 * process: every configuration measured at every level in ascending order,
 * progress and totals counting all levels, adaptive overridden (and said why),
 * mlx_lm's one-at-a-time draft path skipped above 1 with a note, and a cancel
 * under load leaving no process behind.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { simulatorCommand } from '../src/core/simulator-command';
import { simulatedVllmSettings } from './helpers/sim-settings';
import { runSweep, type SweepEvent } from '../src/core/sweep';
import { ServerProcess } from '../src/core/server-process';
import type { Measurement, SweepPlanInput, SweepProgress } from '../src/shared/schemas';
import { freePort, processAlive } from './helpers/processes';

const dir = mkdtempSync(join(tmpdir(), 'spectune-load-sweep-'));
const servers: ServerProcess[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

function tracked(): { server: ServerProcess; pids: Set<number> } {
  const server = new ServerProcess();
  servers.push(server);
  const pids = new Set<number>();
  server.on('state', (s) => s.pid && pids.add(s.pid));
  return { server, pids };
}

const progressOf = (events: SweepEvent[]): SweepProgress[] =>
  events.filter((e): e is Extract<SweepEvent, { type: 'progress' }> => e.type === 'progress').map((e) => e.progress);

async function vllmPlan(extra: Partial<SweepPlanInput>): Promise<SweepPlanInput> {
  return {
    mode: 'managed',
    server: simulatedVllmSettings(await freePort(), ['--sim-startup-ms', '50', '--sim-step-ms', '2']),
    tokens: [0, 3],
    promptTypes: ['code', 'creative'],
    systemPrompts: ['direct'],
    repeats: 2,
    maxTokens: 16,
    ...extra,
  };
}

describe('load levels in the sweep', { timeout: 120_000 }, () => {
  it('measures every configuration at every level, lowest first, and counts all levels in progress', async () => {
    const { server, pids } = tracked();
    const events: SweepEvent[] = [];
    const out = join(dir, 'levels', 'test_results.json');
    // The adaptive strategy asked for, over two load levels.
    const report = await runSweep({
      plan: await vllmPlan({ tokens: [0, 2, 4], strategy: 'adaptive', concurrency: [4, 1] }),
      outPath: out,
      server,
      onEvent: (e) => events.push(e),
    });

    // Per configuration at least the plan: level 1 = 2 prompts × 2 repeats, level 4 = 2 rounds of 4 (the matrix
    // twice); the search may add whole rounds where two settings are not yet separated (issue 17).
    expect(report.measurements.every((m) => m.ok)).toBe(true);
    const levelOf = (m: Measurement) => m.concurrency ?? 1;
    for (const k of [0, 2, 4]) {
      const mine = report.measurements.filter((m) => m.numSpeculativeTokens === k);
      if (!mine.length) continue; // an adaptive search may leave a k predicted
      // Ascending levels: a configuration's first rounds at 1 come before its first request at 4.
      const firstLoaded = mine.findIndex((m) => levelOf(m) === 4);
      expect(firstLoaded).toBeGreaterThanOrEqual(4);
      expect(mine.slice(0, 4).every((m) => levelOf(m) === 1)).toBe(true);
      const one = mine.filter((m) => levelOf(m) === 1);
      const loaded = mine.filter((m) => levelOf(m) === 4);
      expect(one.length % 2).toBe(0);
      expect(one.length).toBeGreaterThanOrEqual(4);
      expect(loaded.length % 4).toBe(0);
      expect(loaded.length).toBeGreaterThanOrEqual(8);
      // Rounds are whole and numbered from 0 on: each round at 4 holds the matrix twice.
      const rounds = new Set(loaded.map((m) => m.repeat));
      expect([...rounds].sort((a, b) => a - b)).toEqual([...Array(rounds.size).keys()]);
      for (const r of rounds) expect(loaded.filter((m) => m.repeat === r)).toHaveLength(4);
    }
    // Load levels do not force an exhaustive sweep: each level has its own decision.
    expect(report.adaptive?.strategy).toBe('adaptive');
    expect(report.decision!.map((d) => d.concurrency)).toEqual([1, 4]);

    const progress = progressOf(events);
    expect(progress.at(-1)).toMatchObject({ phase: 'done', done: report.measurements.length, total: report.measurements.length });
    const measuring = progress.filter((p) => p.phase === 'measuring');
    expect(new Set(measuring.map((p) => p.concurrency))).toEqual(new Set([1, 4]));

    // The JSONL log names the level of each per-level configuration line.
    const lines = readFileSync(out.replace(/\.json$/, '.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const configLines = lines.filter((l) => l.type === 'config');
    const measuredKs = new Set(report.measurements.map((m) => m.numSpeculativeTokens));
    expect(new Set(configLines.filter((l) => l.concurrency === 4).map((l) => l.numSpeculativeTokens))).toEqual(measuredKs);
    expect(new Set(configLines.filter((l) => l.concurrency === undefined).map((l) => l.numSpeculativeTokens))).toEqual(measuredKs);
    expect(server.state().phase).toBe('stopped');
    for (const pid of pids) expect(processAlive(pid)).toBe(false);
  });

  it('skips a level mlx_lm cannot batch (draft loaded) and says why; the baseline is measured there', async () => {
    const { server } = tracked();
    const report = await runSweep({
      plan: {
        mode: 'managed',
        server: {
          engine: 'mlx',
          command: [...simulatorCommand(), 'mlx_lm.server', '--sim-startup-ms', '0', '--sim-step-ms', '2', '--sim-reload-ms', '0'],
          model: 'mlx-community/Qwen2.5-7B-Instruct-4bit',
          draftModel: 'mlx-community/Qwen2.5-0.5B-Instruct-4bit',
          port: await freePort(),
          startupTimeoutMs: 30_000,
          stopGraceMs: 3_000,
        },
        tokens: [0, 2],
        promptTypes: ['code'],
        systemPrompts: ['direct'],
        repeats: 2,
        maxTokens: 12,
        concurrency: [1, 3],
      },
      outPath: join(dir, 'mlx', 'test_results.json'),
      server,
    });
    const at3 = report.measurements.filter((m) => m.concurrency === 3);
    expect(at3.length).toBe(2 * 3);
    expect(at3.every((m) => m.numSpeculativeTokens === 0)).toBe(true);
    // At one request at a time k=2 has its 2 rounds, and more if the decision needed them (at most --max-repeats, 6).
    const k2 = report.measurements.filter((m) => m.numSpeculativeTokens === 2 && (m.concurrency ?? 1) === 1).length;
    expect(k2).toBeGreaterThanOrEqual(2);
    expect(k2).toBeLessThanOrEqual(6);
    const note = report.warnings.find((w) => w.kind === 'concurrency-unsupported');
    expect(note).toMatchObject({ concurrency: 3, numSpeculativeTokens: 2 });
    expect(note!.message).toMatch(/one request at a time while a draft model is loaded/);
  });

  it('a level above llama-server\'s -np slots is measured, with a batch-limit note; a level within them without', async () => {
    const { server } = tracked();
    const report = await runSweep({
      plan: {
        mode: 'managed',
        server: {
          engine: 'llama.cpp',
          command: [...simulatorCommand(), 'llama-server', '--sim-build', '2026-06', '--sim-startup-ms', '0', '--sim-step-ms', '1'],
          model: '/models/target.gguf',
          port: await freePort(),
          startupTimeoutMs: 30_000,
          stopGraceMs: 3_000,
          extraArgs: ['-np', '2'],
        },
        tokens: [0],
        promptTypes: ['code'],
        systemPrompts: ['direct'],
        repeats: 1,
        maxTokens: 8,
        concurrency: [2, 3],
      },
      outPath: join(dir, 'llama', 'test_results.json'),
      server,
    });
    expect(report.measurements.filter((m) => m.concurrency === 2)).toHaveLength(2);
    expect(report.measurements.filter((m) => m.concurrency === 3)).toHaveLength(3);
    const limits = report.warnings.filter((w) => w.kind === 'batch-limit');
    expect(limits).toHaveLength(1);
    expect(limits[0]).toMatchObject({ concurrency: 3 });
    expect(limits[0].message).toMatch(/above the server's batch limit of 2 \(--parallel\): requests will queue; TTFT includes queueing/);
  });

  it('a cancel under load stops every request and the server, and keeps what finished', async () => {
    const { server, pids } = tracked();
    const ac = new AbortController();
    let seen = 0;
    const report = await runSweep({
      plan: await vllmPlan({ tokens: [0], concurrency: [8], repeats: 3, maxTokens: 64 }),
      outPath: join(dir, 'cancel', 'test_results.json'),
      server,
      signal: ac.signal,
      onEvent: (e) => {
        if (e.type === 'measurement' && ++seen === 3) ac.abort();
      },
    });
    expect(report.status).toBe('cancelled');
    // Requests finishing in the same instant as the third may land too; nothing after the cancel settles is recorded.
    expect(report.measurements.length).toBeGreaterThanOrEqual(3);
    expect(report.measurements.length).toBeLessThan(8 * 3);
    expect(report.measurements.every((m) => m.ok && m.concurrency === 8)).toBe(true);
    expect(server.state().phase).toBe('stopped');
    expect(pids.size).toBeGreaterThan(0);
    for (const pid of pids) expect(processAlive(pid)).toBe(false);
  });
});
