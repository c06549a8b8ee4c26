/** What the user keeps: presets of server settings, and the history of runs (two of which can be compared). */
import type { Preset, RunSummary } from '../../../../shared/ipc-contract';
import type { Report, ServerSettings } from '../../../../shared/schemas';
import { formToSettings } from '../forms';
import { IDLE, runTask, type Task, type Tools } from '../tools';
import { serverEngine } from '../validation';
import { adoptServer, notePortHolder } from './server';

export interface Compared {
  summary: RunSummary;
  report: Report;
}

export interface LibrarySlice {
  presets: Preset[];
  presetsTask: Task;
  history: RunSummary[];
  historyTask: Task;
  compare: { a: Compared | null; b: Compared | null };
  loadPresets(): Promise<void>;
  /** Without settings: the Servers form's (refused, with its fields marked, while it is not valid). */
  savePreset(name: string, settings?: ServerSettings, note?: string): Promise<Preset | null>;
  renamePreset(id: string, name: string): Promise<boolean>;
  deletePreset(id: string): Promise<boolean>;
  applyPreset(id: string): Promise<boolean>;
  loadHistory(): Promise<void>;
  openHistory(runId: string): Promise<void>;
  setCompare(slot: 'a' | 'b', runId: string | null): Promise<void>;
}

export function librarySlice(tools: Tools): LibrarySlice {
  const { set, get } = tools;

  function formSettings(): ServerSettings | null {
    const r = formToSettings(get().serverForm, serverEngine(get())?.fields);
    if (r.ok) return r.value;
    const error = { code: 'INVALID_INPUT', message: 'The server settings are not valid yet', hint: 'Fix the fields marked on the Servers screen' };
    set({ serverFormErrors: r.errors, serverFormTried: true, presetsTask: { busy: false, error } });
    return null;
  }

  return {
    presets: [],
    presetsTask: IDLE,
    history: [],
    historyTask: IDLE,
    compare: { a: null, b: null },
    async loadPresets() {
      const p = await runTask(tools, 'presetsTask', () => get().api['presets:list']({}));
      if (p) set({ presets: p });
    },
    async savePreset(name, settings, note) {
      const s = settings ?? formSettings();
      if (!s) return null;
      const p = await runTask(tools, 'presetsTask', () => get().api['presets:save']({ name, settings: s, note }));
      if (!p) return null;
      set((st) => ({ presets: [...st.presets.filter((x) => x.id !== p.id), p] }));
      get().notify('ok', `Preset “${p.name}” saved`);
      return p;
    },
    async renamePreset(id, name) {
      const p = await runTask(tools, 'presetsTask', () => get().api['presets:rename']({ id, name }));
      if (p) set((st) => ({ presets: st.presets.map((x) => (x.id === id ? p : x)) }));
      return Boolean(p);
    },
    async deletePreset(id) {
      const r = await runTask(tools, 'presetsTask', () => get().api['presets:delete']({ id }));
      if (r?.deleted) set((st) => ({ presets: st.presets.filter((x) => x.id !== id) }));
      return Boolean(r?.deleted);
    },
    async applyPreset(id) {
      // It restarts the server: its failure shows on the Servers screen as well as here.
      const port = get().presets.find((p) => p.id === id)?.settings.port;
      const s = await runTask(tools, ['serverTask', 'presetsTask'], () => get().api['presets:apply']({ id }), {
        onError: (e) => (port === undefined ? e : notePortHolder(tools, e, port)),
      });
      if (!s) return false;
      adoptServer(tools, s);
      // presets:apply answers once the restart is over: say where the server is now, not what it was doing.
      get().notify('ok', `Preset applied: server ${s.phase === 'ready' ? 'running' : s.phase} with k = ${s.settings?.numSpeculativeTokens ?? '?'}`);
      return true;
    },
    async loadHistory() {
      const h = await runTask(tools, 'historyTask', () => get().api['history:list']({}));
      if (h) set({ history: h });
    },
    async openHistory(runId) {
      const r = await runTask(tools, 'historyTask', () => get().api['history:get']({ runId }));
      if (r) get().showReport(r, runId, 'history');
    },
    async setCompare(slot, runId) {
      if (!runId) return set((st) => ({ compare: { ...st.compare, [slot]: null } }));
      const summary = get().history.find((h) => h.runId === runId);
      const r = await runTask(tools, 'historyTask', () => get().api['history:get']({ runId }));
      if (r && summary) set((st) => ({ compare: { ...st.compare, [slot]: { summary, report: r } } }));
    },
  };
}

export function libraryEvents({ set, get }: Tools): (() => void)[] {
  return [get().api.on('presets:changed', (p) => set({ presets: p }))];
}
