/**
 * One configuration at one load level c > 1: a closed loop that keeps c requests
 * in flight, each finished request replaced at once, prompts drawn round-robin
 * from the prompt matrix (prompt types × system prompts).
 *
 * - Ramp-up: the first c requests are not recorded (they start together, which a
 *   server in steady state never sees).
 * - Measured: the asked rounds of `perRound` requests each (the matrix repeated
 *   ceil(c / matrix size) times, so a round holds at least c requests); each is
 *   recorded with concurrency = c and repeat = its round, numbered on from the
 *   configuration's earlier rounds at this level.
 * - Drain: once every measured request is sent, unrecorded fillers keep c in
 *   flight until the last measured one ends; then the fillers are aborted, so the
 *   tail of the level is as loaded as its middle.
 *
 * Failures are recorded (ok: false) and replaced, as on level 1, under the same
 * failure policy (./failure-policy.ts); a launched server dying, a cancel, or an
 * attached server gone end the loop with nothing left running.
 */
import type { Measurement } from '../../shared/schemas';
import type { StreamDetails } from '../bench-client';
import type { PathContext } from './one-at-a-time';
import { measurementOf } from './requests';
import type { Cell, MatrixCell } from './setup';

/** What a closed loop tells beside its measurements. */
export interface LoopFigures {
  /** First measured start → last measured end (null: nothing measured). */
  steadyWindowSeconds: number | null;
  /** The same window on the wall clock (epoch ms), to compare with a server's own count over it. */
  steadyWindowEpochMs: { start: number; end: number } | null;
  /** The client's own CPU time (user + system) over the steady window. */
  clientCpuSeconds: number;
  /**
   * Requests the client held in flight over the steady window, time-averaged (every request, recorded or
   * not). Below c by the time a finished request's replacement takes to leave: how far "c always in
   * flight", which the aggregate's Little's law assumes, held.
   */
  meanInFlight: number | null;
}

/** Time-weighted mean of how many spans cover [from, to]. */
export function meanCovering(spans: readonly Span[], from: number, to: number): number | null {
  if (!(to > from)) return null;
  let covered = 0;
  for (const s of spans) covered += Math.max(0, Math.min(s.end, to) - Math.max(s.start, from));
  return covered / (to - from);
}

/** How many measured requests a level sends: `repeats` rounds, each the matrix repeated until it holds at least c. */
export function levelPlan(concurrency: number, matrixSize: number, repeats: number): { perRound: number; measured: number } {
  const perRound = matrixSize * Math.ceil(concurrency / matrixSize);
  return { perRound, measured: perRound * repeats };
}

/** Measured requests a level sends in `rounds` rounds (level 1: the matrix once per round). */
export function requestsAtLevel(level: number, matrixSize: number, rounds: number): number {
  return level === 1 ? matrixSize * rounds : levelPlan(level, matrixSize, rounds).measured;
}

/** Measured requests a plan's levels send per configuration (level 1 = the sequential cells). */
export function requestsPerConfiguration(levels: readonly number[], matrixSize: number, repeats: number): number {
  return levels.reduce((n, c) => n + requestsAtLevel(c, matrixSize, repeats), 0);
}

type Kind = 'ramp-up' | 'measured' | 'filler';

/** A request's span on the client clock (ms), and what it was. */
export interface Span {
  start: number;
  end: number;
  kind: Kind;
}

/**
 * The steady window: first measured start → last measured end. Ramp-up requests (which started
 * together, before the server settled) and drain fillers (aborted once the last measured one ended)
 * are not measured, so whatever they overlap outside that span is cut off.
 */
export function steadyWindowMs(spans: readonly Span[]): { start: number; end: number } | null {
  let start = Infinity;
  let end = -Infinity;
  for (const s of spans) {
    if (s.kind !== 'measured') continue;
    start = Math.min(start, s.start);
    end = Math.max(end, s.end);
  }
  return start <= end ? { start, end } : null;
}

/** The steady window's length in seconds (null: nothing measured). */
export function steadyWindow(spans: readonly Span[]): number | null {
  const w = steadyWindowMs(spans);
  return w ? (w.end - w.start) / 1000 : null;
}


export interface LoopContext extends PathContext {
  concurrency: number;
  /** The prompt matrix, in the sweep's order. */
  matrix: readonly MatrixCell[];
  fromRound: number;
  rounds: number;
}

export class ClosedLoop {
  /** Ends the loop: the last measured request ended (fillers go), or it stops early. */
  private readonly levelAbort = new AbortController();
  private readonly perRound: number;
  private readonly toMeasure: number;
  /** Every request sent (ramp-up, measured, filler): picks its prompt round-robin. */
  private dispatched = 0;
  private measuredSent = 0;
  private measuredDone = 0;
  /** Every request's span, recorded or not: the window from the measured ones, meanInFlight from all. */
  private readonly spans: Span[] = [];
  private cpuStart: NodeJS.CpuUsage | null = null;
  private cpuSeconds = 0;
  private readonly inFlight = new Set<Promise<void>>();
  // Records go to the JSONL log one at a time, in the order requests finished. One that fails (a full
  // disk) stops the loop and is thrown once every request has settled, as the sequential path throws it.
  private recording = Promise.resolve();
  private recordError: { error: unknown } | null = null;
  private wake: () => void = () => {};
  private readonly measurements: Measurement[] = [];

  constructor(private readonly ctx: LoopContext) {
    ({ perRound: this.perRound, measured: this.toMeasure } = levelPlan(ctx.concurrency, ctx.matrix.length, ctx.rounds));
  }

  async run(): Promise<{ measurements: Measurement[]; figures: LoopFigures }> {
    if (!this.ctx.policy.stopped()) {
      for (let i = 0; i < this.ctx.concurrency; i++) this.launch('ramp-up');
      // Wait until the loop ends and every request it sent has settled (an aborted fetch settles at once).
      while (this.inFlight.size > 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          if (this.inFlight.size === 0) resolve();
        });
        if (this.stopped() && !this.levelAbort.signal.aborted) this.stop();
      }
    }
    await this.recording;
    if (this.recordError) throw this.recordError.error;
    return { measurements: this.measurements, figures: this.figures() };
  }

  private figures(): LoopFigures {
    const w = steadyWindowMs(this.spans);
    return {
      steadyWindowSeconds: steadyWindow(this.spans),
      steadyWindowEpochMs: w && { start: performance.timeOrigin + w.start, end: performance.timeOrigin + w.end },
      clientCpuSeconds: this.cpuSeconds,
      meanInFlight: w && meanCovering(this.spans, w.start, w.end),
    };
  }

  private stopped(): boolean {
    return this.recordError !== null || this.levelAbort.signal.aborted || this.ctx.policy.stopped();
  }

  private stop(): void {
    this.levelAbort.abort();
  }

  private lastMeasuredEnded(): boolean {
    return this.measuredDone === this.toMeasure;
  }

  private launch(kind: Kind): void {
    const { matrix } = this.ctx;
    const j = this.dispatched++;
    const index = kind === 'measured' ? this.measuredSent++ : -1;
    // Measured request i: round floor(i / perRound), prompt i mod matrix size (each round covers the matrix evenly).
    const cell = { ...matrix[(kind === 'measured' ? index : j) % matrix.length], repeat: kind === 'measured' ? this.ctx.fromRound + Math.floor(index / this.perRound) : -1 };
    if (kind === 'measured') {
      if (index === 0) this.cpuStart = process.cpuUsage();
      this.ctx.onMeasuring(cell);
    }
    const startedAt = new Date().toISOString();
    const t0 = performance.now();
    const p = this.ctx
      .send(cell, this.levelAbort.signal)
      .then(
        (details) => this.settle({ kind, cell, startedAt, t0 }, { details }),
        (error: unknown) => this.settle({ kind, cell, startedAt, t0 }, { error }),
      )
      .finally(() => {
        this.inFlight.delete(p);
        this.wake();
      });
    this.inFlight.add(p);
  }

  /** Keeps c in flight: ramp-up, then measured, then fillers while measured ones still run. */
  private refill(kindDone: Kind, failed: boolean): void {
    if (this.stopped()) return;
    if (this.measuredSent < this.toMeasure) this.launch('measured');
    // A failing filler is not replaced: a server answering errors at once would otherwise spin the loop.
    else if (!this.lastMeasuredEnded() && !(kindDone === 'filler' && failed)) this.launch('filler');
  }

  private async settle(sent: { kind: Kind; cell: Cell; startedAt: string; t0: number }, outcome: { details: StreamDetails } | { error: unknown }): Promise<void> {
    const end = performance.now();
    const { kind, t0 } = sent;
    const failed = 'error' in outcome;
    // A measured request counts in the window only once recorded (one cut by a cancel or a crash is not).
    if (kind !== 'measured') this.spans.push({ start: t0, end, kind });
    if (!failed) this.ctx.policy.succeeded();
    // The loop's own abort (drain over), a cancel, or the server gone: nothing to record.
    else if (this.stopped() || !(await this.ctx.policy.failed(outcome.error))) return this.stop();
    if (kind === 'measured') {
      this.spans.push({ start: t0, end, kind });
      this.record(sent, outcome, end);
      if (this.lastMeasuredEnded()) return this.stop();
    }
    if (failed) await this.ctx.policy.checkServer();
    // Refused, or an attached server gone: the configuration ends here.
    if (this.ctx.policy.verdict) return this.stop();
    this.refill(kind, failed);
  }

  private record(sent: { cell: Cell; startedAt: string; t0: number }, outcome: { details: StreamDetails } | { error: unknown }, end: number): void {
    const m = measurementOf(this.ctx.config, sent.cell, this.ctx.concurrency, sent.startedAt, outcome);
    if ('details' in outcome) this.ctx.answer(outcome.details);
    this.measurements.push(m);
    this.measuredDone++;
    if (this.lastMeasuredEnded() && this.cpuStart) {
      const u = process.cpuUsage(this.cpuStart);
      this.cpuSeconds = (u.user + u.system) / 1e6;
    }
    // The ETA clock charges wall time: with c in flight, each request holds 1/c of it.
    const seconds = (end - sent.t0) / 1000 / this.ctx.concurrency;
    this.recording = this.recording.then(() =>
      this.recordError
        ? undefined
        : this.ctx.record(m, seconds).catch((error: unknown) => {
            this.recordError = { error };
            this.stop();
          }),
    );
  }
}
