/**
 * `serve`: the API process's life, shaped like vLLM's. Bind the port early
 * (a busy port fails fast, /health answers 503 meanwhile), start EngineCore_0,
 * turn ready when it has "loaded the model", shut down on SIGTERM (engine too),
 * and die with the engine when a fault is injected or the engine is killed.
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { versionAtLeast } from '../../../shared/version';
import { InjectedFaults } from '../faults';
import { speculativeSummary } from './describe';
import type { EngineConfig } from './engine-core';
import type { EngineHandle } from './engine-process';
import { createApiServer } from './http-api';
import { createLogger, SIMULATED_BANNER, type Logger } from './log';
import { SimMetrics } from './metrics';
import type { SimOptions } from './options';

const STATS_INTERVAL_MS = 10_000;

/** The API process's state: what the request path and the engine's fate both look at. */
interface ApiProcess {
  opts: SimOptions;
  log: Logger;
  engine: EngineHandle;
  ready: boolean;
  shuttingDown: boolean;
  /** Ends the process at once, engine too (a fault, a failed start). */
  die(code: number): never;
  /** SIGTERM's path: stop serving, stop the engine, exit 0. */
  shutdown(signal: string): Promise<void>;
}

/** Serves until a signal or a fault ends the process; `engine` is the spawned, not yet configured, EngineCore child. */
export async function serve(opts: SimOptions, engine: EngineHandle): Promise<never> {
  const log = createLogger(versionAtLeast(opts.version, 0, 11) ? `(APIServer pid=${process.pid})` : '');
  const metrics = new SimMetrics(opts.speculative?.numSpeculativeTokens ?? 0);
  logStart(opts, log);
  const faults = new InjectedFaults(opts.sim, opts.seed);
  let server: http.Server | null = null;
  const api: ApiProcess = {
    opts,
    log,
    engine,
    ready: false,
    shuttingDown: false,
    die(code) {
      engine.kill();
      process.exit(code);
    },
    async shutdown(signal) {
      if (api.shuttingDown) return;
      api.shuttingDown = true;
      log.info('launcher.py:99', `Shutting down FastAPI HTTP server (${signal}).`);
      server?.close();
      server?.closeAllConnections();
      await engine.terminate(1000);
      log.raw('INFO:     Shutting down');
      log.raw('INFO:     Application shutdown complete.');
      log.raw(`INFO:     Finished server process [${process.pid}]`);
      process.exit(0);
    },
  };
  server = createApiServer({
    opts,
    log,
    metrics,
    faults,
    isReady: () => api.ready && !api.shuttingDown,
    onCompleted() {
      if (!faults.crashesNow()) return;
      log.error(
        'core_client.py:564',
        `EngineCore_0 died unexpectedly (simulated by --sim-crash-after ${opts.sim.crashAfter}). ` +
          'EngineDeadError: EngineCore encountered an issue. See stack trace (above) for the root cause.',
      );
      // Abrupt on purpose: no graceful close, in-flight streams are cut.
      api.die(1);
    },
  });
  handleSignals(api);
  await listen(api, server);
  if (!(await startEngine(api))) return new Promise<never>(() => {});
  api.ready = true;
  log.raw(`INFO:     Started server process [${process.pid}]`);
  log.raw('INFO:     Waiting for application startup.');
  log.raw('INFO:     Application startup complete.');
  startStatsLogger(log, metrics, opts);
  // The server runs until a signal or a fault ends the process.
  return new Promise<never>(() => {});
}

function logStart(opts: SimOptions, log: Logger): void {
  log.warn('simulator.py:1', SIMULATED_BANNER);
  log.info('api_server.py:1885', `vLLM API server version ${opts.version.raw}`);
  log.info('utils.py:233', `non-default args: ${formatArgs(opts.given)}`);
  for (const w of opts.warnings) log.warn('arg_utils.py:1750', w);
  if (opts.speculative) log.info('config.py:3010', `Speculative decoding: ${speculativeSummary(opts.speculative)}`);
}

function handleSignals(api: ApiProcess): void {
  process.on('SIGINT', () => void api.shutdown('SIGINT'));
  process.on('SIGTERM', () => {
    if (api.opts.sim.ignoreSigterm) {
      api.log.warn('launcher.py:99', 'Received SIGTERM; ignoring it (--sim-ignore-sigterm). Only SIGKILL stops this server.');
      return;
    }
    void api.shutdown('SIGTERM');
  });
}

/** Binds before the engine loads, as vLLM does: a busy port fails fast and /health answers 503 meanwhile. */
async function listen(api: ApiProcess, server: http.Server): Promise<void> {
  const { opts, log } = api;
  await new Promise<void>((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const what = err.code === 'EADDRINUSE' ? 'address already in use' : err.message;
      log.error('launcher.py:80', `[Errno 98] error while attempting to bind on address ('${opts.host}', ${opts.port}): ${what}`);
      api.die(1);
    });
    server.listen(opts.port, opts.host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  log.info('api_server.py:1971', `Starting vLLM API server 0 on http://${hostForUrl}:${port}`);
}

/** Configures EngineCore_0 and waits until it has "loaded the model"; false when a shutdown overtook it. From then on the API process dies with it. */
async function startEngine(api: ApiProcess): Promise<boolean> {
  const { opts, log, engine } = api;
  engine.configure(engineConfig(opts));
  log.info('utils.py:1180', `Started engine process EngineCore_0 with PID ${engine.pid}`);
  try {
    await engine.ready;
  } catch (err) {
    if (api.shuttingDown) return false;
    const detail = err instanceof Error ? err.message : String(err);
    log.error('core_client.py:610', `Engine core initialization failed. See root cause above. Failed core proc(s): {'EngineCore_0': ${detail}}`);
    api.die(1);
  }
  engine.onExit((code, signal) => {
    if (api.shuttingDown) return;
    if (code === 0 || signal === 'SIGTERM') {
      // A group SIGTERM can reach the engine first (even before its handler is set); follow it down gracefully.
      void api.shutdown('engine exited');
      return;
    }
    log.error('core_client.py:564', `EngineCore_0 (pid ${engine.pid}) died unexpectedly (${signal ?? `exit code ${code}`}). Shutting down the API server.`);
    api.die(1);
  });
  return true;
}

function engineConfig(opts: SimOptions): EngineConfig {
  return {
    model: opts.model,
    version: opts.version.raw,
    startupMs: opts.sim.startupMs,
    failStartup: opts.sim.failStartup,
    ignoreSigterm: opts.sim.ignoreSigterm,
    orphanExitMs: opts.sim.orphanExitMs,
    maxModelLen: opts.maxModelLen,
    gpuMemoryUtilization: opts.gpuMemoryUtilization,
    tensorParallelSize: opts.tensorParallelSize,
    seed: opts.seed,
    enforceEager: opts.enforceEager,
    speculative: opts.speculative ? speculativeSummary(opts.speculative) : null,
  };
}

function startStatsLogger(log: Logger, m: SimMetrics, opts: SimOptions): void {
  let last = { prompt: 0, gen: 0, drafts: 0, draft: 0, acc: 0, perPos: m.acceptedPerPos.slice(), at: Date.now() };
  setInterval(() => {
    const secs = (Date.now() - last.at) / 1000;
    const gen = m.generationTokens - last.gen;
    if (gen === 0 && m.running === 0 && m.waiting === 0) {
      last.at = Date.now();
      return;
    }
    log.info(
      'loggers.py:123',
      `Engine 000: Avg prompt throughput: ${((m.promptTokens - last.prompt) / secs).toFixed(1)} tokens/s, Avg generation throughput: ${(gen / secs).toFixed(1)} tokens/s, ` +
        `Running: ${m.running} reqs, Waiting: ${m.waiting} reqs, GPU KV cache usage: ${(m.running * 0.4).toFixed(1)}%, Prefix cache hit rate: 0.0%`,
    );
    const drafts = m.drafts - last.drafts;
    if (opts.speculative && drafts > 0) {
      const draft = m.draftTokens - last.draft;
      const acc = m.acceptedTokens - last.acc;
      const perPos = m.acceptedPerPos.map((v, i) => ((v - last.perPos[i]) / drafts).toFixed(3)).join(', ');
      log.info(
        'metrics.py:96',
        `SpecDecoding metrics: Mean acceptance length: ${(1 + acc / drafts).toFixed(2)}, Accepted throughput: ${(acc / secs).toFixed(2)} tokens/s, ` +
          `Drafted throughput: ${(draft / secs).toFixed(2)} tokens/s, Accepted: ${acc} tokens, Drafted: ${draft} tokens, ` +
          `Per-position acceptance rate: ${perPos}, Avg Draft acceptance rate: ${((100 * acc) / Math.max(1, draft)).toFixed(1)}%`,
      );
    }
    last = { prompt: m.promptTokens, gen: m.generationTokens, drafts: m.drafts, draft: m.draftTokens, acc: m.acceptedTokens, perPos: m.acceptedPerPos.slice(), at: Date.now() };
  }, STATS_INTERVAL_MS).unref();
}

function formatArgs(given: SimOptions['given']): string {
  const parts = Object.entries(given).map(([k, v]) => `'${k.replace(/^-+/, '').replace(/-/g, '_')}': ${typeof v === 'string' ? `'${v}'` : Array.isArray(v) ? `[${v.map((x) => `'${x}'`).join(', ')}]` : v ? 'True' : 'False'}`);
  return `{${parts.join(', ')}}`;
}
