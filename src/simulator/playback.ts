/**
 * Plays a generation's step plan in real time: the prefill token, then each
 * verification step's tokens together. Deadlines are absolute (arrival +
 * cumulative step times) so timer lateness never accumulates into the rate.
 */
import { performance } from 'node:perf_hooks';
import type { Generation } from './generation';
import type { SimMetrics } from './metrics';
import { BATCH_SLOWDOWN } from './model';

export interface DriveCallbacks {
  /** Tokens that leave together (one SSE chunk). */
  emit(text: string, tokens: number, isLast: boolean): void;
  step(drafted: number, accepted: number): void;
  done(): void;
}

/** The counters playback updates (SimMetrics, or a persona's own). */
export type PlaybackCounters = Pick<SimMetrics, 'running' | 'generationTokens' | 'recordStep'>;

export function drive(gen: Generation, opts: { sim: { stallAfterTokens: number | null } }, metrics: PlaybackCounters, cb: DriveCallbacks): { cancel(): void } {
  const steps = gen.plan.steps;
  const stallAfter = opts.sim.stallAfterTokens;
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  let token = 0;
  let step = -1; // -1 = the prefill pass, which emits the first token
  let deadline = performance.now() + gen.plan.prefillMs;

  const tick = () => {
    timer = undefined;
    if (cancelled) return;
    const planned = step < 0 ? 1 : steps[step].tokens;
    const allowed = stallAfter === null ? planned : Math.min(planned, stallAfter - token);
    if (allowed <= 0) return; // stalled: keep the connection, send nothing more
    if (step >= 0) {
      metrics.recordStep(steps[step].drafted, steps[step].accepted);
      cb.step(steps[step].drafted, steps[step].accepted);
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
    step++;
    deadline += steps[step].ms * (1 + BATCH_SLOWDOWN * Math.max(0, metrics.running - 1));
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
