/**
 * The sweep, as a pipeline: set up (plan → configurations, every launch
 * checked, ./setup.ts), then the level loop (./level-loop.ts): the strategy
 * names each step (./search-strategy.ts: measure until each level is decided), the target puts the server on
 * its configuration (./target.ts), the configuration's session measures it
 * under one failure policy (./session.ts), a decision step sits between
 * measuring and recording, and the recorder writes and tells it
 * (./recorder.ts). With load levels on an engine that takes a per-batch-size
 * schedule, the schedule the level picks make is tried last
 * (./schedule-check.ts).
 */
import { describeError } from '../../shared/errors';
import type { ScheduleCheck } from '../../shared/report-builder';
import type { Report, SweepPlanInput } from '../../shared/schemas';
import { assertReportPath } from '../report-io';
import { ServerProcess } from '../server-process';
import { SearchStrategy } from './search-strategy';
import { runLevelLoop, type LevelLoopDeps } from './level-loop';
import { requestsPerConfiguration } from './load';
import { SweepProgressClock } from './progress';
import { SweepRecorder, type SweepEvent } from './recorder';
import { confirmSchedule } from './schedule-check';
import { setUpSweep } from './setup';
import { SweepTarget } from './target';
import { StepPace } from './step-pace';

export type { SweepEvent } from './recorder';

export interface SweepOptions {
  plan: SweepPlanInput;
  /** test_results.json; the JSONL log is written beside it. */
  outPath: string;
  /** Managed mode: the server manager to (re)start per configuration. Default: a new one, stopped at the end. */
  server?: ServerProcess;
  signal?: AbortSignal;
  onEvent?: (e: SweepEvent) => void;
  /** Managed mode: leave the last configuration's server running. */
  keepServerRunning?: boolean;
  /** Names this run in every JSONL line and in the report (the app passes its history id). */
  runId?: string;
}

export async function runSweep(opts: SweepOptions): Promise<Report> {
  const { signal } = opts;
  const emit = opts.onEvent ?? (() => {});
  const server = opts.plan.mode === 'managed' ? (opts.server ?? new ServerProcess()) : null;
  const ownServer = server !== null && !opts.server;

  await assertReportPath(opts.outPath);
  const setup = await setUpSweep(opts.plan, server, signal).catch(async (err: unknown) => {
    if (ownServer) await server.stop().catch(() => undefined);
    throw err;
  });
  const levels = [...setup.plan.concurrency].sort((a, b) => a - b);
  const strategy = new SearchStrategy({ requested: setup.plan.strategy, configs: setup.configs, cellsPerRound: setup.matrix.length, rounds: setup.plan.repeats, levels, launchFor: setup.launchFor }, setup);
  const perConfig = requestsPerConfiguration(levels, setup.matrix.length, setup.plan.repeats);
  // Adaptive: at most its budget of configurations (the rest are predicted), so progress does not stall at 40%.
  const clock = new SweepProgressClock(setup.configs, strategy.plannedConfigs(), perConfig, (progress) => emit({ type: 'progress', progress }));
  const recorder = await SweepRecorder.open({ outPath: opts.outPath, runId: opts.runId, setup, strategy, emit, launches: () => target.launches });
  const target = new SweepTarget(setup, server, { signal, onStarting: (config) => clock.report({ phase: 'starting-server' }, config), onSeen: (info) => recorder.seen(info) });
  const deps: LevelLoopDeps = { setup, strategy, target, recorder, clock, signal, pace: new StepPace() };

  try {
    await runLevelLoop(deps);
    if (server && levels.length >= 2 && !signal?.aborted) await checkSchedule(deps, server);
  } catch (err) {
    // Nothing was measurable (e.g. the engine binary not found): keep what the log has, then report the cause.
    await recorder.abandon();
    throw err;
  } finally {
    await target.close(ownServer || !opts.keepServerRunning || signal?.aborted === true);
  }

  const cancelled = signal?.aborted === true;
  // The search decides how much to measure (an adaptive one leaves configurations predicted by design): a sweep
  // that was not cancelled measured what it needed, and the last progress event says so (done = total).
  if (!cancelled) clock.endHere();
  clock.report({ phase: cancelled ? 'cancelled' : 'done' });
  return recorder.finish({ cancelled });
}

/** Load levels on an engine that takes a per-batch-size draft length: launch the schedule the picks make and measure it once per level. */
async function checkSchedule(d: LevelLoopDeps, server: ServerProcess): Promise<void> {
  const { plan, engine, build, launchFor, matrix, apiKey } = d.setup;
  if (!engine.load?.schedule || build === null) return;
  // The per-level picks come from the report builder (recommendation.byConcurrency).
  const picks = d.recorder.snapshot('partial', false).recommendation?.byConcurrency ?? [];
  d.clock.report({ phase: 'starting-server' });
  d.target.forget();
  d.recorder.scheduleCheck = await confirmSchedule({ plan, engine, build, server, launchFor, picks, matrix, apiKey, signal: d.signal }).catch(
    (err: unknown): ScheduleCheck => ({ entries: [], numSpeculativeTokens: 0, outcome: 'not-run', note: `schedule check failed: ${describeError(err)}`, argv: null, command: null }),
  );
  d.target.forget();
}
