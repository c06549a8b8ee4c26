/**
 * What every request handler may use. Built once by createAppServices; the
 * handlers themselves know nothing of Electron or HTTP.
 */
import type { z } from 'zod';
import type { EventChannel, EventPayload, RequestChannel, RequestResult, requests } from '../../shared/ipc-contract';
import type { ServerSettings, SweepPlan } from '../../shared/schemas';
import type { HistoryStore } from '../history-store';
import type { PresetsStore } from '../presets-store';
import type { ServerProcess } from '../server-process';

export type Emit = <E extends EventChannel>(channel: E, payload: EventPayload<E>) => void;

/** The command words that run the built-in simulator, and the environment it needs (Electron: ELECTRON_RUN_AS_NODE). */
export interface SimulatorLaunch {
  command: string[];
  env: Record<string, string>;
}

export interface HandlerContext {
  dataDir: string;
  mode: 'electron' | 'browser';
  appVersion: string;
  emit: Emit;
  server: ServerProcess;
  presets: PresetsStore;
  history: HistoryStore;
  simulator: SimulatorLaunch;
  /** Per engine id: the command app:info runs with `--version` instead of the engine's default one. */
  engineCommands: Readonly<Record<string, readonly string[]>>;
  saveDialog?: (defaultPath: string) => Promise<string | null>;
  openExternal?: (url: string) => Promise<void>;
}

/** Arguments after the contract's schema parsed them (defaults filled in). */
export type ParsedArgs<C extends RequestChannel> = z.output<(typeof requests)[C]['args']>;
export type Handler<C extends RequestChannel> = (args: ParsedArgs<C>) => Promise<RequestResult<C>>;
export type Handlers = { [C in RequestChannel]: Handler<C> };

/** The simulator's words, then (for every persona but vLLM's) the persona's word and its flags. */
function startsWithWords(command: readonly string[], start: readonly string[]): boolean {
  return start.length > 0 && command.length >= start.length && start.every((w, i) => w === command[i]);
}

/** Settings that launch the simulator, as any engine's persona, get the environment it needs, wherever they came from (form, preset, report). */
export function withSimulatorEnv(ctx: HandlerContext, settings: ServerSettings): ServerSettings {
  if (!Object.keys(ctx.simulator.env).length || !isSimulatorCommand(ctx, settings.command)) return settings;
  return { ...settings, env: { ...ctx.simulator.env, ...settings.env } };
}

export function isSimulatorCommand(ctx: HandlerContext, command: readonly string[] | undefined): boolean {
  return !!command && startsWithWords(command, ctx.simulator.command);
}

export function planWithSimulatorEnv(ctx: HandlerContext, plan: SweepPlan): SweepPlan {
  return plan.server ? { ...plan, server: withSimulatorEnv(ctx, plan.server) } : plan;
}
