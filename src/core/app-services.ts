/**
 * The app's request handlers behind one `handle(channel, rawArgs)`: the same
 * object answers Electron IPC (src/main/ipc) and browser mode's HTTP bridge
 * (src/http/), so the two cannot behave differently. Knows
 * nothing of Electron: the shell injects what only it has (save dialog,
 * openExternal, the simulator's command inside the app bundle).
 */
import { SpecTuneError } from '../shared/errors';
import { requests, type RequestChannel, type RequestResult } from '../shared/ipc-contract';
import { formatZodError } from '../shared/schemas';
import pkg from '../../package.json';
import { HistoryStore } from './history-store';
import { PresetsStore } from './presets-store';
import { simulatorCommand as defaultSimulatorCommand } from './simulator-command';
import { ServerProcess } from './server-process';
import type { Emit, HandlerContext, Handlers, SimulatorLaunch } from './handlers/context';
import { presetHandlers } from './handlers/presets';
import { reportHandlers } from './handlers/reports';
import { serverHandlers } from './handlers/server';
import { statusHandlers } from './handlers/status';
import { engineHandlers } from './handlers/engines';
import { sweepController } from './handlers/sweep';
import { runsHandlers } from './handlers/runs';
import { assertNoSweepRunning } from './handlers/sweep-guard';

export type { Emit, SimulatorLaunch } from './handlers/context';

export interface AppServicesOptions {
  dataDir: string;
  mode: 'electron' | 'browser';
  emit: Emit;
  /** Electron: the native save dialog; resolves null when the user cancels. */
  saveDialog?: (defaultPath: string) => Promise<string | null>;
  /** Electron: shell.openExternal. Browser mode leaves links to the browser. */
  openExternal?: (url: string) => Promise<void>;
  /** Default: the Node CLI's `spectune sim`. Electron passes the bundled simulator and its environment. */
  simulator?: SimulatorLaunch;
  /** Shorthand for `simulator: { command, env: {} }`. */
  simulatorCommand?: string[];
  /** Per engine id: what app:info runs with `--version` to tell whether it is installed (default: the engine's own command). */
  engineCommands?: Record<string, string[]>;
  appVersion?: string;
  /** Check every result against the contract (on by default; cheap next to a server launch). */
  validateResults?: boolean;
}

export interface AppServices {
  handle<C extends RequestChannel>(channel: C, rawArgs: unknown): Promise<RequestResult<C>>;
  /** Cancel a running sweep and stop the server; the services stay usable (after a renderer crash). */
  stopAll(): Promise<void>;
  /** stopAll, then detach: the last call. */
  dispose(): Promise<void>;
  readonly server: ServerProcess;
}

function isRequestChannel(name: string): name is RequestChannel {
  return Object.prototype.hasOwnProperty.call(requests, name);
}

export function createAppServices(opts: AppServicesOptions): AppServices {
  const server = new ServerProcess();
  let presets: PresetsStore | null = null;
  const ctx: HandlerContext = {
    dataDir: opts.dataDir,
    mode: opts.mode,
    appVersion: opts.appVersion ?? pkg.version,
    emit: opts.emit,
    server,
    // Opened on first use: a damaged presets file must break the Presets screen, not the app's start.
    get presets() {
      return (presets ??= new PresetsStore({ dataDir: opts.dataDir }));
    },
    history: new HistoryStore({ dataDir: opts.dataDir }),
    simulator: opts.simulator ?? { command: opts.simulatorCommand ?? defaultSimulatorCommand(), env: {} },
    engineCommands: opts.engineCommands ?? {},
    saveDialog: opts.saveDialog,
    openExternal: opts.openExternal,
  };

  const forwardState = (s: ReturnType<ServerProcess['state']>) => opts.emit('server:state', s);
  const forwardLog = (l: ReturnType<ServerProcess['logTail']>[number]) => opts.emit('server:log', l);
  server.on('state', forwardState);
  server.on('log', forwardLog);

  const sweep = sweepController(ctx);
  const engines = engineHandlers(ctx);
  const handlers: Handlers = {
    ...engines.handlers,
    ...statusHandlers(ctx),
    ...serverHandlers(ctx),
    ...sweep.handlers,
    ...reportHandlers(ctx, sweep.liveRunId),
    ...presetHandlers(ctx),
    ...runsHandlers(),
    'shell:openExternal': async ({ url }) => {
      if (!ctx.openExternal) return { opened: false };
      await ctx.openExternal(url);
      return { opened: true };
    },
  };
  const validateResults = opts.validateResults ?? true;
  let disposed: Promise<void> | null = null;

  return {
    server,
    async handle<C extends RequestChannel>(channel: C, rawArgs: unknown): Promise<RequestResult<C>> {
      if (!isRequestChannel(channel)) {
        throw new SpecTuneError('NOT_FOUND', `no request channel "${String(channel)}"`, {
          hint: 'the UI and the app are from different versions; reload the window',
        });
      }
      const parsed = requests[channel].args.safeParse(rawArgs ?? {});
      if (!parsed.success) throw new SpecTuneError('INVALID_INPUT', formatZodError(parsed.error));
      assertNoSweepRunning(channel, sweep.current());
      const handler = handlers[channel] as (args: unknown) => Promise<unknown>;
      const result = await handler(parsed.data);
      if (!validateResults) return result as RequestResult<C>;
      const checked = requests[channel].result.safeParse(result);
      if (!checked.success) {
        // A bug on our side, not the user's: say which channel broke the contract.
        throw new Error(`${channel} returned a result that breaks the contract: ${formatZodError(checked.error)}`);
      }
      return checked.data as RequestResult<C>;
    },
    async stopAll() {
      await sweep.dispose();
      await engines.dispose();
      await server.stop().catch(() => undefined);
    },
    dispose() {
      disposed ??= (async () => {
        await sweep.dispose();
        await engines.dispose();
        await server.stop().catch(() => undefined);
        server.off('state', forwardState);
        server.off('log', forwardLog);
      })();
      return disposed;
    },
  };
}
