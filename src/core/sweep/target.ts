/**
 * The server a sweep measures, put on one configuration at a time. Launched
 * (managed mode): restarted only when the configuration's launch settings
 * differ from what runs or it is not ready (per-request and reload engines keep
 * one launch for every configuration); every launch counted. Attached: the
 * server at the URL, identified, and the model to ask for found. One exit
 * listener for the whole sweep turns a crash into the current connection's
 * abort and reason.
 */
import { describeError, SpecTuneError } from '../../shared/errors';
import type { Report, ServerSettings } from '../../shared/schemas';
import { identifyWith } from '../probes';
import type { ServerExitEvent, ServerProcess } from '../server-process';
import type { Connection } from './session';
import { modelToRequest, type SweepSetup } from './setup';

/** Managed-mode failures that mean this configuration cannot run, not that the sweep must stop. */
const CONFIG_FAILURES = new Set(['EXITED_BEFORE_READY', 'STARTUP_TIMEOUT', 'UNSUPPORTED_DRAFT_MODEL', 'PORT_IN_USE']);

const sameLaunch = (a: ServerSettings | null, b: ServerSettings | null) => a !== null && b !== null && JSON.stringify(a) === JSON.stringify(b);

export type Prepared = { kind: 'ready'; connection: Connection } | { kind: 'failed'; error: string } | { kind: 'cancelled' };

export interface TargetHooks {
  signal?: AbortSignal;
  /** A launch for this configuration is starting. */
  onStarting: (config: number) => void;
  /** What the server says about itself (address, version, simulated, model), for the report. */
  onSeen: (info: Partial<Report['server']>) => void;
}

interface Current {
  config: number;
  connection: Connection;
  abort: AbortController;
  crash: { why: string | null };
}

export class SweepTarget {
  /** Launches made (the adaptive summary counts them). */
  launches = 0;
  /** The launch settings the server runs now (managed); null: nothing known to run. */
  private running: ServerSettings | null = null;
  private current: Current | null = null;
  private identified = false;
  private readonly onExit = (e: ServerExitEvent) => {
    const cur = this.current;
    if (!e.afterReady || !cur) return;
    cur.crash.why = `server exited during the measurements (code ${e.code ?? 'none'}, signal ${e.signal ?? 'none'})`;
    cur.abort.abort();
    this.running = null;
  };

  constructor(
    private readonly setup: SweepSetup,
    private readonly server: ServerProcess | null,
    private readonly hooks: TargetHooks,
  ) {
    server?.on('exit', this.onExit);
  }

  /** Puts the server on configuration `config`: the same connection while nothing changed since the last call, a new one otherwise. */
  async prepare(config: number): Promise<Prepared> {
    try {
      return { kind: 'ready', connection: this.server ? await this.launched(config, this.server) : await this.attached(config) };
    } catch (err) {
      if (this.hooks.signal?.aborted || (err instanceof SpecTuneError && err.code === 'CANCELLED')) return { kind: 'cancelled' };
      // Attached: a server that cannot be identified from the start leaves nothing to measure.
      const configFailure = this.server ? err instanceof SpecTuneError && CONFIG_FAILURES.has(err.code) : this.identified;
      if (!configFailure) throw err;
      return { kind: 'failed', error: describeError(err) };
    }
  }

  /** Something else was launched on the server (the schedule check): the next configuration starts afresh. */
  forget(): void {
    this.running = null;
    this.current = null;
  }

  /** The sweep is over: the listener goes (the caller's server outlives the sweep), and the server is stopped if asked. */
  async close(stopServer: boolean): Promise<void> {
    this.server?.off('exit', this.onExit);
    if (stopServer) await this.server?.stop().catch(() => undefined);
  }

  private async launched(config: number, server: ServerProcess): Promise<Connection> {
    const { plan } = this.setup;
    const settings = this.setup.launchFor(this.setup.configs[config])!;
    let listed: string[];
    if (!sameLaunch(this.running, settings) || server.state().phase !== 'ready') {
      this.hooks.onStarting(config);
      this.forget();
      this.launches++;
      const state = await server.restart(settings, { signal: this.hooks.signal });
      this.running = settings;
      listed = state.models;
      this.hooks.onSeen({ url: state.url!, simulated: state.simulated, ...(state.version ? { engineVersion: state.version } : {}) });
    } else {
      if (this.current?.config === config) return this.current.connection;
      listed = server.state().models;
    }
    // The launched model by name; a server listing only one (vLLM's --served-model-name) by that name.
    // mlx_lm lists every model in its cache, so its first entry can be another model.
    const model = plan.model ?? (listed.includes(settings.model) || listed.length !== 1 ? settings.model : listed[0]);
    this.hooks.onSeen({ model });
    return this.connect(config, server.state().url!, model, true);
  }

  private async attached(config: number): Promise<Connection> {
    if (this.current?.config === config) return this.current.connection;
    const { plan, engine, apiKey } = this.setup;
    const baseUrl = plan.url!.replace(/\/+$/, '');
    const id = await identifyWith(engine, baseUrl);
    const model = await modelToRequest(plan, baseUrl, id?.models ?? [], apiKey);
    this.identified = true;
    this.hooks.onSeen({ model, engineVersion: id?.version ?? null, simulated: id?.simulated ?? false });
    return this.connect(config, baseUrl, model, false);
  }

  private connect(config: number, baseUrl: string, model: string, launched: boolean): Connection {
    const abort = new AbortController();
    const crash = { why: null as string | null };
    const connection: Connection = { baseUrl, model, launched, launch: launched ? this.launches : 0, abort: abort.signal, crashed: () => crash.why };
    this.current = { config, connection, abort, crash };
    return connection;
  }
}
