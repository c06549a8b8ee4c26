/**
 * Level 1: one request at a time, the rounds' cells in order. Each measurement
 * is handed to `record` the moment it finishes, so nothing that finished is lost.
 */
import type { Measurement } from '../../shared/schemas';
import type { SpecConfig } from '../../engines/engine';
import type { StreamDetails } from '../bench-client';
import type { FailurePolicy } from './failure-policy';
import { measurementOf, type SendCell } from './requests';
import type { Cell } from './setup';

/** What both measurement paths (this one and the closed loop) work with. */
export interface PathContext {
  config: SpecConfig;
  send: SendCell;
  policy: FailurePolicy;
  /** A recorded request's answer (its draft counts go on the configuration's tally). */
  answer: (d: StreamDetails) => void;
  record: (m: Measurement, requestSeconds: number) => Promise<void>;
  onMeasuring: (cell: Cell) => void;
}

export async function measureOneAtATime(p: PathContext, cells: readonly Cell[]): Promise<Measurement[]> {
  const measurements: Measurement[] = [];
  for (const cell of cells) {
    if (p.policy.stopped()) break;
    p.onMeasuring(cell);
    const startedAt = new Date().toISOString();
    const sent = performance.now();
    let m: Measurement;
    try {
      const details = await p.send(cell);
      p.answer(details);
      p.policy.succeeded();
      m = measurementOf(p.config, cell, null, startedAt, { details });
    } catch (error) {
      // A cancel, or a failure that is the server dying: nothing is recorded for it.
      if (!(await p.policy.failed(error))) break;
      m = measurementOf(p.config, cell, null, startedAt, { error });
    }
    measurements.push(m);
    await p.record(m, (performance.now() - sent) / 1000);
    if (p.policy.verdict) break;
    await p.policy.checkServer();
  }
  return measurements;
}
