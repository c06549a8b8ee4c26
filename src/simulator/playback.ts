/**
 * Plays a generation in real time: the prefill token, then each verification
 * step's tokens together. Deadlines are absolute (arrival + cumulative step
 * times) so timer lateness never accumulates into the rate.
 *
 * Each step is planned when it starts (model.ts StepPlanner), from the number
 * of sequences decoding in the server at that moment: its K (fixed, or from a
 * per-batch-size schedule) and its batched cost. Every request keeps its own
 * clock — there is no global step barrier aligning concurrent requests — so a
 * step's cost is fixed at its start even if the batch changes while it runs.
 * With the batch steady (a closed loop) this is exactly the batched engine.
 */
import { performance } from 'node:perf_hooks';
import type { Generation } from './generation';
import { StepPlanner, type PlannedStep } from './model';

export interface DriveCallbacks {
  /** Tokens that leave together (one SSE chunk). */
  emit(text: string, tokens: number, isLast: boolean): void;
  /** A verification step ended: K drafted, the accepted run, and the tokens it emitted. */
  step(drafted: number, accepted: number, tokens: number): void;
  done(): void;
}

/** The counters playback updates (each persona keeps its own). */
export interface PlaybackCounters {
  /** Sequences decoding now: the batch a step is planned for. */
  running: number;
  generationTokens: number;
  /** One verification step: K drafted, the accepted run. */
  recordStep(drafted: number, accepted: number): void;
}

export function drive(gen: Generation, opts: { sim: { stallAfterTokens: number | null } }, metrics: PlaybackCounters, cb: DriveCallbacks): { cancel(): void } {
  const planner = new StepPlanner(gen.decode);
  const stallAfter = opts.sim.stallAfterTokens;
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  let token = 0;
  let current: PlannedStep | null = null; // null = the prefill pass, which emits the first token
  let deadline = performance.now() + gen.prefillMs;

  const tick = () => {
    timer = undefined;
    if (cancelled) return;
    const planned = current ? current.tokens : 1;
    const allowed = stallAfter === null ? planned : Math.min(planned, stallAfter - token);
    if (allowed <= 0) return; // stalled: keep the connection, send nothing more
    if (current) {
      metrics.recordStep(current.drafted, current.accepted);
      cb.step(current.drafted, current.accepted, current.tokens);
    }
    metrics.generationTokens += allowed;
    const isLast = token + allowed >= gen.completionTokens;
    cb.emit(gen.pieces.slice(token, token + allowed).join(''), allowed, isLast);
    token += allowed;
    if (allowed < planned) return; // stalled mid-step
    if (isLast) {
      cb.done();
      return;
    }
    // The next step starts now: its K and cost follow the batch as it is at this moment.
    current = planner.next(metrics.running);
    deadline += current.ms;
    schedule();
  };
  const schedule = () => {
    const wait = deadline - performance.now();
    // Running late: go now (the cancelled flag covers an immediate we cannot clear).
    if (wait <= 0) setImmediate(tick);
    else timer = setTimeout(tick, wait);
  };
  schedule();
  return {
    cancel() {
      cancelled = true;
      if (timer) clearTimeout(timer);
    },
  };
}
