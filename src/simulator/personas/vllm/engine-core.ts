/**
 * The "EngineCore_0" child process. Like vLLM's engine core it loads the model
 * (here: waits), reports ready to the API process, and then just holds the GPU
 * until told to stop. It deliberately survives its parent's SIGKILL — that is
 * the orphan problem a launcher must solve by killing the whole process group —
 * but gives up after the parent has been gone for a long time so a broken test
 * cannot leak it forever.
 *
 * Its configuration arrives as the first message on the IPC channel its parent
 * opened. That message is built only by startEngine from options already
 * validated, so it is typed rather than parsed again: loading zod here would
 * add a few hundred ms to every (re)start of the simulator.
 */
import { createLogger } from './log';

export interface EngineConfig {
  model: string;
  version: string;
  startupMs: number;
  failStartup: boolean;
  ignoreSigterm: boolean;
  orphanExitMs: number;
  maxModelLen: number;
  gpuMemoryUtilization: number;
  tensorParallelSize: number;
  seed: number;
  enforceEager: boolean;
  /** vLLM's repr of the speculative config, or null for none. */
  speculative: string | null;
}

/** Parent → engine: the configuration, once, right after spawn. */
export type ParentMessage = { type: 'config'; config: EngineConfig };
/** Engine → parent. */
export type EngineMessage = { type: 'ready' };

const ENGINE_NAME = 'EngineCore_0';
/** How long the engine waits for its configuration before giving up. */
const CONFIG_TIMEOUT_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits for the configuration. The API process spawns us before it has parsed
 * its flags; if it exits without configuring us (bad flags, busy port) the
 * channel closes and we leave quietly — there is no engine to orphan yet.
 */
function receiveConfig(): Promise<EngineConfig> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      process.stderr.write(`engine-core: no configuration from the API process within ${CONFIG_TIMEOUT_MS / 1000} s; exiting.\n`);
      process.exit(2);
    }, CONFIG_TIMEOUT_MS);
    const unconfigured = () => process.exit(0);
    const onMessage = (m: ParentMessage) => {
      if (m?.type !== 'config') return;
      clearTimeout(timer);
      process.off('message', onMessage);
      process.off('disconnect', unconfigured);
      resolve(m.config);
    };
    process.on('message', onMessage);
    process.once('disconnect', unconfigured);
  });
}

export async function runEngineCore(): Promise<void> {
  if (!process.send) {
    process.stderr.write('engine-core: this is the simulator\'s engine process; the API process starts it (run `spectune sim serve MODEL`).\n');
    process.exit(2);
  }
  process.title = ENGINE_NAME;
  const log = createLogger(`(${ENGINE_NAME} pid=${process.pid})`);
  const parentPid = process.ppid;
  let ignoreSigterm = false;

  // Installed before the configuration arrives: a group SIGTERM during spawn must still end us cleanly.
  process.on('SIGTERM', () => {
    if (ignoreSigterm) {
      log.warn('core.py:720', 'Received SIGTERM; ignoring it (--sim-ignore-sigterm). Only SIGKILL stops this process.');
      return;
    }
    log.info('core.py:720', 'Shutting down EngineCore (SIGTERM).');
    process.exit(0);
  });
  process.on('SIGINT', () => process.exit(0));

  const config = await receiveConfig();
  ignoreSigterm = config.ignoreSigterm;
  // From here a closed channel does not end us: a real engine core outlives its parent.
  let parentGoneAt: number | null = null;
  const watchdog = setInterval(() => {
    const alive = process.ppid === parentPid && isAlive(parentPid);
    if (alive) {
      parentGoneAt = null;
      return;
    }
    parentGoneAt ??= Date.now();
    if (Date.now() - parentGoneAt >= config.orphanExitMs) {
      log.warn('core.py:730', `API server process ${parentPid} has been gone for ${Math.round(config.orphanExitMs / 1000)} s; orphaned engine exiting.`);
      process.exit(0);
    }
  }, Math.min(1000, config.orphanExitMs / 2));

  log.info(
    'core.py:75',
    `Initializing a V1 LLM engine (v${config.version}) with config: model='${config.model}', speculative_config=${config.speculative ?? 'None'}, ` +
      `tensor_parallel_size=${config.tensorParallelSize}, max_seq_len=${config.maxModelLen}, seed=${config.seed}, enforce_eager=${config.enforceEager ? 'True' : 'False'}`,
  );
  log.info('gpu_model_runner.py:2345', `Starting to load model ${config.model}... (SIMULATED — nothing is loaded)`);
  await sleep(config.startupMs * 0.6);
  if (config.failStartup) {
    log.error(
      'core.py:708',
      'EngineCore failed to start.\ntorch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. ' +
        `GPU 0 has a total capacity of 23.55 GiB of which 1.06 GiB is free. (simulated by --sim-fail-startup; try a lower --gpu-memory-utilization or --max-model-len)`,
    );
    clearInterval(watchdog);
    process.exit(1);
  }
  const weightsGiB = 14.99 / config.tensorParallelSize;
  log.info('default_loader.py:267', `Loading weights took ${((config.startupMs * 0.4) / 1000).toFixed(2)} seconds`);
  if (config.speculative) log.info('eagle.py:120', `Loading drafter model for ${config.speculative}...`);
  log.info('gpu_model_runner.py:2400', `Model loading took ${weightsGiB.toFixed(4)} GiB and ${((config.startupMs * 0.6) / 1000).toFixed(6)} seconds`);
  await sleep(config.startupMs * 0.4);
  const kvGiB = Math.max(0.5, 24 * config.gpuMemoryUtilization - weightsGiB);
  const kvTokens = Math.round(kvGiB * 16384);
  log.info('gpu_worker.py:298', `Available KV cache memory: ${kvGiB.toFixed(2)} GiB`);
  log.info('kv_cache_utils.py:1087', `GPU KV cache size: ${kvTokens.toLocaleString('en-US')} tokens`);
  log.info('kv_cache_utils.py:1091', `Maximum concurrency for ${config.maxModelLen.toLocaleString('en-US')} tokens per request: ${(kvTokens / config.maxModelLen).toFixed(2)}x`);
  log.info('core.py:210', `init engine (profile, create kv cache, warmup model) took ${(config.startupMs / 1000).toFixed(2)} seconds`);
  // An orphan has no one to tell (and a send on a closed channel would throw): it just keeps holding the GPU.
  if (process.connected) process.send?.({ type: 'ready' } satisfies EngineMessage, () => {});
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
