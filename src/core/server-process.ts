/**
 * Launches an engine's server (vLLM, llama-server, mlx_lm.server, the embedded
 * engine, or the simulator speaking one of their dialects) as its own process
 * group, tells when it is ready, and stops it leaving no process behind — vLLM's
 * EngineCore and workers hold GPU memory if only the parent dies. The engine
 * (src/engines/<id>) says which build is installed and what argv to run; this
 * class knows no engine by name.
 *
 * Knows nothing of Electron: the app, the browser bridge, the CLI and the sweep
 * runner all drive the same class. Installs no global handlers; callers hook
 * their own exit paths to `stopAllServers()` / `killAllServersSync()`.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { execa, type ResultPromise } from 'execa';
import { SpecTuneError, toErrorInfo } from '../shared/errors';
import {
  parseOrThrow,
  ServerSettingsSchema,
  type LogLine,
  type ServerSettings,
  type ServerSettingsInput,
  STOPPED_SERVER_STATE,
  type ServerState,
} from '../shared/schemas';
import { formatCommand } from '../shared/shell-words';
import { DEFAULT_ENGINE } from '../shared/engine-descriptor';
import type { Engine, EngineBuild, LaunchSupport } from '../engines/engine';
import { engineById } from '../engines';
import { redactArgv, redactText } from '../shared/redact';
import { placeholdersFor } from '../engines';
import { knownSecrets, launchLogRedactor, restoreSecrets, shownSettings } from './server-secrets';
import { cleanLine, LineRing } from '../node/line-buffer';
import { visibleControls } from '../shared/safe-text';
import { assertPortFree, baseUrl } from '../node/port-check';
import {
  descendants,
  killTreeSync,
  LAUNCH_MARKER,
  listProcesses,
  listProcessesSync,
  markedProcesses,
  terminateMarked,
  terminateTree,
  type ProcInfo,
  type TerminateResult,
} from '../node/process-tree';
import { identifyWith } from './probes';
import { processStartTime, registerRun, unregisterRun } from './run-registry';

export interface ServerProcessOptions {
  /** How often to ask /health while starting (ms). */
  healthPollMs?: number;
  /** Log lines kept for logTail() and error messages. */
  logTailLines?: number;
}

export interface ServerExitEvent {
  code: number | null;
  signal: string | null;
  /** True when the server had been ready: a crash, not a failed start (unless `requested`). */
  afterReady: boolean;
  /** True when SpecTune ended it (stop, restart, cancel, startup timeout); a crash is afterReady && !requested. */
  requested: boolean;
}

type Events = { state: [ServerState]; log: [LogLine]; exit: [ServerExitEvent] };

/** Lines of log quoted in a failed start's message. */
const ERROR_TAIL_LINES = 30;
/**
 * How often to note the process tree (children that setsid leave the group): often while
 * vLLM spawns its engine and workers, rarely once it serves (each scan reads all of /proc).
 */
const TRACK_STARTING_MS = 500;
const TRACK_READY_MS = 5000;

interface Launch {
  child: ResultPromise;
  pid: number;
  settings: ServerSettings;
  engine: Engine;
  build: EngineBuild;
  url: string;
  argv: string[];
  /** LAUNCH_MARKER's value in its environment: finds what left the group. */
  marker: string;
  /** The server's kernel start time: nothing it started is older. */
  startTime: string | null;
  ready: boolean;
  stopRequested: boolean;
  exit: { code: number | null; signal: string | null } | null;
  exited: Promise<void>;
  closed: Promise<void>;
  tracked: Map<number, ProcInfo>;
  trackTimer: NodeJS.Timeout | null;
  cleanup: Promise<TerminateResult> | null;
}

const live = new Set<ServerProcess>();

/**
 * `--version` answers, per engine and command, shared by every ServerProcess in the process: real
 * vLLM takes seconds to import, and the sweep runner and the app each hold their own instance.
 */
const versionCache = new Map<string, Promise<EngineBuild>>();

/** Stops every server any ServerProcess launched in this process (app quit, CLI SIGINT). */
export async function stopAllServers(): Promise<void> {
  await Promise.allSettled([...live].map((s) => s.stop()));
}

/** For a synchronous `process.on('exit')`: SIGKILL every launched group at once, no waiting. */
export function killAllServersSync(): void {
  for (const s of live) s.killSync();
}

/** How many servers are launched and not yet fully cleaned up. */
export function liveServerCount(): number {
  return live.size;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function exitText(exit: { code: number | null; signal: string | null }): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

function cancelled(label = 'server'): SpecTuneError {
  return new SpecTuneError('CANCELLED', `${label} start cancelled; the server was stopped`);
}

/** What to change when a launched engine runs out of memory: its own advice, else a smaller model. */
function memoryAdvice(engine: Engine): string {
  return engine.launch?.outOfMemoryHint ?? 'try a smaller or more quantised model';
}

/** The launch half of an engine, or a clear error for engines the user runs themselves. */
export function launchSupport(engine: Engine): LaunchSupport {
  if (engine.launch) return engine.launch;
  throw new SpecTuneError('INVALID_INPUT', `SpecTune does not launch ${engine.descriptor.label}: you run it, SpecTune attaches to it`, {
    hint: `start ${engine.descriptor.label} yourself and give its URL (--url ${engine.descriptor.defaultUrl})`,
  });
}

/**
 * Refuses extra arguments that repeat a flag SpecTune writes (a second copy would silently win in
 * argparse); `what` names the field or flag they came from.
 */
export function assertNoManagedFlags(extraArgs: readonly string[], what: string, engineId: string): void {
  const managed = launchSupport(engineById(engineId)).managedFlags;
  for (const word of extraArgs) {
    const flag = word.split('=')[0].replace(/_/g, '-');
    const field = managed[flag] ?? managed[word.split('=')[0]];
    if (field) {
      throw new SpecTuneError('INVALID_INPUT', `${what}: ${flag} is written by SpecTune from the ${field} setting`, {
        hint: `remove ${flag} from the extra arguments and set ${field} instead, so SpecTune checks the server it launched`,
      });
    }
  }
}

function initialState(): ServerState {
  return { ...STOPPED_SERVER_STATE, models: [] };
}

/**
 * This process's environment without what would override SpecTune's flags, plus the settings' own,
 * and the launch's marker (inherited by everything the server starts, so a double fork is still found).
 */
function launchEnv(settings: ServerSettings, scrub: readonly string[], marker: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !scrub.includes(k)) env[k] = v;
  return { ...env, ...settings.env, PYTHONUNBUFFERED: '1', [LAUNCH_MARKER]: marker };
}

/** The argv for the settings' own setting (k, draft model, method, cut-off) on this build. */
function argvOf(settings: ServerSettings, build: EngineBuild): string[] {
  const config = { numSpeculativeTokens: settings.numSpeculativeTokens, draftModel: settings.draftModel ?? null, method: settings.method ?? null, draftPMin: settings.draftPMin ?? null };
  return launchSupport(engineById(settings.engine)).argv(settings, config, build);
}

export class ServerProcess extends EventEmitter<Events> {
  private readonly healthPollMs: number;
  private readonly ring: LineRing;
  private st: ServerState = initialState();
  private launch: Launch | null = null;
  /** A start() is between its first line and its end. */
  private starting: { abort: AbortController; done: Promise<unknown> } | null = null;
  private stopping: Promise<ServerState> | null = null;
  /** The last launch's settings with their real secrets, to fill placeholders on a restart from the UI. */
  private realSettings: ServerSettings | null = null;
  /** Scrubs every log line (SpecTune's notes and the server's own) of this launch's secrets. */
  private redactLine: (line: string) => string = (line) => redactText(line);

  constructor(opts: ServerProcessOptions = {}) {
    super();
    this.healthPollMs = Math.max(10, opts.healthPollMs ?? 100);
    this.ring = new LineRing(Math.max(ERROR_TAIL_LINES, opts.logTailLines ?? 200));
  }

  /** What listeners and callers see: secrets in the settings redacted (see server-secrets.ts). */
  state(): ServerState {
    const st = structuredClone(this.st);
    return st.settings ? { ...st, settings: shownSettings(st.settings) } : st;
  }

  logTail(n?: number): LogLine[] {
    return this.ring.tail(n);
  }

  /** The engine's installed build (`<command> --version`), cached per engine and command (see versionCache). */
  detectVersion(command: string[], opts: { signal?: AbortSignal; engine?: string } = {}): Promise<EngineBuild> {
    const engine = engineById(opts.engine ?? DEFAULT_ENGINE.id);
    const key = JSON.stringify([engine.descriptor.id, command]);
    let p = versionCache.get(key);
    if (!p) {
      p = launchSupport(engine).detectBuild(command, {});
      versionCache.set(key, p);
      p.catch(() => versionCache.delete(key)); // a fixed install should be seen on the next try
    }
    const signal = opts.signal;
    if (!signal) return p;
    // The query is shared by every caller, so a cancel abandons it instead of killing it.
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(cancelled());
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      (p as Promise<EngineBuild>).then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  async argvFor(input: ServerSettingsInput, opts: { signal?: AbortSignal } = {}): Promise<string[]> {
    const settings = parseOrThrow(ServerSettingsSchema, input);
    assertNoManagedFlags(settings.extraArgs, 'extraArgs', settings.engine);
    const build = await this.detectVersion(settings.command, { ...opts, engine: settings.engine });
    return argvOf(settings, build);
  }

  async start(input: ServerSettingsInput, opts: { signal?: AbortSignal } = {}): Promise<ServerState> {
    input = restoreSecrets(input, this.realSettings); // settings shown redacted come back with placeholders
    // A crashed launch (exited) or one being stopped does not block: start waits for its cleanup.
    if (this.starting || (this.launch && !this.launch.exit && !this.launch.stopRequested)) {
      const where = this.st.url ? ` at ${this.st.url}` : '';
      throw new SpecTuneError('ALREADY_RUNNING', `a server is already ${this.st.phase}${where} (pid ${this.st.pid ?? '?'})`, {
        hint: 'stop it first, or use restart to change its settings',
      });
    }
    const abort = new AbortController();
    const run = this.runStart(input, abort, opts.signal);
    this.starting = { abort, done: run.catch(() => {}) };
    try {
      return await run;
    } finally {
      this.starting = null;
    }
  }

  private async runStart(input: ServerSettingsInput, abort: AbortController, outer?: AbortSignal): Promise<ServerState> {
    const onOuterAbort = () => abort.abort();
    if (outer?.aborted) abort.abort();
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    let launch: Launch | null = null;
    try {
      const settings = parseOrThrow(ServerSettingsSchema, input);
      const engine = engineById(settings.engine);
      const label = engine.descriptor.label;
      assertNoManagedFlags(settings.extraArgs, 'extraArgs', settings.engine);
      this.realSettings = settings;
      this.redactLine = launchLogRedactor(settings);
      if (this.stopping) await this.stopping;
      await this.settlePrevious();
      if (abort.signal.aborted) throw cancelled(label);

      this.ring.clear();
      this.setState({
        ...initialState(),
        phase: 'starting',
        settings,
        url: baseUrl(settings.host, settings.port),
        startedAt: new Date().toISOString(),
      });
      this.note(`Checking the ${label} version: ${settings.command.join(' ')} --version`);
      const build = await this.detectVersion(settings.command, { signal: abort.signal, engine: settings.engine });
      this.note(`${label} ${build.raw}`);
      this.setState({ ...this.st, version: build.raw });
      const argv = argvOf(settings, build);
      await assertPortFree(settings.host, settings.port);
      if (abort.signal.aborted) throw cancelled(label);

      launch = this.spawn(settings, engine, build, argv);
      await this.waitReady(launch, abort.signal);
      return this.state();
    } catch (err) {
      if (launch && launch.stopRequested) throw cancelled(launch.engine.descriptor.label); // stop() owns the state from here
      if (launch) {
        if (!launch.cleanup) this.setState({ ...this.st, phase: 'stopping' });
        await this.cleanupLaunch(launch);
        if (this.launch === launch) this.launch = null;
      }
      const info = toErrorInfo(err);
      this.setState({ ...this.st, phase: 'stopped', pid: null, error: info });
      if (info.code !== 'UNKNOWN') this.note(`Start failed: ${info.message.split('\n')[0]}`);
      throw err;
    } finally {
      outer?.removeEventListener('abort', onOuterAbort);
    }
  }

  private spawn(settings: ServerSettings, engine: Engine, build: EngineBuild, argv: string[]): Launch {
    this.note(`$ ${formatCommand(redactArgv(argv, placeholdersFor(settings.engine))).replace(/ \\\n\s+/g, ' ')}`);
    const push = (stream: 'stdout' | 'stderr', line: unknown) => this.pushLine(stream, cleanLine(String(line)));
    // Generators that yield nothing: each line becomes an event and execa buffers nothing.
    const sink = (stream: 'stdout' | 'stderr') =>
      function* (line: unknown): Generator<unknown, void, void> {
        push(stream, line);
      };
    const marker = randomUUID();
    const child = execa(argv[0], argv.slice(1), {
      // Own process group: one signal reaches EngineCore and the workers too.
      detached: true,
      // We kill the group ourselves; execa's cleanup would only kill the parent.
      cleanup: false,
      reject: false,
      stdin: 'ignore',
      stdout: sink('stdout'),
      stderr: sink('stderr'),
      env: launchEnv(settings, launchSupport(engine).scrubEnv ?? [], marker),
      extendEnv: false,
      windowsHide: true,
    });
    if (child.pid === undefined) {
      // Spawn failed (ENOENT/EACCES after a successful --version, e.g. the file vanished).
      void child.then(() => {});
      throw new SpecTuneError('COMMAND_NOT_FOUND', `cannot start "${settings.command.join(' ')}"`, { hint: engine.descriptor.installHint });
    }
    const launch: Launch = {
      child,
      pid: child.pid,
      settings,
      engine,
      build,
      url: baseUrl(settings.host, settings.port),
      argv,
      marker,
      startTime: processStartTime(child.pid),
      ready: false,
      stopRequested: false,
      exit: null,
      exited: new Promise((resolve) => child.once('exit', () => resolve())),
      closed: new Promise((resolve) => child.once('close', () => resolve())),
      tracked: new Map(),
      trackTimer: null,
      cleanup: null,
    };
    void child.then(() => {}, () => {}); // the 'exit' listener below is the source of truth
    child.once('exit', (code, signal) => void this.onExit(launch, code, signal));
    this.launch = launch;
    live.add(this);
    // The registry is a shared folder: secret flags, NAME=value words and every value this launch knows are redacted.
    const shownArgv = redactArgv(argv, placeholdersFor(settings.engine), knownSecrets(settings));
    registerRun({ pid: launch.pid, port: settings.port, url: launch.url, engine: settings.engine, argv: shownArgv, launchId: marker });
    this.trackEvery(launch, TRACK_STARTING_MS);
    void this.track(launch).catch(() => {});
    this.setState({ ...this.st, pid: launch.pid });
    return launch;
  }

  private trackEvery(launch: Launch, ms: number): void {
    if (launch.trackTimer) clearInterval(launch.trackTimer);
    launch.trackTimer = setInterval(() => void this.track(launch).catch(() => {}), ms);
    launch.trackTimer.unref();
  }

  /** Remembers every descendant seen, so one that left the group (setsid) is still stopped. */
  private async track(launch: Launch): Promise<void> {
    if (launch.exit) return;
    const procs = await descendants(launch.pid, await listProcesses());
    for (const p of procs) if (!launch.tracked.has(p.pid)) launch.tracked.set(p.pid, p);
  }

  private async waitReady(launch: Launch, signal: AbortSignal): Promise<void> {
    const { settings } = launch;
    const deadline = Date.now() + settings.startupTimeoutMs;
    const wake = new Promise<void>((resolve) => {
      signal.addEventListener('abort', () => resolve(), { once: true });
      void launch.exited.then(resolve);
    });
    this.note(`Waiting for ${launch.url}/health to answer 200 (up to ${Math.round(settings.startupTimeoutMs / 1000)} s)`);
    for (;;) {
      if (launch.exit) throw await this.exitedBeforeReady(launch);
      if (signal.aborted) throw cancelled(launch.engine.descriptor.label);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new SpecTuneError(
          'STARTUP_TIMEOUT',
          `${launch.engine.descriptor.label} did not answer ${launch.url}/health with 200 within ${Math.round(settings.startupTimeoutMs / 1000)} s; it was stopped`,
          {
            hint: 'a real model can take minutes to download, load and warm up; raise the startup timeout (startupTimeoutMs, --startup-timeout) or read the log',
            logTail: this.serverTail(),
          },
        );
      }
      const healthAt = Date.now();
      if (await this.healthOk(launch.url, Math.min(left, 2000), signal)) {
        this.st.readyAt = new Date(healthAt).toISOString();
        break;
      }
      await Promise.race([sleep(Math.min(this.healthPollMs, Math.max(0, deadline - Date.now()))), wake]);
    }

    // The engine's own identification reads models, version and the simulator flag from its API.
    const info = await identifyWith(launch.engine, launch.url, 5000).catch(() => null);
    if (launch.exit) throw await this.exitedBeforeReady(launch);
    if (signal.aborted) throw cancelled(launch.engine.descriptor.label);
    if (!info) this.note(`${launch.url} is up but does not answer like ${launch.engine.descriptor.label}: models unknown`);
    if (info?.version && !launch.build.raw.includes(info.version) && !info.version.includes(launch.build.raw)) {
      this.note(`Note: the server reports version ${info.version}, the command said ${launch.build.raw}`);
    }
    launch.ready = true;
    this.trackEvery(launch, TRACK_READY_MS);
    const readyMs = Date.parse(this.st.readyAt as string) - Date.parse(this.st.startedAt as string);
    this.note(`Ready after ${(readyMs / 1000).toFixed(1)} s at ${launch.url}${info?.models.length ? ` serving ${info.models.join(', ')}` : ''}`);
    this.setState({
      ...this.st,
      phase: 'ready',
      models: info?.models ?? [],
      simulated: info?.simulated === true,
    });
  }

  private async healthOk(url: string, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
      await res.body?.cancel();
      return res.status === 200;
    } catch {
      return false; // not listening yet, or a reply cut short: ask again
    }
  }

  /** The process ended during start: clean up the rest of its group and explain with its last lines. */
  private async exitedBeforeReady(launch: Launch): Promise<SpecTuneError> {
    await Promise.race([launch.closed, sleep(250)]); // let the last lines arrive
    await this.cleanupLaunch(launch);
    const exit = launch.exit ?? { code: null, signal: null };
    const tail = this.serverTail();
    this.setState({ ...this.st, exit });
    return new SpecTuneError(
      'EXITED_BEFORE_READY',
      `${launch.engine.descriptor.label} exited (${exitText(exit)}) before it was ready.${tail.length ? ` Last log lines:\n${tail.join('\n')}` : ' It printed nothing.'}`,
      {
        hint: `read the last log lines; common causes: not enough memory (${memoryAdvice(launch.engine)}), a wrong model name or path, or a flag this build does not know`,
        logTail: tail,
      },
    );
  }

  private async onExit(launch: Launch, code: number | null, signal: string | null): Promise<void> {
    launch.exit = { code, signal };
    if (launch.trackTimer) clearInterval(launch.trackTimer);
    launch.trackTimer = null;
    const afterReady = launch.ready;
    const requested = launch.stopRequested || launch.cleanup !== null;
    if (requested || !afterReady) {
      this.safeEmit('exit', { code, signal, afterReady, requested });
      return; // stop() or the start in progress handles it
    }
    await Promise.race([launch.closed, sleep(250)]);
    const tail = this.serverTail();
    const label = launch.engine.descriptor.label;
    this.note(`${label} exited unexpectedly (${exitText(launch.exit)})`);
    this.setState({
      ...this.st,
      phase: 'crashed',
      pid: null,
      exit: launch.exit,
      error: {
        code: 'SERVER_CRASHED',
        message: `${label} exited unexpectedly (${exitText(launch.exit)}) after it was ready`,
        hint: `read the last log lines; restart it, or, if it ran out of memory, ${memoryAdvice(launch.engine)}`,
        logTail: tail,
      },
    });
    this.safeEmit('exit', { code, signal, afterReady: true, requested: false });
    await this.cleanupLaunch(launch);
    if (this.launch === launch) this.launch = null;
  }

  /** Processes carrying this launch's marker that the group signal and the tree scan would miss. */
  private escapees(launch: Launch, all: readonly ProcInfo[]): ProcInfo[] {
    return (markedProcesses([launch.marker], all, launch.startTime).get(launch.marker) ?? []).filter((p) => p.pgid !== launch.pid && !launch.tracked.has(p.pid));
  }

  /**
   * SIGTERM the group, the tracked escapees and whatever carries the launch's marker, grace,
   * SIGKILL, verify; then once more for the marker, for a double fork made while stopping.
   * Runs once per launch.
   */
  private cleanupLaunch(launch: Launch): Promise<TerminateResult> {
    launch.cleanup ??= (async () => {
      if (launch.trackTimer) clearInterval(launch.trackTimer);
      launch.trackTimer = null;
      await this.track(launch).catch(() => {});
      const escaped = this.escapees(launch, await listProcesses());
      if (escaped.length) this.note(`Also stopping what this launch started that left the group: ${escaped.map((p) => `${p.pid} (${p.comm})`).join(', ')}`);
      for (const p of escaped) launch.tracked.set(p.pid, p);
      const onLog = (l: string) => this.note(l);
      const first = await terminateTree({ pgid: launch.pid, tracked: launch.tracked.values(), graceMs: launch.settings.stopGraceMs, onLog });
      const late = await terminateMarked(launch.marker, { graceMs: launch.settings.stopGraceMs, since: launch.startTime, onLog });
      if (late.found.length) this.note(`Stopped what this launch started that left the group while it stopped: ${late.found.map((p) => `${p.pid} (${p.comm})`).join(', ')}`);
      const result: TerminateResult = {
        forced: first.forced || late.forced,
        survivors: [...first.survivors, ...late.survivors],
        elapsedMs: first.elapsedMs + late.elapsedMs,
      };
      await Promise.race([launch.exited, sleep(2000)]);
      await Promise.race([launch.closed, sleep(1000)]);
      if (result.survivors.length === 0) {
        unregisterRun(launch.pid);
        this.note(`All processes of the server are gone (${result.forced ? 'SIGKILL needed' : 'clean exit'}, ${result.elapsedMs} ms)`);
      }
      if (this.launch === launch || this.launch === null) live.delete(this);
      return result;
    })();
    return launch.cleanup;
  }

  /** Waits for a crashed launch's cleanup before a new start. */
  private async settlePrevious(): Promise<void> {
    const prev = this.launch;
    if (!prev) return;
    await this.cleanupLaunch(prev);
    if (this.launch === prev) this.launch = null;
  }

  stop(): Promise<ServerState> {
    if (this.stopping) return this.stopping;
    this.stopping = this.runStop().finally(() => {
      this.stopping = null;
    });
    return this.stopping;
  }

  private async runStop(): Promise<ServerState> {
    const starting = this.starting;
    const launch = this.launch;
    if (!launch) {
      if (starting) {
        // Still checking the version or the port: nothing to kill, just end the start.
        starting.abort.abort();
        await starting.done;
      } else if (this.st.phase === 'crashed') {
        this.setState({ ...this.st, phase: 'stopped' });
      }
      return this.state();
    }
    const wasCrashed = this.st.phase === 'crashed';
    launch.stopRequested = true;
    starting?.abort.abort();
    this.setState({ ...this.st, phase: 'stopping' });
    this.note(`Stopping ${launch.engine.descriptor.label}`);
    const result = await this.cleanupLaunch(launch);
    if (starting) await starting.done;
    if (this.launch === launch) this.launch = null;
    const error =
      result.survivors.length > 0
        ? {
            code: 'IO_ERROR' as const,
            message: `could not end processes ${result.survivors.map((p) => p.pid).join(', ')} of the server`,
            hint: 'they may belong to another user; end them by hand (kill -9)',
          }
        : wasCrashed
          ? this.st.error
          : null;
    this.setState({ ...this.st, phase: 'stopped', pid: null, exit: launch.exit ?? this.st.exit, error });
    return this.state();
  }

  async restart(input: ServerSettingsInput, opts: { signal?: AbortSignal } = {}): Promise<ServerState> {
    input = restoreSecrets(input, this.realSettings); // a placeholder that cannot be filled is refused while the server still runs
    // Refuse bad settings (invalid, unsupported on this version) before stopping a working server.
    // A real vLLM's --version imports torch for seconds: a cancel must not wait for it.
    await this.argvFor(input, opts);
    await this.stop();
    return this.start(input, opts);
  }

  /** Synchronous SIGKILL of this server's group and tracked processes (exit handlers only). */
  killSync(): void {
    const launch = this.launch;
    if (launch) {
      killTreeSync(launch.pid, [...launch.tracked.values(), ...this.escapees(launch, listProcessesSync())]);
      unregisterRun(launch.pid); // SIGKILL cannot be ignored; a later status would drop the entry anyway
    }
  }

  private setState(next: ServerState): void {
    this.st = next;
    this.safeEmit('state', this.state());
  }

  private pushLine(stream: LogLine['stream'], line: string): void {
    if (line.length === 0) return;
    // SpecTune's own notes quote the server too (its model ids): shown, never obeyed, like its log lines.
    const entry: LogLine = { stream, line: visibleControls(this.redactLine(line)), at: new Date().toISOString() };
    this.ring.push(entry);
    this.safeEmit('log', entry);
  }

  /** A line from SpecTune itself, interleaved with the server's own. */
  private note(line: string): void {
    this.pushLine('spectune', line);
  }

  /** The server's own recent lines, for error messages. */
  private serverTail(): string[] {
    return this.ring
      .tail()
      .filter((l) => l.stream !== 'spectune')
      .slice(-ERROR_TAIL_LINES)
      .map((l) => l.line);
  }

  /** A throwing listener must not break the log stream or the state machine. */
  private safeEmit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    try {
      (this.emit as (e: K, ...a: Events[K]) => boolean)(event, ...args);
    } catch (e) {
      console.error(`spectune: a "${String(event)}" listener failed:`, e);
    }
  }
}
