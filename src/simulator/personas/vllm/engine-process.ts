/**
 * Starts and supervises the EngineCore child from the API process. The child is
 * the simulator's own command re-invoked with the hidden `engine-core`
 * subcommand, so it works the same under tsx, `spectune sim` and a bundled
 * Electron build (ELECTRON_RUN_AS_NODE travels in the inherited env). It stays
 * in our process group, as vLLM's engine does, so a group kill reaches it.
 *
 * Spawning and configuring are separate steps: the API process spawns the
 * child first thing, so the child's own start-up (a TypeScript loader under
 * tsx) overlaps the API process's, and sends the configuration once its
 * options are parsed and its port is bound.
 */
import { spawn } from 'node:child_process';
import type { EngineConfig, EngineMessage, ParentMessage } from './engine-core';

export interface EngineHandle {
  readonly pid: number;
  /** Hands the child its configuration; it starts "loading the model" then. */
  configure(config: EngineConfig): void;
  /** Resolves when the engine reports ready; rejects if it exits first. */
  readonly ready: Promise<void>;
  /** Called once when the engine exits, at any time. */
  onExit(cb: (code: number | null, signal: NodeJS.Signals | null) => void): void;
  /** SIGTERM, then SIGKILL after graceMs; resolves when it is gone. */
  terminate(graceMs: number): Promise<void>;
  kill(): void;
}

export function spawnEngine(selfCommand: readonly string[]): EngineHandle {
  const [exe, ...pre] = selfCommand;
  const child = spawn(exe, [...pre, 'engine-core'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: process.env,
  });
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exitCallbacks: Array<(code: number | null, signal: NodeJS.Signals | null) => void> = [];
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      for (const cb of exitCallbacks) cb(code, signal);
      resolve();
    });
  });

  const ready = new Promise<void>((resolve, reject) => {
    // `on`, not `once`: a later error (e.g. EPIPE on the IPC channel) must not go unhandled.
    child.on('error', (err) => reject(new Error(`could not start the engine process: ${err.message}`)));
    child.on('message', (m: EngineMessage) => {
      if (m?.type === 'ready') resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`engine exited before it was ready (${signal ?? `exit code ${code}`})`)));
  });
  // The caller may only look at `ready` later; never let its rejection go unhandled.
  ready.catch(() => {});

  return {
    get pid() {
      return child.pid ?? -1;
    },
    configure(config) {
      // A send that fails means the child is already gone: its exit reports that.
      if (!exited) child.send({ type: 'config', config } satisfies ParentMessage, () => {});
    },
    ready,
    onExit(cb) {
      if (exited) cb(exited.code, exited.signal);
      else exitCallbacks.push(cb);
    },
    async terminate(graceMs) {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exitedPromise;
      clearTimeout(timer);
    },
    kill() {
      if (!exited) child.kill('SIGKILL');
    },
  };
}
