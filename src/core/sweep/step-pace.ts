/**
 * The pace the sweep has measured: milliseconds per generated token over its recent
 * successful requests, per load level (a batch decodes more slowly per request). Each
 * request's deadline is max_tokens steps at this pace times a slack factor (see
 * bench/stream-guard.ts): a server that stops stopping is given up on in minutes,
 * not hours.
 */
import { medianSorted } from 'simple-statistics';
import type { Measurement } from '../../shared/schemas';

/** Enough to follow a slow drift without letting one early request decide. */
const WINDOW = 64;

export class StepPace {
  private readonly byLevel = new Map<number, number[]>();

  observe(m: Measurement): void {
    const tps = m.ok ? m.metrics?.decodeTokensPerSecond : null;
    if (!tps || !Number.isFinite(tps) || tps <= 0) return;
    const level = m.concurrency ?? 1;
    const recent = this.byLevel.get(level) ?? [];
    recent.push(1000 / tps);
    if (recent.length > WINDOW) recent.shift();
    this.byLevel.set(level, recent);
  }

  /** The median ms per token at this level so far; null before any request there succeeded. */
  hint(level = 1): number | null {
    const recent = this.byLevel.get(level);
    return recent?.length ? medianSorted(recent.slice().sort((a, b) => a - b)) : null;
  }
}
