/**
 * While a sweep runs it owns the managed server: it restarts it per k and measures
 * it. A Stop, Restart, Start or Apply from the UI in between broke the run (the
 * baseline failed, or the sweep died CANCELLED). They are refused with BUSY (HTTP 409)
 * until the sweep ends or is cancelled.
 */
import { SpecTuneError } from '../../shared/errors';
import type { RequestChannel } from '../../shared/ipc-contract';

const SERVER_CONTROL_CHANNELS: ReadonlySet<RequestChannel> = new Set<RequestChannel>([
  'server:start',
  'server:stop',
  'server:restart',
  'presets:apply',
  'report:apply',
  'report:applyAttached',
]);

export interface RunningSweep {
  kind: 'sweep' | 'optimize';
  runId: string | null;
}

export function assertNoSweepRunning(channel: RequestChannel, running: RunningSweep | null): void {
  if (!running || !SERVER_CONTROL_CHANNELS.has(channel)) return;
  const what = running.kind === 'optimize' ? 'a one-click optimisation' : 'a sweep';
  throw new SpecTuneError('BUSY', `${channel}: ${what} is running${running.runId ? ` (run ${running.runId})` : ''} and controls the server`, {
    hint: 'wait for it to finish, or cancel it first (Cancel on the Sweep screen, or POST /api/sweep:cancel)',
  });
}
