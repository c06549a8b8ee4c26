/**
 * The level loop: the strategy names a step (a configuration, a load level,
 * some rounds), the target puts the server on that configuration, the
 * configuration's session measures the rounds, the outcome is decided on, then
 * recorded. A configuration that fails is recorded as failed and the sweep goes
 * on; a cancel ends it.
 */
import type { ConfigRun } from '../../shared/report-builder';
import type { Measurement } from '../../shared/schemas';
import { requestsAtLevel } from './load';
import { batchLimitNote, clientCpuNote, refusalNote } from './level-notes';
import type { SweepProgressClock } from './progress';
import type { SweepRecorder } from './recorder';
import { ConfigSession, type Connection } from './session';
import type { SweepSetup } from './setup';
import type { SweepStep, SweepStrategy } from './strategy';
import type { SweepTarget } from './target';
import type { StepPace } from './step-pace';
import { switchReloads } from './switch-cost';

export interface LevelLoopDeps {
  setup: SweepSetup;
  strategy: SweepStrategy;
  target: SweepTarget;
  recorder: SweepRecorder;
  clock: SweepProgressClock;
  signal?: AbortSignal;
  /** Milliseconds per token measured so far, per level: every request's deadline is sized from it. */
  pace: StepPace;
}

/** A step's outcome: what it measured, and the entry it changed (null: the engine does not run this level for it). */
interface Measured {
  measurements: readonly Measurement[];
  run: ConfigRun | null;
}

export async function runLevelLoop(d: LevelLoopDeps): Promise<void> {
  const sessions = new Map<number, ConfigSession>();
  let last: number | null = null;
  for (let step = d.strategy.next(); step !== null && !d.signal?.aborted; step = d.strategy.next()) {
    d.clock.lastConfig = step.config;
    if (!sessions.has(step.config)) sessions.set(step.config, sessionFor(d, step.config));
    const { engine, configs } = d.setup;
    // Coming back to a configuration whose switch loaded a model (a draft swap): warm up again.
    const reloads = last !== null && last !== step.config && switchReloads(engine, configs[last], configs[step.config]);
    last = step.config;
    const measured = await measureStep(d, sessions.get(step.config)!, step, reloads);
    if (!measured) break;
    decide(d.strategy, step, measured);
    if (measured.run) await d.recorder.entry(measured.run);
  }
}

/**
 * Between measuring and recording: the search hears the step's outcome and decides from it whether to
 * sample more (the pick and a rival not yet separated) or stop — through the steps it gives next.
 */
function decide(strategy: SweepStrategy, step: SweepStep, m: Measured): void {
  strategy.observe(step, { measurements: m.measurements, failed: m.run?.failed ?? false, acceptance: m.run?.acceptance });
}

/** Null: cancelled (what finished is in the log; an entry cut short by the cancel is not recorded). */
async function measureStep(d: LevelLoopDeps, session: ConfigSession, step: SweepStep, reloads: boolean): Promise<Measured | null> {
  const prepared = await d.target.prepare(step.config);
  if (prepared.kind === 'cancelled') return null;
  if (prepared.kind === 'failed') {
    d.clock.configSetUp(step.config);
    d.clock.failed(step.config);
    return { measurements: [], run: session.setUpFailed(prepared.error) };
  }
  session.bind(prepared.connection, reloads || undefined);
  if (step.level > 1 && (await engineSkipsLevel(d, step, prepared.connection))) return { measurements: [], run: null };
  const r = await session.measureRounds(step.level, step.fromRound, step.rounds);
  const cpu = r.loop && clientCpuNote(r.loop.clientCpuSeconds, r.loop.steadyWindowSeconds, step.level);
  if (cpu) d.recorder.notes.add(cpu.note, cpu.share);
  if (r.run.failed) d.clock.failed(step.config);
  else if (d.signal?.aborted) return null;
  return r;
}

/** A level above 1 the engine will not run for this configuration is noted and counted as done; one above its batch limit is noted. */
async function engineSkipsLevel(d: LevelLoopDeps, step: SweepStep, conn: Connection): Promise<boolean> {
  const { engine, build, configs, launchFor, matrix } = d.setup;
  const config = configs[step.config];
  const settings = launchFor(config);
  const refused = await refusalNote(engine, { config, settings, baseUrl: conn.baseUrl, model: conn.model }, step.level).catch(() => null);
  if (refused) {
    d.recorder.notes.add(refused);
    d.clock.credit(step.config, requestsAtLevel(step.level, matrix.length, step.rounds));
    return true;
  }
  const limit = batchLimitNote(engine, settings, build, step.level);
  if (limit) d.recorder.notes.add(limit);
  return false;
}

function sessionFor(d: LevelLoopDeps, config: number): ConfigSession {
  const { plan, engine, build, configs, matrix, apiKey } = d.setup;
  return new ConfigSession({
    plan,
    engine,
    build,
    config: configs[config],
    matrix,
    apiKey,
    pace: d.pace,
    signal: d.signal,
    record: async (m, seconds) => {
      d.clock.request(config, seconds);
      d.pace.observe(m);
      await d.recorder.measurement(m);
    },
    onPhase: (level, phase, cell) =>
      d.clock.report(cell ? { phase, promptType: cell.pt.id, systemPrompt: cell.sp.id, repeat: cell.repeat, concurrency: level } : { phase, concurrency: level }, config),
    onSetUp: () => d.clock.configSetUp(config),
  });
}
