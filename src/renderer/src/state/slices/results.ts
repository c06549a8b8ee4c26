/** The report on the Results screen (the live run's, or one opened from History), and what can be done with one. */
import type { Report } from '../../../../shared/schemas';
import { downloadJson } from '../../api/download';
import { errorLine, runTask, type Tools } from '../tools';
import { adoptServer } from './server';

export interface ResultsState {
  report: Report | null;
  runId: string | null;
  source: 'live' | 'history' | null;
}

export interface ResultsSlice {
  results: ResultsState;
  showReport(report: Report, runId: string | null, source: 'live' | 'history'): void;
  /** Electron: the native save dialog picks the file. */
  saveReport(runId: string): Promise<string | null>;
  /** Browser mode: the browser downloads the report; nothing is written on the server. */
  downloadReport(runId: string): Promise<boolean>;
  /** A launched engine: restart the server on the run's recommendation. */
  applyReport(runId: string): Promise<boolean>;
  /**
   * An attached engine's own CLI puts it on the recommendation: the commands are shown first and run
   * only if `confirm` (the user's answer to them) says yes.
   */
  applyAttached(runId: string, confirm: (commands: string[]) => boolean): Promise<boolean>;
}

export function resultsSlice(tools: Tools): ResultsSlice {
  const { set, get } = tools;
  /** A failure said in the notice bar (these actions have no box of their own). */
  const sayError = { onError: (e: Parameters<typeof errorLine>[0]) => (get().notify('error', errorLine(e)), null) };
  return {
    results: { report: null, runId: null, source: null },
    showReport: (report, runId, source) => set({ results: { report, runId, source }, screen: 'results' }),
    async saveReport(runId) {
      const r = await runTask(tools, null, () => get().api['report:save']({ runId }), sayError);
      if (r?.path) get().notify('ok', `Saved ${r.path}`);
      return r?.path ?? null;
    },
    async downloadReport(runId) {
      const report = await runTask(tools, null, () => get().api['history:get']({ runId }), sayError);
      if (report) downloadJson(`test_results-${runId}.json`, report);
      return Boolean(report);
    },
    async applyReport(runId) {
      const s = await runTask(tools, 'serverTask', () => get().api['report:apply']({ runId }), {
        // Kept on the Servers screen too, where the server's state is.
        onError: (e) => (get().notify('error', errorLine(e)), e),
      });
      if (!s) return false;
      adoptServer(tools, s);
      get().notify('ok', `Server restarted with k = ${s.settings?.numSpeculativeTokens ?? '?'}`);
      return true;
    },
    async applyAttached(runId, confirm) {
      const preview = await runTask(tools, null, () => get().api['report:applyAttached']({ runId, confirm: false }), sayError);
      if (!preview || !confirm(preview.commands)) return false;
      const r = await runTask(tools, 'serverTask', () => get().api['report:applyAttached']({ runId, confirm: true }), sayError);
      if (r?.ran) get().notify('ok', `Applied: ran ${r.commands.join(' && ')}`);
      return Boolean(r?.ran);
    },
  };
}
