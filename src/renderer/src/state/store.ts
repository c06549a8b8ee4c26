/**
 * The whole UI state in one zustand store. It only calls the API and keeps what
 * comes back (results, events); every decision is made by the services.
 * Created per API so tests can hand it an in-memory double.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type {
  AppInfo,
  Preset,
  RunSummary,
  SpecTuneApi,
} from '../../../shared/ipc-contract';
import type { LaunchedServer } from '../../../shared/launched-server';
import {
  type Endpoint,
  type EndpointStatus,
  type LogLine,
  type Measurement,
  type PromptDef,
  type Report,
  type ServerSettings,
  type ServerState,
  type SweepProgress,
  type SystemPromptDef,
} from '../../../shared/schemas';
import { splitArgs } from '../../../shared/shell-words';
import type { EngineDescriptor } from '../../../shared/engine-descriptor';
import { summarizeReport } from '../../../shared/report-export/summary';
import { EMPTY_GUIDE, draftFreeMethods, guideErrors, guideFor, guidePlan, type GuideErrors, type GuideValues } from './guide';
import { toUiError, type UiError } from '../api/errors';
import { downloadJson } from '../api/download';
import {
  DEFAULT_SERVER_FORM,
  DEFAULT_SWEEP_FORM,
  buildPlan,
  formToSettings,
  settingsToForm,
  wordsToText,
  type FieldErrors,
  type ServerFormField,
  type ServerFormValues,
  type SweepFormField,
  type SweepFormValues,
} from './forms';

export type Screen = 'start' | 'servers' | 'sweep' | 'results' | 'oneclick' | 'presets' | 'history';
export type Theme = 'system' | 'light' | 'dark';

const LOG_LIMIT = 500;
const ENDPOINTS_KEY = 'spectune.endpoints';
const THEME_KEY = 'spectune.theme';

export interface SweepSlice {
  running: boolean;
  kind: 'sweep' | 'optimize' | null;
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
}

export interface GuideSlice {
  values: GuideValues;
  /** After the first "Find the best setting": errors are shown, and recomputed on every change so fixed ones go away. */
  tried: boolean;
  errors: GuideErrors;
  /** The engine's own lists at the URL (engines:models). */
  models: string[];
  draftCandidates: string[];
  busy: boolean;
  error: UiError | null;
}

export interface ResultsSlice {
  report: Report | null;
  runId: string | null;
  source: 'live' | 'history' | null;
}

export interface AppState {
  api: SpecTuneApi;
  screen: Screen;
  theme: Theme;
  notice: { kind: 'ok' | 'error'; text: string } | null;

  appInfo: AppInfo | null;
  initError: UiError | null;
  engines: EngineDescriptor[];
  guide: GuideSlice;

  customEndpoints: Endpoint[];
  statuses: EndpointStatus[];
  probeError: UiError | null;

  server: ServerState | null;
  serverError: UiError | null;
  serverBusy: boolean;
  logs: LogLine[];

  serverForm: ServerFormValues;
  serverFormErrors: FieldErrors<ServerFormField>;

  builtinPromptTypes: PromptDef[];
  builtinSystemPrompts: SystemPromptDef[];
  sweepForm: SweepFormValues;
  sweepFormErrors: FieldErrors<SweepFormField>;
  sweep: SweepSlice;

  results: ResultsSlice;

  presets: Preset[];
  presetsError: UiError | null;

  history: RunSummary[];
  historyError: UiError | null;
  /** Orphans from the run registry: servers an earlier session launched and nobody stops. */
  leftRunning: LaunchedServer[];
  leftRunningStopping: boolean;
  compare: { a: { summary: RunSummary; report: Report } | null; b: { summary: RunSummary; report: Report } | null };

  // actions
  init(): Promise<() => void>;
  /** Ask the services for the current truth again, after events may have been missed. */
  resync(): Promise<void>;
  setScreen(s: Screen): void;
  setTheme(t: Theme): void;
  notify(kind: 'ok' | 'error', text: string): void;
  dismissNotice(): void;
  addEndpoint(e: Endpoint): void;
  removeEndpoint(name: string): void;
  probe(): Promise<void>;
  setServerField(field: ServerFormField, value: string): void;
  fillSimulator(): void;
  startServer(): Promise<void>;
  restartServer(): Promise<void>;
  stopServer(): Promise<void>;
  setSweepForm(patch: Partial<SweepFormValues>): void;
  runSweep(kind: 'sweep' | 'optimize'): Promise<boolean>;
  cancelSweep(): Promise<void>;
  showReport(report: Report, runId: string | null, source: 'live' | 'history'): void;
  /** Electron: the native save dialog picks the file. */
  saveReport(runId: string): Promise<string | null>;
  /** Browser mode: the browser downloads the report; nothing is written on the server. */
  downloadReport(runId: string): Promise<boolean>;
  applyReport(runId: string): Promise<boolean>;
  /**
   * An attached engine's own CLI puts it on the recommendation: the commands are shown first and run
   * only if `confirm` (the user's answer to them) says yes.
   */
  applyAttached(runId: string, confirm: (commands: string[]) => boolean): Promise<boolean>;
  loadPresets(): Promise<void>;
  savePreset(name: string, settings?: ServerSettings, note?: string): Promise<Preset | null>;
  renamePreset(id: string, name: string): Promise<boolean>;
  deletePreset(id: string): Promise<boolean>;
  applyPreset(id: string): Promise<boolean>;
  loadHistory(): Promise<void>;
  loadLeftRunning(): Promise<void>;
  stopLeftRunning(): Promise<void>;
  openHistory(runId: string): Promise<void>;
  setCompare(slot: 'a' | 'b', runId: string | null): Promise<void>;
  pickEngine(id: string): void;
  setGuide(patch: Partial<GuideValues>): void;
  /** Fill the flow with the engine's demo: the simulator command (launched), or its simulated server (attached). */
  useGuideDemo(): Promise<void>;
  loadGuideModels(): Promise<void>;
  runGuided(): Promise<boolean>;
}

function loadJson<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
}

const emptySweep: SweepSlice = {
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
};

const emptyGuide: GuideSlice = { values: EMPTY_GUIDE, tried: false, errors: {}, models: [], draftCandidates: [], busy: false, error: null };

export interface StoreOptions {
  /** The screen the app opens on (the guided flow; component tests of other screens start there directly). */
  screen?: Screen;
}

export type AppStore = StoreApi<AppState>;

export function createAppStore(api: SpecTuneApi, opts: StoreOptions = {}): AppStore {
  return createStore<AppState>()((set, get) => {
    /** Run an API call; on failure keep the error where the screen shows it. */
    async function attempt<T>(fn: () => Promise<T>, onError: (e: UiError) => void): Promise<T | undefined> {
      try {
        return await fn();
      } catch (err) {
        onError(toUiError(err));
        return undefined;
      }
    }

    return {
      api,
      screen: opts.screen ?? 'start',
      theme: loadJson<Theme>(THEME_KEY, 'system'),
      notice: null,
      appInfo: null,
      initError: null,
      engines: [],
      guide: emptyGuide,
      customEndpoints: loadJson<Endpoint[]>(ENDPOINTS_KEY, []),
      statuses: [],
      probeError: null,
      server: null,
      serverError: null,
      serverBusy: false,
      logs: [],
      serverForm: DEFAULT_SERVER_FORM,
      serverFormErrors: {},
      builtinPromptTypes: [],
      builtinSystemPrompts: [],
      sweepForm: DEFAULT_SWEEP_FORM,
      sweepFormErrors: {},
      sweep: emptySweep,
      results: { report: null, runId: null, source: null },
      presets: [],
      presetsError: null,
      history: [],
      historyError: null,
      leftRunning: [],
      leftRunningStopping: false,
      compare: { a: null, b: null },

      async init() {
        const offs = [
          api.on('server:state', (s) => {
            const before = get().server?.phase;
            set({ server: s });
            // Do not leave a card saying RUNNING for a server that just died or stopped.
            if (before !== s.phase && s.phase !== 'starting') void get().probe();
          }),
          api.on('server:log', (l) => set((st) => ({ logs: [...st.logs.slice(-(LOG_LIMIT - 1)), l] }))),
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
            // The service restarts on the winner unless the user cancelled (a partial sweep has a winner too).
            const optimized = get().sweep.kind === 'optimize' && d.status !== 'cancelled';
            const { oneClick, report } = get().sweep;
            set((st) => ({
              sweep: {
                ...st.sweep,
                running: false,
                runId: d.runId,
                status: d.status,
                reportPath: d.reportPath,
                error: d.error ? { code: 'SWEEP_FAILED', message: d.error } : null,
              },
            }));
            void get().loadHistory();
            // The answer, where the user is: the notice bar shows on every screen.
            if (oneClick && d.status !== 'cancelled') {
              if (report) get().notify('ok', summarizeReport(report).headline);
              else if (d.error) get().notify('error', d.error);
            }
            // One click restarted the server on the winner: the form should now show what runs.
            if (optimized) void attempt(() => api['server:state']({}), () => undefined).then((s) => s?.settings && set({ server: s, serverForm: settingsToForm(s.settings) }));
          }),
          api.on('presets:changed', (p) => set({ presets: p })),
        ];

        const fail = (e: UiError) => set({ initError: e });
        const [info, server, logs, prompts, sweepState, engines] = await Promise.all([
          attempt(() => api['app:info']({}), fail),
          attempt(() => api['server:state']({}), fail),
          attempt(() => api['server:logs']({}), fail),
          attempt(() => api['prompts:builtin']({}), fail),
          attempt(() => api['sweep:state']({}), fail),
          attempt(() => api['engines:list']({}), fail),
        ]);
        set((st) => ({
          appInfo: info ?? null,
          engines: engines?.engines ?? [],
          server: server ?? st.server,
          logs: logs ? [...logs, ...st.logs].slice(-LOG_LIMIT) : st.logs,
          builtinPromptTypes: prompts?.promptTypes ?? [],
          builtinSystemPrompts: prompts?.systemPrompts ?? [],
          serverForm: server?.settings ? settingsToForm(server.settings) : st.serverForm,
        }));
        if (sweepState) {
          set((st) => ({
            sweep: {
              ...st.sweep,
              running: sweepState.running,
              kind: sweepState.kind,
              runId: sweepState.runId,
              progress: sweepState.progress,
              report: sweepState.report,
            },
            results: sweepState.report ? { report: sweepState.report, runId: sweepState.runId, source: 'live' } : st.results,
          }));
        }
        void get().loadPresets();
        void get().loadHistory();
        void get().loadLeftRunning();
        void get().probe();
        return () => offs.forEach((off) => off());
      },

      async resync() {
        const ignore = () => undefined;
        const [server, logs, remote] = await Promise.all([
          attempt(() => api['server:state']({}), ignore),
          attempt(() => api['server:logs']({}), ignore),
          attempt(() => api['sweep:state']({}), ignore),
        ]);
        set((st) => ({ server: server ?? st.server, logs: logs ? logs.slice(-LOG_LIMIT) : st.logs }));
        if (remote) {
          const local = get().sweep;
          // The sweep ended while the stream was down: its sweep:done never arrived.
          const endedUnseen = local.running && !remote.running && (local.runId === null || local.runId === remote.runId);
          set((st) => ({
            sweep: {
              ...st.sweep,
              running: remote.running,
              runId: remote.runId ?? st.sweep.runId,
              kind: remote.kind ?? st.sweep.kind,
              progress: remote.progress ?? st.sweep.progress,
              report: remote.report ?? st.sweep.report,
              status: endedUnseen ? (remote.report?.status ?? 'failed') : st.sweep.status,
            },
          }));
        }
        void get().loadHistory();
        void get().loadPresets();
        void get().probe();
      },

      // A confirmation belongs to the screen it was given on; an error stays until it is dismissed.
      setScreen: (screen) => set((st) => ({ screen, notice: st.notice?.kind === 'ok' ? null : st.notice })),
      setTheme(theme) {
        localStorage.setItem(THEME_KEY, JSON.stringify(theme));
        set({ theme });
      },
      notify: (kind, text) => set({ notice: { kind, text } }),
      dismissNotice: () => set({ notice: null }),

      addEndpoint(e) {
        const customEndpoints = [...get().customEndpoints.filter((x) => x.name !== e.name), e];
        localStorage.setItem(ENDPOINTS_KEY, JSON.stringify(customEndpoints));
        set({ customEndpoints });
        void get().probe();
      },
      removeEndpoint(name) {
        const customEndpoints = get().customEndpoints.filter((x) => x.name !== name);
        localStorage.setItem(ENDPOINTS_KEY, JSON.stringify(customEndpoints));
        set({ customEndpoints, statuses: get().statuses.filter((s) => s.name !== name) });
      },
      async probe() {
        const statuses = await attempt(() => api['status:probe']({ endpoints: get().customEndpoints }), (e) => set({ probeError: e }));
        if (statuses) set({ statuses, probeError: null });
      },

      setServerField(field, value) {
        set((st) => {
          const errors = { ...st.serverFormErrors };
          delete errors[field];
          // "Fix the server settings first" on One click / Sweep was about this form: it goes once the form changes.
          const sweepErrors = { ...st.sweepFormErrors };
          delete sweepErrors.server;
          return { serverForm: { ...st.serverForm, [field]: value }, serverFormErrors: errors, sweepFormErrors: sweepErrors };
        });
      },
      fillSimulator() {
        const cmd = get().appInfo?.simulatorCommand ?? [];
        if (cmd.length === 0) return;
        set((st) => ({
          serverForm: {
            ...st.serverForm,
            command: wordsToText(cmd),
            model: st.serverForm.model || 'demo/simulated-7b',
            method: st.serverForm.method || (st.serverForm.draftModel ? '' : 'ngram'),
          },
          serverFormErrors: {},
          sweepFormErrors: Object.fromEntries(Object.entries(st.sweepFormErrors).filter(([k]) => k !== 'server')),
          screen: 'servers',
        }));
      },

      async startServer() {
        await launch('server:start');
      },
      async restartServer() {
        await launch('server:restart');
      },
      async stopServer() {
        set({ serverBusy: true, serverError: null });
        const s = await attempt(() => api['server:stop']({}), (e) => set({ serverError: e }));
        set((st) => ({ serverBusy: false, server: s ?? st.server }));
      },

      setSweepForm(patch) {
        set((st) => {
          const errors = { ...st.sweepFormErrors };
          for (const k of Object.keys(patch)) delete errors[k as SweepFormField];
          // "Recommend for 8" is wrong only against a list; a new list answers it.
          if ('concurrency' in patch) delete errors.targetConcurrency;
          // The guided screen shows the load fields too: a level fixed there is no longer an error there.
          const guideErrors = { ...st.guide.errors };
          if ('concurrency' in patch) delete guideErrors.load;
          if ('targetConcurrency' in patch || 'concurrency' in patch) delete guideErrors.loadTarget;
          return { sweepForm: { ...st.sweepForm, ...patch }, sweepFormErrors: errors, guide: { ...st.guide, errors: guideErrors } };
        });
      },
      async runSweep(kind) {
        const form = get().sweepForm;
        const plan = buildPlan(kind === 'optimize' ? { ...form, mode: 'managed' } : form, get().serverForm, get().engines.find((e) => e.id === get().serverForm.engine));
        if (!plan.ok) {
          set({ sweepFormErrors: plan.errors });
          return false;
        }
        set({ sweepFormErrors: {}, sweep: { ...emptySweep, running: true, kind, oneClick: kind === 'optimize' } });
        const channel = kind === 'optimize' ? 'sweep:optimize' : 'sweep:start';
        const r = await attempt(() => api[channel](plan.value), (e) => set((st) => ({ sweep: { ...st.sweep, running: false, error: e } })));
        if (!r) return false;
        set((st) => ({
          sweep: { ...st.sweep, runId: r.runId },
          results: st.results.source === 'history' ? st.results : { report: null, runId: r.runId, source: 'live' },
        }));
        return true;
      },
      async cancelSweep() {
        await attempt(() => api['sweep:cancel']({}), (e) => set((st) => ({ sweep: { ...st.sweep, error: e } })));
      },

      showReport(report, runId, source) {
        set({ results: { report, runId, source }, screen: 'results' });
      },
      async saveReport(runId) {
        const r = await attempt(() => api['report:save']({ runId }), (e) => get().notify('error', errorLine(e)));
        if (r?.path) get().notify('ok', `Saved ${r.path}`);
        return r?.path ?? null;
      },
      async downloadReport(runId) {
        const report = await attempt(() => api['history:get']({ runId }), (e) => get().notify('error', errorLine(e)));
        if (!report) return false;
        downloadJson(`test_results-${runId}.json`, report);
        return true;
      },
      async applyAttached(runId, confirm) {
        const fail = (e: UiError) => get().notify('error', errorLine(e));
        const preview = await attempt(() => api['report:applyAttached']({ runId, confirm: false }), fail);
        if (!preview || !confirm(preview.commands)) return false;
        set({ serverBusy: true });
        const r = await attempt(() => api['report:applyAttached']({ runId, confirm: true }), fail);
        set({ serverBusy: false });
        if (r?.ran) get().notify('ok', `Applied: ran ${r.commands.join(' && ')}`);
        return Boolean(r?.ran);
      },
      async applyReport(runId) {
        set({ serverBusy: true, serverError: null });
        const s = await attempt(() => api['report:apply']({ runId }), (e) => set({ serverError: e }));
        set((st) => ({
          serverBusy: false,
          server: s ?? st.server,
          serverForm: s?.settings ? settingsToForm(s.settings) : st.serverForm,
        }));
        if (s) get().notify('ok', `Server restarted with k = ${s.settings?.numSpeculativeTokens ?? '?'}`);
        else get().notify('error', errorLine(get().serverError));
        return Boolean(s);
      },

      async loadPresets() {
        const p = await attempt(() => api['presets:list']({}), (e) => set({ presetsError: e }));
        if (p) set({ presets: p, presetsError: null });
      },
      async savePreset(name, settings, note) {
        let s = settings;
        if (!s) {
          const r = formToSettings(get().serverForm, serverFields());
          if (!r.ok) {
            set({ serverFormErrors: r.errors, presetsError: { code: 'INVALID_INPUT', message: 'The server settings are not valid yet', hint: 'Fix the fields marked on the Servers screen' } });
            return null;
          }
          s = r.value;
        }
        const settingsToSave = s;
        const p = await attempt(() => api['presets:save']({ name, settings: settingsToSave, note }), (e) => set({ presetsError: e }));
        if (p) {
          set((st) => ({ presetsError: null, presets: [...st.presets.filter((x) => x.id !== p.id), p] }));
          get().notify('ok', `Preset “${p.name}” saved`);
        }
        return p ?? null;
      },
      async renamePreset(id, name) {
        const p = await attempt(() => api['presets:rename']({ id, name }), (e) => set({ presetsError: e }));
        if (p) set((st) => ({ presetsError: null, presets: st.presets.map((x) => (x.id === id ? p : x)) }));
        return Boolean(p);
      },
      async deletePreset(id) {
        const r = await attempt(() => api['presets:delete']({ id }), (e) => set({ presetsError: e }));
        if (r?.deleted) set((st) => ({ presetsError: null, presets: st.presets.filter((x) => x.id !== id) }));
        return Boolean(r?.deleted);
      },
      async applyPreset(id) {
        set({ serverBusy: true, serverError: null, presetsError: null });
        const s = await attempt(() => api['presets:apply']({ id }), (e) => set({ serverError: e, presetsError: e }));
        set((st) => ({
          serverBusy: false,
          server: s ?? st.server,
          serverForm: s?.settings ? settingsToForm(s.settings) : st.serverForm,
        }));
        // presets:apply answers once the restart is over: say where the server is now, not what it was doing.
        if (s) get().notify('ok', `Preset applied: server ${s.phase === 'ready' ? 'running' : s.phase} with k = ${s.settings?.numSpeculativeTokens ?? '?'}`);
        return Boolean(s);
      },

      async loadHistory() {
        const h = await attempt(() => api['history:list']({}), (e) => set({ historyError: e }));
        if (h) set({ history: h, historyError: null });
      },
      async loadLeftRunning() {
        const all = await attempt(() => api['runs:list']({}), () => undefined);
        if (all) set({ leftRunning: all.filter((s) => s.orphan) });
      },
      async stopLeftRunning() {
        set({ leftRunningStopping: true });
        const r = await attempt(() => api['runs:stop']({}), (e) => get().notify('error', errorLine(e)));
        set({ leftRunningStopping: false });
        if (r) {
          const stuck = r.stopped.flatMap((s) => s.survivors);
          if (stuck.length) get().notify('error', `Could not end processes ${stuck.join(', ')}; end them by hand (kill -9)`);
          else get().notify('ok', `Stopped ${r.stopped.length} server${r.stopped.length === 1 ? '' : 's'} left running`);
        }
        await get().loadLeftRunning();
        void get().probe();
      },

      pickEngine(id) {
        const d = get().engines.find((e) => e.id === id);
        if (!d) return;
        const running = get().statuses.find((s) => s.running && s.kind === id) ?? null;
        setGuideValues(guideFor(d, running), { models: running?.models ?? [], draftCandidates: [], error: null, tried: false });
        if (d.lifecycle === 'attached' && running) void get().loadGuideModels();
      },
      setGuide(patch) {
        setGuideValues({ ...get().guide.values, ...patch });
      },
      async useGuideDemo() {
        const d = currentEngine();
        if (!d) return;
        if (d.demo.persona === null) {
          // No simulator: the real engine on models SpecTune makes (and caches) for it.
          set((st) => ({ guide: { ...st.guide, busy: true, error: null } }));
          const r = await attempt(() => api['demo:prepare']({ engine: d.id }), (e) => set((st) => ({ guide: { ...st.guide, error: e } })));
          set((st) => ({ guide: { ...st.guide, busy: false } }));
          if (!r) return;
          setGuideValues({ ...get().guide.values, demo: true, command: wordsToText(r.command), model: r.model, draftModel: r.draftModel ?? '', method: '' });
          get().notify('ok', `Using ${r.note}`);
          return;
        }
        if (d.lifecycle === 'launched') {
          const sim = get().appInfo?.simulatorCommand ?? [];
          const methods = draftFreeMethods(d);
          const draft = d.demo.draftModels[0] ?? '';
          setGuideValues({
            ...get().guide.values,
            demo: true,
            command: wordsToText([...sim, ...(d.demo.persona ? [d.demo.persona] : [])]),
            model: d.demo.model,
            draftModel: draft,
            method: draft ? '' : (methods[0] ?? ''),
          });
          return;
        }
        set((st) => ({ guide: { ...st.guide, busy: true, error: null } }));
        const r = await attempt(() => api['demo:start']({ engine: d.id }), (e) => set((st) => ({ guide: { ...st.guide, error: e } })));
        set((st) => ({ guide: { ...st.guide, busy: false } }));
        if (!r) return;
        setGuideValues({ ...get().guide.values, demo: true, url: r.url, model: d.demo.model, draftModels: d.draftPerRequest ? [...d.demo.draftModels] : [] });
        await get().loadGuideModels();
      },
      async loadGuideModels() {
        const d = currentEngine();
        const url = get().guide.values.url.trim();
        if (!d || !url) return;
        set((st) => ({ guide: { ...st.guide, busy: true, error: null } }));
        const r = await attempt(() => api['engines:models']({ engine: d.id, url }), (e) => set((st) => ({ guide: { ...st.guide, error: e } })));
        set((st) => ({ guide: { ...st.guide, busy: false, ...(r ? { models: r.models, draftCandidates: r.draftCandidates } : {}) } }));
        if (r && !get().guide.values.model && r.models.length) get().setGuide({ model: r.models[0] });
      },
      async runGuided() {
        const d = currentEngine();
        const v = get().guide.values;
        const built = d ? guidePlan(v, d, get().sweepForm) : { ok: false as const, errors: guideErrors(v, null) };
        if (!built.ok) {
          set((st) => ({ guide: { ...st.guide, tried: true, errors: built.errors } }));
          return false;
        }
        const plan = built.plan;
        const kind = plan.mode === 'managed' ? 'optimize' : 'sweep';
        set((st) => ({
          guide: { ...st.guide, tried: true, errors: {}, error: null },
          // The Servers form shows what one click launches, and then what it restarted on.
          ...(plan.server ? { serverForm: settingsToForm(plan.server) } : {}),
          sweep: { ...emptySweep, running: true, kind, oneClick: true },
          screen: 'oneclick',
        }));
        // Launched engines restart on the winner; SpecTune did not start an attached one, so it measures and recommends.
        const r = await attempt(
          () => api[kind === 'optimize' ? 'sweep:optimize' : 'sweep:start'](plan),
          (e) => set((st) => ({ sweep: { ...st.sweep, running: false, error: e } })),
        );
        if (!r) return false;
        set((st) => ({
          sweep: { ...st.sweep, runId: r.runId },
          results: st.results.source === 'history' ? st.results : { report: null, runId: r.runId, source: 'live' },
        }));
        return true;
      },
      async openHistory(runId) {
        const r = await attempt(() => api['history:get']({ runId }), (e) => set({ historyError: e }));
        if (r) get().showReport(r, runId, 'history');
      },
      async setCompare(slot, runId) {
        if (!runId) {
          set((st) => ({ compare: { ...st.compare, [slot]: null } }));
          return;
        }
        const summary = get().history.find((h) => h.runId === runId);
        const r = await attempt(() => api['history:get']({ runId }), (e) => set({ historyError: e }));
        if (r && summary) set((st) => ({ compare: { ...st.compare, [slot]: { summary, report: r } } }));
      },
    };

    /** The form fields the Servers form's engine takes (undefined until the descriptors arrive: all). */
    function serverFields(): readonly string[] | undefined {
      return get().engines.find((e) => e.id === get().serverForm.engine)?.fields;
    }

    function currentEngine(): EngineDescriptor | null {
      const id = get().guide.values.engine;
      return get().engines.find((e) => e.id === id) ?? null;
    }

    /** New values; once the user has tried to run, the errors follow them (a fixed one disappears at once). */
    function setGuideValues(values: GuideValues, extra: Partial<GuideSlice> = {}): void {
      set((st) => {
        const tried = extra.tried ?? st.guide.tried;
        const d = get().engines.find((e) => e.id === values.engine) ?? null;
        return { guide: { ...st.guide, ...extra, values, errors: tried ? guideErrors(values, d) : {} } };
      });
    }

    async function launch(channel: 'server:start' | 'server:restart'): Promise<void> {
      const r = formToSettings(get().serverForm, serverFields());
      if (!r.ok) {
        set({ serverFormErrors: r.errors });
        return;
      }
      set({ serverBusy: true, serverError: null, serverFormErrors: {} });
      // A start the user stopped is not a failure: say so plainly instead of showing an error box.
      const s = await attempt(
        () => api[channel](r.value),
        (e) => (e.code === 'CANCELLED' ? get().notify('ok', 'Start cancelled: the server was stopped') : set({ serverError: e })),
      );
      set((st) => ({ serverBusy: false, server: s ?? st.server }));
      void get().probe();
    }
  });
}

/** The Servers form currently launches the built-in simulator. */
export function usesSimulator(s: Pick<AppState, 'appInfo' | 'serverForm'>): boolean {
  const sim = s.appInfo?.simulatorCommand ?? [];
  const words = splitArgs(s.serverForm.command);
  return sim.length > 0 && sim.length === words.length && sim.every((w, i) => w === words[i]);
}

export function errorLine(e: UiError | null): string {
  if (!e) return 'Something went wrong';
  return e.hint ? `${e.message} — ${e.hint}` : e.message;
}
