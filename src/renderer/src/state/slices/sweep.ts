/**
 * The Sweep form and the run: the plan from the form (with the Servers settings when SpecTune
 * launches), the run's progress, measurements and report as the services push them.
 */
import { SweepPlanSchema, type PromptDef, type Report, type SystemPromptDef } from '../../../../shared/schemas';
import { extendedGrid } from '../../../../shared/report/warnings';
import { summarizeReport } from '../../../../shared/report-export/summary';
import { buildPlan, DEFAULT_SWEEP_FORM, type FieldErrors, type SweepFormField, type SweepFormValues } from '../forms';
import { NO_RUN, startRun, type RunKind, type SweepRun } from '../run';
import { runTask, type Tools } from '../tools';
import { revalidate, serverEngine } from '../validation';
import { adoptServer } from './server';

export interface SweepSlice {
  builtinPromptTypes: PromptDef[];
  builtinSystemPrompts: SystemPromptDef[];
  sweepForm: SweepFormValues;
  sweepFormErrors: FieldErrors<SweepFormField>;
  /** The kind of the last run the form's errors refused; from then on its errors follow its values. */
  sweepTried: RunKind | null;
  /** Boxes the user has left: their errors show before any run. */
  sweepTouched: SweepFormField[];
  sweep: SweepRun;
  setSweepForm(patch: Partial<SweepFormValues>): void;
  /** The user left a box: check it now. */
  touchSweepField(field: SweepFormField): void;
  /** optimize (One click): always launches with the Servers settings, then restarts the server on the winner. */
  runSweep(kind: RunKind): Promise<boolean>;
  cancelSweep(): Promise<void>;
  /**
   * Edge of the grid: run the report's own plan again with its k list extended past the edge picks
   * (extendedGrid). One click re-runs as one click (restarting on the winner); elsewhere a sweep, shown on Sweep.
   */
  extendSearch(report: Report): Promise<boolean>;
}

export function sweepSlice(tools: Tools): SweepSlice {
  const { set, get } = tools;
  return {
    builtinPromptTypes: [],
    builtinSystemPrompts: [],
    sweepForm: DEFAULT_SWEEP_FORM,
    sweepFormErrors: {},
    sweepTried: null,
    sweepTouched: [],
    sweep: NO_RUN,
    setSweepForm(patch) {
      set((st) => ({ sweepForm: { ...st.sweepForm, ...patch } }));
      revalidate(tools);
    },
    touchSweepField(field) {
      if (!get().sweepTouched.includes(field)) set((st) => ({ sweepTouched: [...st.sweepTouched, field] }));
      revalidate(tools);
    },
    async runSweep(kind) {
      const s = get();
      const form = kind === 'optimize' ? { ...s.sweepForm, mode: 'managed' as const } : s.sweepForm;
      const plan = buildPlan(form, s.serverForm, serverEngine(s), kind === 'optimize');
      if (!plan.ok) {
        set({ sweepFormErrors: plan.errors, sweepTried: kind });
        return false;
      }
      return startRun(tools, kind, plan.value, { oneClick: kind === 'optimize', sweepFormErrors: {}, sweepTried: null });
    },
    async extendSearch(report) {
      const plan = SweepPlanSchema.safeParse(report.plan);
      const edges = report.warnings.flatMap((w) => (w.kind === 'edge-of-grid' && typeof w.numSpeculativeTokens === 'number' ? [w.numSpeculativeTokens] : []));
      if (!plan.success || edges.length === 0) {
        get().notify('error', 'This report does not carry a plan SpecTune can run again: set the k list on the Sweep screen and run it from there.');
        return false;
      }
      const tokens = extendedGrid(plan.data.tokens, edges);
      const oneClick = get().screen === 'oneclick';
      const kind: RunKind = oneClick && plan.data.mode === 'managed' ? 'optimize' : 'sweep';
      return startRun(tools, kind, { ...plan.data, tokens }, {
        oneClick,
        sweepForm: { ...get().sweepForm, tokens: tokens.join(', ') },
        ...(oneClick ? {} : { screen: 'sweep' as const }),
      });
    },
    async cancelSweep() {
      await runTask(tools, null, () => get().api['sweep:cancel']({}), { onError: (e) => (set((st) => ({ sweep: { ...st.sweep, error: e } })), null) });
    },
  };
}

/** What the services push about the run, and what its end changes elsewhere (History, the notice, the restarted server). */
export function sweepEvents(tools: Tools): (() => void)[] {
  const { set, get } = tools;
  const { api } = get();
  return [
    api.on('sweep:progress', (p) => set((st) => ({ sweep: { ...st.sweep, progress: p } }))),
    api.on('sweep:measurement', (m) => set((st) => ({ sweep: { ...st.sweep, measurements: [...st.sweep.measurements, m] } }))),
    api.on('sweep:report', (r) =>
      set((st) => ({
        sweep: { ...st.sweep, report: r },
        // Keep Results on the live run unless the user opened a past one.
        results: st.results.source === 'history' ? st.results : { report: r, runId: st.sweep.runId, source: 'live' },
      })),
    ),
    api.on('sweep:done', (d) => {
      const { oneClick, report, kind } = get().sweep;
      set((st) => ({
        sweep: { ...st.sweep, running: false, runId: d.runId, status: d.status, reportPath: d.reportPath, error: d.error ? { code: 'SWEEP_FAILED', message: d.error } : null },
      }));
      void get().loadHistory();
      // The answer, where the user is: the notice bar shows on every screen but One click, which shows the answer itself.
      if (oneClick && d.status !== 'cancelled' && get().screen !== 'oneclick') {
        if (report) get().notify('ok', summarizeReport(report).headline);
        else if (d.error) get().notify('error', d.error);
      }
      // The services restart on the winner unless the user cancelled (a partial sweep has a winner too): the form shows what runs.
      if (kind === 'optimize' && d.status !== 'cancelled') {
        void runTask(tools, null, () => api['server:state']({}), { onError: () => null }).then((s) => s?.settings && adoptServer(tools, s));
      }
    }),
  ];
}
