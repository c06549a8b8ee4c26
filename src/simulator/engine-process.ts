/**
 * Starts and supervises the EngineCore child from the API process. The child is
 * the simulator's own command re-invoked with the hidden `engine-core`
 * subcommand, so it works the same under tsx, `spectune sim` and a bundled
 * Electron build (ELECTRON_RUN_AS_NODE travels in the inherited env). It stays
 * in our process group, as vLLM's engine does, so a group kill reaches it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { EngineConfig, EngineMessage } from './engine-core';

export interface EngineHandle {
  readonly pid: number;
  /** Resolves when the engine reports ready; rejects if it exits first. */
  readonly ready: Promise<void>;
  /** Called once when the engine exits, at any time. */
  onExit(cb: (code: number | null, signal: NodeJS.Signals | null) => void): void;
  /** SIGTERM, then SIGKILL after graceMs; resolves when it is gone. */
  terminate(graceMs: number): Promise<void>;
  kill(): void;
}

export class EngineStartError extends Error {
  constructor(
    message: string,
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
  ) {
    super(message);
  }
}

export function startEngine(selfCommand: readonly string[], config: EngineConfig): EngineHandle {
  const [exe, ...pre] = selfCommand;
  const child: ChildProcess = spawn(exe, [...pre, 'engine-core', '--config', JSON.stringify(config)], {
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
    child.once('error', (err) => reject(new EngineStartError(`could not start the engine process: ${err.message}`, null, null)));
    child.on('message', (m: EngineMessage) => {
      if (m && m.type === 'ready') resolve();
    });
    child.once('exit', (code, signal) => reject(new EngineStartError('engine exited before it was ready', code, signal)));
  });
  // The caller may only look at `ready` later; never let its rejection go unhandled.
  ready.catch(() => {});

  return {
    get pid() {
      return child.pid ?? -1;
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
