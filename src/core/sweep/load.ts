/**
 * One configuration at one load level c > 1: a closed loop that keeps c requests
 * in flight, each finished request replaced at once, prompts drawn round-robin
 * from the prompt matrix (prompt types × system prompts).
 *
 * - Ramp-up: the first c requests are not recorded (they start together, which a
 *   server in steady state never sees).
 * - Measured: `repeats` rounds of `perRound` requests (the matrix repeated
 *   ceil(c / matrix size) times, so a round holds at least c requests); each is
 *   recorded with concurrency = c and repeat = its round.
 * - Drain: once every measured request is sent, unrecorded fillers keep c in
 *   flight until the last measured one ends; then the fillers are aborted, so the
 *   tail of the level is as loaded as its middle.
 *
 * Failures are recorded (ok: false) and replaced like today's sequential path;
 * a launched server dying, a cancel, or an attached server gone end the level
 * with nothing left running.
 */
import { describeError, SpecTuneError } from '../../shared/errors';
import type { Measurement } from '../../shared/schemas';
import type { ConfigRun } from '../../shared/report-builder';
import { type StreamDetails } from '../bench-client';
import { probeEndpoint } from '../probes';
import type { PromptDef, SystemPromptDef } from '../../shared/schemas';
import { abortedOrAfter, CONNECTION_LOSS, CRASH_NOTICE_MS, DraftTally, requestSender, settleRun, type MeasureContext } from './measure';

/** A level's run: ConfigRun plus the level (the report builder keys per-level entries on it). */
export type LevelRun = ConfigRun & { concurrency: number };

export interface MatrixCell {
  pt: PromptDef;
  sp: SystemPromptDef;
}

export interface LevelContext extends Omit<MeasureContext, 'cells' | 'shouldStop' | 'onSetUp' | 'onPhase'> {
  concurrency: number;
  /** The prompt matrix, in the sweep's order. */
  matrix: readonly MatrixCell[];
  /** Send one unrecorded request first (plan.warmup, or a reload engine) — only when no level before this one warmed the configuration. */
  warmup: boolean;
  onPhase: (phase: 'warmup' | 'reading-metrics' | 'measuring', cell?: MatrixCell & { repeat: number }) => void;
}

export interface LevelResult {
  run: LevelRun;
  measurements: Measurement[];
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

/** Measured requests a plan's levels send per configuration (level 1 = the sequential cells). */
export function requestsPerConfiguration(levels: readonly number[], matrixSize: number, repeats: number): number {
  return levels.reduce((n, c) => n + (c === 1 ? matrixSize * repeats : levelPlan(c, matrixSize, repeats).measured), 0);
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

export async function measureLevel(ctx: LevelContext): Promise<LevelResult> {
  const { plan, engine, config, signal, concurrency: c, matrix } = ctx;
  const run: LevelRun = { numSpeculativeTokens: config.numSpeculativeTokens, draftModel: config.draftModel, engine: engine.descriptor.id, failed: false, concurrency: c };
  const abortAll = AbortSignal.any([ctx.configAbort.signal, ...(signal ? [signal] : [])]);
  // Ends the level's loop: the last measured request ended (fillers go), or the level stops early.
  const levelAbort = new AbortController();
  const send = requestSender(ctx, abortAll, c);
  const acceptance = engine.acceptance;
  const tally = new DraftTally();
  const measurements: Measurement[] = [];
  const { perRound, measured: toMeasure } = levelPlan(c, matrix.length, plan.repeats);

  if (ctx.warmup) {
    ctx.onPhase('warmup');
    await send(matrix[0]).catch(() => undefined);
  }
  const before = acceptance.kind === 'server-counters' && !abortAll.aborted ? await acceptance.read(ctx.baseUrl, ctx.apiKey) : null;

  let crashed: string | null = null;
  let consecutiveFailures = 0;
  let probing = false;
  let anyOk = false;
  let dispatched = 0; // every request sent (ramp-up, measured, filler): picks its prompt round-robin
  let measuredSent = 0;
  let measuredDone = 0;
  /** Every request's span, recorded or not: the window from the measured ones, meanInFlight from all. */
  const spans: Span[] = [];
  let cpuStart: NodeJS.CpuUsage | null = null;
  let cpuSeconds = 0;
  const inFlight = new Set<Promise<void>>();
  // Records go to the JSONL log one at a time, in the order requests finished. One that fails (a full
  // disk) stops the level and is thrown once every request has settled, as the sequential path throws it.
  let recording = Promise.resolve();
  let recordError: { error: unknown } | null = null;
  let wake: () => void = () => {};

  const stopped = () => crashed !== null || recordError !== null || abortAll.aborted || levelAbort.signal.aborted;
  const stop = () => levelAbort.abort();
  const lastMeasuredEnded = () => measuredDone === toMeasure;

  const launch = (kind: Kind) => {
    const j = dispatched++;
    const index = kind === 'measured' ? measuredSent++ : -1;
    // Measured request i: round floor(i / perRound), prompt i mod matrix size (each round covers the matrix evenly).
    const cell = kind === 'measured' ? matrix[index % matrix.length] : matrix[j % matrix.length];
    const round = kind === 'measured' ? Math.floor(index / perRound) : -1;
    if (kind === 'measured') {
      if (index === 0) cpuStart = process.cpuUsage();
      ctx.onPhase('measuring', { ...cell, repeat: round });
    }
    const startedAt = new Date().toISOString();
    const t0 = performance.now();
    const p = send(cell, levelAbort.signal)
      .then(
        (d) => settle(kind, cell, round, startedAt, t0, d, null),
        (err: unknown) => settle(kind, cell, round, startedAt, t0, null, err),
      )
      .finally(() => {
        inFlight.delete(p);
        wake();
      });
    inFlight.add(p);
  };

  /** Keeps c in flight: ramp-up, then measured, then fillers while measured ones still run. */
  const refill = (kindDone: Kind, failed: boolean) => {
    if (stopped()) return;
    if (measuredSent < toMeasure) launch('measured');
    // A failing filler is not replaced: a server answering errors at once would otherwise spin the loop.
    else if (!lastMeasuredEnded() && !(kindDone === 'filler' && failed)) launch('filler');
  };

  const settle = async (kind: Kind, cell: MatrixCell, round: number, startedAt: string, t0: number, d: StreamDetails | null, err: unknown): Promise<void> => {
    const end = performance.now();
    // A measured request counts in the window only once recorded (one cut by a cancel or a crash is not).
    if (kind !== 'measured') spans.push({ start: t0, end, kind });
    if (d) {
      consecutiveFailures = 0;
      anyOk = true;
    }
    if (err !== null) {
      // The level's own abort (drain over) or a cancel: nothing to record.
      if (stopped()) return;
      if (ctx.launched && err instanceof SpecTuneError && CONNECTION_LOSS.has(err.code)) await abortedOrAfter(abortAll, CRASH_NOTICE_MS);
      if (abortAll.aborted || (crashed ??= ctx.crashed())) return stop();
      consecutiveFailures++;
      // A configuration the engine refuses outright fails as a whole (as on the sequential path).
      if (!anyOk && err instanceof SpecTuneError && err.code === 'HTTP_ERROR' && /HTTP 4\d\d/.test(err.message)) {
        crashed = `${engine.descriptor.label} refused this configuration: ${err.message}`;
        return stop();
      }
    }
    if (kind === 'measured') {
      const base = { numSpeculativeTokens: config.numSpeculativeTokens, draftModel: config.draftModel, promptType: cell.pt.id, systemPrompt: cell.sp.id, repeat: round, concurrency: c, startedAt };
      const m: Measurement = d ? { ...base, ok: true, metrics: d.metrics } : { ...base, ok: false, error: describeError(err) };
      if (d && acceptance.kind === 'per-response') tally.add(acceptance.fromResponse(d.finalObject));
      measurements.push(m);
      spans.push({ start: t0, end, kind });
      measuredDone++;
      // The ETA clock charges wall time: with c in flight, each request holds 1/c of it.
      const seconds = (end - t0) / 1000 / c;
      recording = recording.then(() =>
        recordError
          ? undefined
          : ctx.record(m, seconds).catch((error: unknown) => {
              recordError = { error };
              stop();
            }),
      );
      if (lastMeasuredEnded()) {
        if (cpuStart) {
          const u = process.cpuUsage(cpuStart);
          cpuSeconds = (u.user + u.system) / 1e6;
        }
        return stop();
      }
    }
    if (err !== null && consecutiveFailures >= 3 && !ctx.launched && !probing) {
      probing = true;
      const alive = await probeEndpoint({ name: 'target', url: ctx.baseUrl });
      probing = false;
      if (!alive.running) {
        crashed = `the server at ${ctx.baseUrl} stopped answering (${alive.reason ?? 'not running'})`;
        return stop();
      }
    }
    refill(kind, err !== null);
  };

  if (!abortAll.aborted) {
    for (let i = 0; i < c; i++) launch('ramp-up');
    // Wait until the loop ends and every request it sent has settled (an aborted fetch settles at once).
    while (inFlight.size > 0) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (inFlight.size === 0) resolve();
      });
      if (stopped() && !levelAbort.signal.aborted) stop();
    }
  }
  await recording;
  if (recordError) throw (recordError as { error: unknown }).error;
  if (!crashed) crashed = ctx.crashed();

  // Counters cover every request of the level (ramp-up and fillers too): a rate, not a count, is what is reported.
  await settleRun(run, { crashed, cancelled: signal?.aborted === true, engine, before, tally, baseUrl: ctx.baseUrl, apiKey: ctx.apiKey, onReading: () => ctx.onPhase('reading-metrics') });
  const w = steadyWindowMs(spans);
  return {
    run,
    measurements,
    steadyWindowSeconds: steadyWindow(spans),
    steadyWindowEpochMs: w && { start: performance.timeOrigin + w.start, end: performance.timeOrigin + w.end },
    clientCpuSeconds: cpuSeconds,
    meanInFlight: w && meanCovering(spans, w.start, w.end),
  };
}
