/**
 * One configuration at one load level, measured once on its own through the
 * closed loop (level 1 included: one request in flight): the plan's repeats as
 * rounds, on a server the caller put it on (the schedule check's launch, the
 * load bench). The sweep itself keeps a session per configuration
 * (./session.ts); this is one such session, used once.
 */
import type { ConfigRun } from '../../shared/report-builder';
import type { Measurement } from '../../shared/schemas';
import type { LoopFigures } from './load';
import { ConfigSession, type SessionContext } from './session';
import type { Cell } from './setup';

/** A level's run: ConfigRun plus the level (the report builder keys per-level entries on it). */
export type LevelRun = ConfigRun & { concurrency: number };

export interface LevelContext extends Omit<SessionContext, 'onPhase' | 'onSetUp'> {
  concurrency: number;
  baseUrl: string;
  model: string;
  /** True when SpecTune launched the server (a lost connection may be a crash it will hear about). */
  launched: boolean;
  /** Aborted by the caller when the launched server dies. */
  configAbort: AbortController;
  /** Why the server is gone, once it is. */
  crashed: () => string | null;
  /** Send one unrecorded request first. */
  warmup: boolean;
  onPhase: (phase: 'warmup' | 'reading-metrics' | 'measuring', cell?: Cell) => void;
}

export interface LevelResult extends LoopFigures {
  run: LevelRun;
  measurements: Measurement[];
}

export async function measureLevel(ctx: LevelContext): Promise<LevelResult> {
  const session = new ConfigSession({ ...ctx, onPhase: (_level, phase, cell) => ctx.onPhase(phase, cell) });
  session.bind({ baseUrl: ctx.baseUrl, model: ctx.model, launched: ctx.launched, launch: 0, abort: ctx.configAbort.signal, crashed: ctx.crashed }, ctx.warmup);
  const { run, measurements, loop } = await session.measureRounds(ctx.concurrency, 0, ctx.plan.repeats, { closedLoop: true });
  return { run: { ...run, concurrency: ctx.concurrency }, measurements, ...loop! };
}
