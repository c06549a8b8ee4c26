/**
 * The server SpecTune launches: its state and log (pushed by the services), the Servers form
 * that describes it, Start / Stop / Restart, the form filled with the engine's demo, and servers
 * an earlier session left running.
 */
import type { LaunchedServer } from '../../../../shared/launched-server';
import type { LogLine, ServerState } from '../../../../shared/schemas';
import { DEFAULT_SERVER_FORM, formToSettings, settingsToForm, wordsToText, type FieldErrors, type ServerFormField, type ServerFormValues } from '../forms';
import { launchedDemo } from '../demo';
import type { UiError } from '../../api/errors';
import { IDLE, errorLine, runTask, type Task, type Tools } from '../tools';
import { revalidate, serverEngine } from '../validation';

const LOG_LIMIT = 500;

export interface ServerSlice {
  server: ServerState | null;
  /** Start, Stop, Restart and every Apply that restarts the server. */
  serverTask: Task;
  logs: LogLine[];
  serverForm: ServerFormValues;
  serverFormErrors: FieldErrors<ServerFormField>;
  /** Once a start (or a preset save) was refused, the form's errors follow its values. */
  serverFormTried: boolean;
  /** Boxes the user has left: their errors show before any start. */
  serverTouched: ServerFormField[];
  /** Orphans from the run registry: servers an earlier session launched and nobody stops. */
  leftRunning: LaunchedServer[];
  leftRunningTask: Task;
  /** A launch refused for its port, which a server SpecTune launched holds: "Stop it" frees it. */
  portHeldBy: LaunchedServer | null;
  /** Stop the server SpecTune launched that holds the port (runs:stop by port). */
  stopPortHolder(): Promise<void>;
  setServerField(field: ServerFormField, value: string): void;
  /** The user left a box: check it now. */
  touchServerField(field: ServerFormField): void;
  /** Fill the form with its engine's demo (the simulator, or generated models where the engine has no simulator). */
  useServerDemo(): Promise<void>;
  startServer(): Promise<void>;
  restartServer(): Promise<void>;
  stopServer(): Promise<void>;
  loadLeftRunning(): Promise<void>;
  stopLeftRunning(): Promise<void>;
}

/** A server the services put on new settings (Apply, a preset, One click's winner): the form shows what now runs. */
export function adoptServer(tools: Tools, s: ServerState): void {
  tools.set((st) => ({ server: s, serverForm: s.settings ? settingsToForm(s.settings) : st.serverForm }));
  revalidate(tools);
}

/**
 * After a launch was refused with PORT_IN_USE: is the port held by a server SpecTune launched (the
 * run registry)? Then the screen offers "Stop it"; the services' message already names the holder.
 */
export function notePortHolder(tools: Tools, e: UiError, port: number): UiError {
  tools.set({ portHeldBy: null });
  if (e.code === 'PORT_IN_USE') {
    void runTask(tools, null, () => tools.get().api['runs:list']({}), { onError: () => null }).then((all) =>
      tools.set({ portHeldBy: all?.find((s) => s.port === port) ?? null }),
    );
  }
  return e;
}

/** The last LOG_LIMIT lines. */
export const tailLogs = (lines: LogLine[]): LogLine[] => lines.slice(-LOG_LIMIT);

export function serverSlice(tools: Tools): ServerSlice {
  const { set, get } = tools;

  async function launch(channel: 'server:start' | 'server:restart'): Promise<void> {
    const r = formToSettings(get().serverForm, serverEngine(get())?.fields);
    if (!r.ok) return set({ serverFormErrors: r.errors, serverFormTried: true });
    set({ serverFormErrors: {}, serverFormTried: false });
    // A start the user stopped is not a failure: say so plainly instead of showing an error box.
    const s = await runTask(tools, 'serverTask', () => get().api[channel](r.value), {
      onError: (e) => (e.code === 'CANCELLED' ? (get().notify('ok', 'Start cancelled: the server was stopped'), null) : notePortHolder(tools, e, r.value.port)),
    });
    if (s) set({ server: s });
    void get().probe();
  }

  return {
    server: null,
    serverTask: IDLE,
    logs: [],
    serverForm: DEFAULT_SERVER_FORM,
    serverFormErrors: {},
    serverFormTried: false,
    serverTouched: [],
    leftRunning: [],
    leftRunningTask: IDLE,
    portHeldBy: null,
    async stopPortHolder() {
      const held = get().portHeldBy;
      if (!held) return;
      const r = await runTask(tools, 'leftRunningTask', () => get().api['runs:stop']({ port: held.port }), { onError: (e) => (get().notify('error', errorLine(e)), null) });
      if (r) {
        set({ portHeldBy: null, serverTask: IDLE, presetsTask: IDLE });
        get().notify('ok', `Stopped the server on port ${held.port}: the port is free, try again`);
      }
      await get().loadLeftRunning();
      void get().probe();
    },
    setServerField(field, value) {
      set((st) => ({ serverForm: { ...st.serverForm, [field]: value } }));
      revalidate(tools);
    },
    touchServerField(field) {
      if (!get().serverTouched.includes(field)) set((st) => ({ serverTouched: [...st.serverTouched, field] }));
      revalidate(tools);
    },
    async useServerDemo() {
      const d = serverEngine(get());
      const demo = d ? await launchedDemo(tools, d, 'serverTask') : null;
      if (!demo) return;
      const { command, model, draftModel, method } = demo;
      set((st) => ({ serverForm: { ...st.serverForm, command: wordsToText(command), model, draftModel, method } }));
      revalidate(tools);
      if (demo.note) get().notify('ok', `Using ${demo.note}`);
    },
    startServer: () => launch('server:start'),
    restartServer: () => launch('server:restart'),
    async stopServer() {
      const s = await runTask(tools, 'serverTask', () => get().api['server:stop']({}));
      if (s) set({ server: s });
    },
    async loadLeftRunning() {
      const all = await runTask(tools, null, () => get().api['runs:list']({}), { onError: () => null });
      if (all) set({ leftRunning: all.filter((s) => s.orphan) });
    },
    async stopLeftRunning() {
      const r = await runTask(tools, 'leftRunningTask', () => get().api['runs:stop']({}), { onError: (e) => (get().notify('error', errorLine(e)), null) });
      if (r) {
        const stuck = r.stopped.flatMap((s) => s.survivors);
        if (stuck.length) get().notify('error', `Could not end processes ${stuck.join(', ')}; end them by hand (kill -9)`);
        else get().notify('ok', `Stopped ${r.stopped.length} server${r.stopped.length === 1 ? '' : 's'} left running`);
      }
      await get().loadLeftRunning();
      void get().probe();
    },
  };
}

/** The services push the launched server's state and log lines. */
export function serverEvents({ set, get }: Tools): (() => void)[] {
  const { api } = get();
  return [
    api.on('server:state', (s) => {
      const before = get().server?.phase;
      set({ server: s });
      // Do not leave a card saying RUNNING for a server that just died or stopped.
      if (before !== s.phase && s.phase !== 'starting') void get().probe();
    }),
    api.on('server:log', (l) => set((st) => ({ logs: tailLogs([...st.logs, l]) }))),
  ];
}
