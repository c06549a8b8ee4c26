/**
 * Two launched-server paths under load, against the vLLM simulator as a real
 * process: the schedule confirmation (one round per level on the schedule's
 * launch, compared with each level's pick; refused and unsupported launches),
 * and a server that dies in the middle of a level (the level fails, the later
 * levels of that configuration are skipped, nothing is left running).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { simulatedVllmSettings } from './helpers/sim-settings';
import { ServerProcess } from '../src/core/server-process';
import { runSweep } from '../src/core/sweep';
import { confirmSchedule } from '../src/core/sweep/schedule-check';
import type { MatrixCell } from '../src/core/sweep/setup';
import { vllmEngine } from '../src/engines/vllm';
import type { Engine, LoadSupport } from '../src/engines/engine';
import { resolvePromptTypes, resolveSystemPrompts } from '../src/shared/prompts';
import { ServerSettingsSchema, SweepPlanSchema, type LevelPick, type ServerSettings } from '../src/shared/schemas';
import { freePort, processAlive } from './helpers/processes';

const dir = mkdtempSync(join(tmpdir(), 'spectune-load-sched-'));
const servers: ServerProcess[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function simSettings(extra: string[] = []): Promise<ServerSettings> {
  return ServerSettingsSchema.parse({ ...simulatedVllmSettings(await freePort(), ['--sim-startup-ms', '50', '--sim-step-ms', '2', ...extra]), numSpeculativeTokens: 3 });
}

const pick = (concurrency: number, k: number, aggregate: number): LevelPick => ({
  concurrency,
  numSpeculativeTokens: k,
  draftModel: k > 0 ? 'sim/draft-0.5b' : null,
  tokensPerSecond: aggregate / concurrency,
  aggregateTokensPerSecond: aggregate,
  speedupPercent: null,
  conservativeScore: aggregate,
  unstable: false,
  confidence: 'high',
  reason: 'test',
});

/** The vLLM engine (its own schedule planner) with a stand-in for the launch hook: `make` decides what it returns. */
function withSchedule(make: LoadSupport['schedule']): Engine {
  return { ...vllmEngine, load: { ...vllmEngine.load, schedule: make } };
}

async function check(engine: Engine, picks: LevelPick[], settings: ServerSettings) {
  const server = new ServerProcess();
  servers.push(server);
  const build = await server.detectVersion(settings.command, { engine: 'vllm' });
  const plan = SweepPlanSchema.parse({ mode: 'attached', url: 'http://127.0.0.1:1', tokens: [0], promptTypes: ['code'], systemPrompts: ['direct'], repeats: 3, maxTokens: 12 });
  const matrix: MatrixCell[] = [{ pt: resolvePromptTypes(['code'])[0], sp: resolveSystemPrompts(['direct'])[0] }];
  const result = await confirmSchedule({ plan, engine, build, server, launchFor: (c) => ({ ...settings, numSpeculativeTokens: c.numSpeculativeTokens ?? 0 }), picks, matrix });
  return { result, server };
}

describe('schedule confirmation', { timeout: 90_000 }, () => {
  it('entries from the picks reach the engine; one round per level within 5% of each pick confirms it', async () => {
    const settings = await simSettings();
    const seen: unknown[] = [];
    // The launch the hook returns is the plain k = 3 one: its speed is what each level's "pick" is measured against.
    const engine = withSchedule(({ entries, settings: s }) => {
      seen.push(entries);
      return { settings: s, note: 'engine note' };
    });
    const { result, server } = await check(engine, [pick(1, 3, 1), pick(4, 0, 1)], settings);
    expect(seen).toEqual([[[1, 2, 3], [3, 4, 0]]]);
    expect(result).toMatchObject({ outcome: 'confirmed', numSpeculativeTokens: 3, entries: [[1, 2, 3], [3, 4, 0]] });
    expect(result!.note).toMatch(/One round per level with the schedule: 1: .* tok\/s vs k=3.*4: .* vs k=0/);
    expect(result!.command).toContain('sim/target-7b');
    expect(server.state().phase).toBe('ready');
  });

  it('a level well below its pick makes it "slower", naming the level and the cost', async () => {
    const settings = await simSettings();
    const engine = withSchedule(({ settings: s }) => ({ settings: s, note: '' }));
    const { result } = await check(engine, [pick(1, 3, 1), pick(4, 0, 1e6)], settings);
    expect(result!.outcome).toBe('slower');
    expect(result!.note).toMatch(/at 4 in flight the schedule ran \d+% slower than k=0 alone/);
  });

  it('a launch that fails on the schedule is "refused", quoting the engine', async () => {
    const settings = await simSettings();
    const engine = withSchedule(({ settings: s }) => ({ settings: { ...s, extraArgs: [...s.extraArgs, '--sim-fail-startup'] }, note: '' }));
    const { result } = await check(engine, [pick(1, 3, 1), pick(4, 0, 1)], settings);
    expect(result!.outcome).toBe('refused');
    expect(result!.note).toMatch(/refused the schedule launch: .*(out of memory|exited)/i);
  });

  it('a build that takes no schedule is "unsupported" with the engine\'s reason; equal picks need none', async () => {
    const settings = await simSettings();
    const engine = withSchedule(() => ({ unsupported: 'vLLM 0.11 has no per-batch-size schedule' }));
    const { result } = await check(engine, [pick(1, 3, 1), pick(4, 0, 1)], settings);
    expect(result).toMatchObject({ outcome: 'unsupported', note: 'vLLM 0.11 has no per-batch-size schedule' });
    expect((await check(engine, [pick(1, 3, 1), pick(4, 3, 1)], settings)).result).toBeUndefined();
  });
});

describe('a launched server dying under load', { timeout: 90_000 }, () => {
  it('fails that level, skips the configuration\'s later levels and stops everything', async () => {
    const server = new ServerProcess();
    servers.push(server);
    const pids = new Set<number>();
    server.on('state', (s) => s.pid && pids.add(s.pid));
    const settings = await simSettings(['--sim-crash-after', '10']);
    const report = await runSweep({
      plan: {
        mode: 'managed',
        server: { ...settings, numSpeculativeTokens: undefined },
        tokens: [0],
        promptTypes: ['code', 'creative'],
        systemPrompts: ['direct'],
        repeats: 2,
        maxTokens: 24,
        concurrency: [1, 4, 8],
      },
      outPath: join(dir, 'crash', 'test_results.json'),
      server,
    });
    // Level 1 (4 requests) finished; the crash came during level 4; level 8 never ran.
    expect(report.measurements.filter((m) => (m.concurrency ?? 1) === 1)).toHaveLength(4);
    expect(report.measurements.some((m) => m.concurrency === 8)).toBe(false);
    expect(report.measurements.filter((m) => m.concurrency === 4).length).toBeLessThan(8);
    expect(report.status).toBe('partial');
    // The log's configuration lines: level 1 fine, level 4 failed with the crash, no line for level 8.
    const log = readFileSync(join(dir, 'crash', 'test_results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const configs = log.filter((l) => l.type === 'config');
    expect(configs.map((c) => [c.concurrency ?? 1, c.failed])).toEqual([[1, false], [4, true]]);
    expect(configs[1].error).toMatch(/server exited during the measurements/);
    expect(server.state().phase).toBe('stopped');
    for (const pid of pids) expect(processAlive(pid)).toBe(false);
  });
});
