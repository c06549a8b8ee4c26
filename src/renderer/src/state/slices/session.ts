/**
 * The link to SpecTune's services: the API, what the app is (app:info, the engines' descriptors,
 * the built-in prompts), the event subscriptions, and re-reading the services' truth after a
 * reconnect.
 */
import type { AppInfo, SpecTuneApi } from '../../../../shared/ipc-contract';
import type { EngineDescriptor } from '../../../../shared/engine-descriptor';
import type { UiError } from '../../api/errors';
import { DEFAULT_SERVER_FORM, serverFormFor, settingsToForm, type ServerFormValues } from '../forms';
import { runTask, type Tools } from '../tools';
import { libraryEvents } from './library';
import { serverEvents, tailLogs } from './server';
import { sweepEvents } from './sweep';

export interface SessionSlice {
  api: SpecTuneApi;
  appInfo: AppInfo | null;
  initError: UiError | null;
  engines: EngineDescriptor[];
  /** Subscribe to the services' events and read their state; resolves to the unsubscribe. */
  init(): Promise<() => void>;
  /** Ask the services for the current truth again, after events may have been missed. */
  resync(): Promise<void>;
}

/** What the user already typed into the Servers form before the descriptors arrived: kept. */
function pickTyped(form: ServerFormValues): Partial<ServerFormValues> {
  return Object.fromEntries(Object.entries(form).filter(([k, v]) => v !== DEFAULT_SERVER_FORM[k as keyof ServerFormValues]));
}

export function sessionSlice(tools: Tools, api: SpecTuneApi): SessionSlice {
  const { set, get } = tools;
  const ask = <T>(fn: () => Promise<T>) => runTask(tools, null, fn, { onError: (e) => (set({ initError: e }), null) });
  const quietly = <T>(fn: () => Promise<T>) => runTask(tools, null, fn, { onError: () => null });

  /** What runs in the services right now: the launched server (with its log) and the sweep. */
  async function readServices(asker: typeof ask, onStart: boolean): Promise<void> {
    const [server, logs, remote] = await Promise.all([asker(() => api['server:state']({})), asker(() => api['server:logs']({})), asker(() => api['sweep:state']({}))]);
    set((st) => ({
      server: server ?? st.server,
      // At start lines may already have arrived as events; after a reconnect the services' tail is the truth.
      logs: logs ? tailLogs(onStart ? [...logs, ...st.logs] : logs) : st.logs,
      ...(onStart && server?.settings ? { serverForm: settingsToForm(server.settings) } : {}),
    }));
    if (!remote) return;
    const local = get().sweep;
    // The sweep ended while the stream was down: its sweep:done never arrived.
    const endedUnseen = !onStart && local.running && !remote.running && (local.runId === null || local.runId === remote.runId);
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
      ...(onStart && remote.report ? { results: { report: remote.report, runId: remote.runId, source: 'live' as const } } : {}),
    }));
  }

  return {
    api,
    appInfo: null,
    initError: null,
    engines: [],
    async init() {
      const offs = [...serverEvents(tools), ...sweepEvents(tools), ...libraryEvents(tools)];
      // app:info waits for each engine's --version check: the screens do not wait for it.
      void ask(() => api['app:info']({})).then((info) => info && set({ appInfo: info }));
      const [prompts, engines] = await Promise.all([ask(() => api['prompts:builtin']({})), ask(() => api['engines:list']({})), readServices(ask, true)]);
      const list = engines?.engines ?? [];
      set((st) => ({
        engines: list,
        builtinPromptTypes: prompts?.promptTypes ?? [],
        builtinSystemPrompts: prompts?.systemPrompts ?? [],
        // No server running to describe it: the form starts on the first engine SpecTune launches.
        ...(st.serverForm.engine === '' ? { serverForm: { ...serverFormFor(list), ...pickTyped(st.serverForm) } } : {}),
      }));
      void get().loadPresets();
      void get().loadHistory();
      void get().loadLeftRunning();
      void get().probe();
      return () => offs.forEach((off) => off());
    },
    async resync() {
      await readServices(quietly, false);
      void get().loadHistory();
      void get().loadPresets();
      void get().probe();
    },
  };
}
