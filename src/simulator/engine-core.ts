/**
 * The "EngineCore_0" child process. Like vLLM's engine core it loads the model
 * (here: waits), reports ready to the API process, and then just holds the GPU
 * until told to stop. It deliberately survives its parent's SIGKILL — that is
 * the orphan problem a launcher must solve by killing the whole process group —
 * but gives up after the parent has been gone for a long time so a broken test
 * cannot leak it forever.
 */
import { z } from 'zod';
import { createLogger } from './log';

export const EngineConfigSchema = z.object({
  model: z.string(),
  version: z.string(),
  startupMs: z.number().int().min(0),
  failStartup: z.boolean(),
  ignoreSigterm: z.boolean(),
  orphanExitMs: z.number().int().min(100),
  maxModelLen: z.number().int(),
  gpuMemoryUtilization: z.number(),
  tensorParallelSize: z.number().int(),
  seed: z.number().int(),
  enforceEager: z.boolean(),
  speculative: z.string().nullable(),
});
export type EngineConfig = z.infer<typeof EngineConfigSchema>;

/** Messages from the engine to the API process over the IPC channel. */
export type EngineMessage = { type: 'ready' };

export const ENGINE_NAME = 'EngineCore_0';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runEngineCore(argv: readonly string[]): Promise<void> {
  const at = argv.indexOf('--config');
  const parsed = EngineConfigSchema.safeParse(at >= 0 ? safeJson(argv[at + 1]) : undefined);
  if (!parsed.success) {
    process.stderr.write(`engine-core: bad --config: ${parsed.error.message}\n`);
    process.exit(2);
  }
  const cfg = parsed.data;
  process.title = ENGINE_NAME;
  const log = createLogger(`(${ENGINE_NAME} pid=${process.pid})`);
  const parentPid = process.ppid;

  process.on('SIGTERM', () => {
    if (cfg.ignoreSigterm) {
      log.warn('core.py:720', 'Received SIGTERM; ignoring it (--sim-ignore-sigterm). Only SIGKILL stops this process.');
      return;
    }
    log.info('core.py:720', 'Shutting down EngineCore (SIGTERM).');
    process.exit(0);
  });
  process.on('SIGINT', () => process.exit(0));
  // A closed IPC channel must not kill us: real engine cores outlive their parent.
  process.on('disconnect', () => {});

  let parentGoneAt: number | null = null;
  const watchdog = setInterval(() => {
    const alive = process.ppid === parentPid && isAlive(parentPid);
    if (alive) {
      parentGoneAt = null;
      return;
    }
    parentGoneAt ??= Date.now();
    if (Date.now() - parentGoneAt >= cfg.orphanExitMs) {
      log.warn('core.py:730', `API server process ${parentPid} has been gone for ${Math.round(cfg.orphanExitMs / 1000)} s; orphaned engine exiting.`);
      process.exit(0);
    }
  }, Math.min(1000, cfg.orphanExitMs / 2));

  log.info(
    'core.py:75',
    `Initializing a V1 LLM engine (v${cfg.version}) with config: model='${cfg.model}', speculative_config=${cfg.speculative ?? 'None'}, ` +
      `tensor_parallel_size=${cfg.tensorParallelSize}, max_seq_len=${cfg.maxModelLen}, seed=${cfg.seed}, enforce_eager=${cfg.enforceEager ? 'True' : 'False'}`,
  );
  log.info('gpu_model_runner.py:2345', `Starting to load model ${cfg.model}... (SIMULATED — nothing is loaded)`);
  await sleep(cfg.startupMs * 0.6);
  if (cfg.failStartup) {
    log.error(
      'core.py:708',
      'EngineCore failed to start.\ntorch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. ' +
        `GPU 0 has a total capacity of 23.55 GiB of which 1.06 GiB is free. (simulated by --sim-fail-startup; try a lower --gpu-memory-utilization or --max-model-len)`,
    );
    clearInterval(watchdog);
    process.exit(1);
  }
  const weightsGiB = 14.99 / cfg.tensorParallelSize;
  log.info('default_loader.py:267', `Loading weights took ${((cfg.startupMs * 0.4) / 1000).toFixed(2)} seconds`);
  if (cfg.speculative) log.info('eagle.py:120', `Loading drafter model for ${cfg.speculative}...`);
  log.info('gpu_model_runner.py:2400', `Model loading took ${weightsGiB.toFixed(4)} GiB and ${((cfg.startupMs * 0.6) / 1000).toFixed(6)} seconds`);
  await sleep(cfg.startupMs * 0.4);
  const kvGiB = Math.max(0.5, 24 * cfg.gpuMemoryUtilization - weightsGiB);
  const kvTokens = Math.round(kvGiB * 16384);
  log.info('gpu_worker.py:298', `Available KV cache memory: ${kvGiB.toFixed(2)} GiB`);
  log.info('kv_cache_utils.py:1087', `GPU KV cache size: ${kvTokens.toLocaleString('en-US')} tokens`);
  log.info('kv_cache_utils.py:1091', `Maximum concurrency for ${cfg.maxModelLen.toLocaleString('en-US')} tokens per request: ${(kvTokens / cfg.maxModelLen).toFixed(2)}x`);
  log.info('core.py:210', `init engine (profile, create kv cache, warmup model) took ${(cfg.startupMs / 1000).toFixed(2)} seconds`);
  process.send?.({ type: 'ready' } satisfies EngineMessage);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function safeJson(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}
