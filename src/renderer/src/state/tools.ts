/**
 * What every slice of the store works with: zustand's set and get over the whole state (a
 * slice may read another's state, as the screens do), and the two helpers every call goes
 * through: "busy → call → done" for a request, and starting a run.
 */
import type { StoreApi } from 'zustand/vanilla';
import { toUiError, type UiError } from '../api/errors';
import type { AppState } from './store';

export interface Tools {
  set: StoreApi<AppState>['setState'];
  get: StoreApi<AppState>['getState'];
}

/** One kind of request a screen waits on: busy while it runs, its last failure until the next try. */
export interface Task {
  busy: boolean;
  error: UiError | null;
}

export const IDLE: Task = { busy: false, error: null };

/** The state fields that are tasks. */
export type TaskKey = { [K in keyof AppState]: AppState[K] extends Task ? K : never }[keyof AppState];

export interface CallOptions {
  /** A failure, before it is kept on the task(s): return it to keep it, or null once it is dealt with (a notice says it). */
  onError?: (e: UiError) => UiError | null;
}

function setTasks({ set }: Tools, keys: readonly TaskKey[], task: Task): void {
  if (keys.length) set(Object.fromEntries(keys.map((k) => [k, task])) as Partial<AppState>);
}

/**
 * busy → call → done. The tasks named are busy while `fn` runs, their old errors gone at the
 * start; a failure is kept on them (after onError), a result returned (undefined on failure).
 */
export async function runTask<T>(tools: Tools, keys: TaskKey | readonly TaskKey[] | null, fn: () => Promise<T>, opts: CallOptions = {}): Promise<T | undefined> {
  const list: readonly TaskKey[] = keys === null ? [] : typeof keys === 'string' ? [keys] : keys;
  setTasks(tools, list, { busy: true, error: null });
  try {
    const result = await fn();
    setTasks(tools, list, IDLE);
    return result;
  } catch (err) {
    const e = toUiError(err);
    setTasks(tools, list, { busy: false, error: opts.onError ? opts.onError(e) : e });
    return undefined;
  }
}

/** An error as one line: the message, then what to do. */
export function errorLine(e: UiError | null): string {
  if (!e) return 'Something went wrong';
  return e.hint ? `${e.message} — ${e.hint}` : e.message;
}
