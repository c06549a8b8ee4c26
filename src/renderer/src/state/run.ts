/**
 * Starting a sweep, the same for the Sweep screen, One click and the guided flow: the run's
 * state is reset and marked running before the call (the screens follow at once), a refusal
 * ends it with the error, an accepted run gets its id and the live Results.
 */
import type { Measurement, Report, SweepPlan, SweepProgress } from '../../../shared/schemas';
import type { UiError } from '../api/errors';
import { runTask, type Tools } from './tools';
import type { AppState } from './store';

export type RunKind = 'sweep' | 'optimize';

export interface SweepRun {
  running: boolean;
  kind: RunKind | null;
  runId: string | null;
  progress: SweepProgress | null;
  measurements: Measurement[];
  report: Report | null;
  /** Set by sweep:done. */
  status: 'complete' | 'cancelled' | 'partial' | 'failed' | null;
  reportPath: string | null;
  error: UiError | null;
  /** Started by one click (the guided flow or the One click screen): its end shows the answer there. */
  oneClick: boolean;
  /** The plan this run was started with: what the screens describe while and after it runs. */
  plan: SweepPlan | null;
}

export const NO_RUN: SweepRun = {
  running: false,
  kind: null,
  runId: null,
  progress: null,
  measurements: [],
  report: null,
  status: null,
  reportPath: null,
  error: null,
  oneClick: false,
  plan: null,
};

/** optimize: sweep, then the services restart the launched server on the winner. `also`: what else the start changes (screen, forms). */
export async function startRun(tools: Tools, kind: RunKind, plan: SweepPlan, also: Partial<AppState> & { oneClick: boolean }): Promise<boolean> {
  const { set, get } = tools;
  const { oneClick, ...rest } = also;
  set({ ...rest, sweep: { ...NO_RUN, running: true, kind, oneClick, plan } });
  const channel = kind === 'optimize' ? 'sweep:optimize' : 'sweep:start';
  const started = await runTask(tools, null, () => get().api[channel](plan), {
    onError: (e) => {
      set((st) => ({ sweep: { ...st.sweep, running: false, error: e } }));
      return null;
    },
  });
  if (!started) return false;
  set((st) => ({
    sweep: { ...st.sweep, runId: started.runId },
    // Keep Results on a past run the user opened; otherwise it follows this one.
    results: st.results.source === 'history' ? st.results : { report: null, runId: started.runId, source: 'live' },
  }));
  return true;
}
