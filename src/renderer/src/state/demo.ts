/**
 * An engine's demo, from its descriptor alone, wherever the app offers it (the guided flow, the
 * Servers form): a launched engine runs on the built-in simulator with its persona, or (no
 * persona) for real on models the services prepare; an attached engine's simulated server is
 * started by the services.
 */
import type { EngineDescriptor } from '../../../shared/engine-descriptor';
import { splitArgs } from '../../../shared/shell-words';
import { draftFreeMethods } from './guide';
import type { AppState } from './store';
import { runTask, type TaskKey, type Tools } from './tools';

/** The launch settings of a launched engine's demo. */
export interface LaunchedDemo {
  command: string[];
  model: string;
  /** '' = none: then the method guesses without one. */
  draftModel: string;
  method: string;
  /** What a real demo runs on, in words (the simulator's say nothing: its numbers are labelled). */
  note: string | null;
}

/** The simulator standing in for a launched engine: its command, then the persona's word (none for the vLLM persona). */
function simulatorFor(d: EngineDescriptor, simulator: readonly string[]): string[] {
  return [...simulator, ...(d.demo.persona ? [d.demo.persona] : [])];
}

/** A launched engine's demo; null when it cannot be had (no simulator in this build, or the models could not be made: the task says why). */
export async function launchedDemo(tools: Tools, d: EngineDescriptor, task: TaskKey): Promise<LaunchedDemo | null> {
  const { get } = tools;
  if (d.demo.persona === null) {
    const r = await runTask(tools, task, () => get().api['demo:prepare']({ engine: d.id }));
    return r ? { command: r.command, model: r.model, draftModel: r.draftModel ?? '', method: '', note: r.note } : null;
  }
  const sim = get().appInfo?.simulatorCommand ?? [];
  if (sim.length === 0) return null;
  const draftModel = d.demo.draftModels[0] ?? '';
  return { command: simulatorFor(d, sim), model: d.demo.model, draftModel, method: draftModel ? '' : (draftFreeMethods(d)[0] ?? ''), note: null };
}

/** Whether this build can offer the engine's demo (a simulator persona needs the simulator's command). */
export function hasDemo(d: EngineDescriptor, s: Pick<AppState, 'appInfo'>): boolean {
  return d.demo.persona === null || d.lifecycle === 'attached' || (s.appInfo?.simulatorCommand.length ?? 0) > 0;
}

/** The engine "Try it without a server" stands in for: the first (registry order) with a simulator persona this build can run. */
export function simulatorEngine(s: Pick<AppState, 'appInfo' | 'engines'>): EngineDescriptor | null {
  return s.engines.find((d) => d.demo.persona !== null && hasDemo(d, s)) ?? null;
}

/** The Servers form launches the built-in simulator (any persona). */
export function usesSimulator(s: Pick<AppState, 'appInfo' | 'serverForm'>): boolean {
  const sim = s.appInfo?.simulatorCommand ?? [];
  const words = splitArgs(s.serverForm.command);
  return sim.length > 0 && words.length >= sim.length && sim.every((w, i) => w === words[i]);
}

/** Is this engine installed here: true, false, or null when it does not apply (the user runs it) or is not known yet. */
export function installed(s: Pick<AppState, 'appInfo'>, engineId: string): boolean | null {
  return s.appInfo?.engines.find((e) => e.engine === engineId)?.installed ?? null;
}
