/**
 * What only the sweep can tell about its load levels, as report warnings
 * (BuildReportInput.notes): levels an engine cannot batch, batch limits a level
 * exceeds, and a client too busy to measure cleanly. Each is said once per level.
 */
import type { Warning } from '../../shared/schemas';
import type { Engine, EngineBuild, SpecConfig } from '../../engines/engine';
import type { ServerSettings } from '../../shared/schemas';
import { askAt } from '../probes';

/** Above this share of one core over the steady window, the client's own work shows in the numbers. */
export const CLIENT_CPU_LIMIT = 0.5;

export class SweepNotes {
  private readonly byKey = new Map<string, { warning: Warning; weight: number }>();

  /** `weight`: of two notes for the same thing, the heavier is kept (client CPU: the busiest configuration at a level speaks for it). */
  add(warning: Warning, weight = 0): void {
    const key = `${warning.kind}\u0000${warning.concurrency ?? ''}\u0000${warning.numSpeculativeTokens ?? ''}`;
    const had = this.byKey.get(key);
    if (!had || weight > had.weight) this.byKey.set(key, { warning, weight });
  }

  list(): Warning[] {
    return [...this.byKey.values()].map((n) => n.warning);
  }
}

/** The engine's reason not to measure this level for this configuration, as a note; null: measure it. */
export async function refusalNote(
  engine: Engine,
  input: { config: SpecConfig; settings: ServerSettings | null; baseUrl: string; model: string },
  level: number,
): Promise<Warning | null> {
  const refuse = engine.load?.refuseConcurrency;
  if (!refuse) return null;
  const reason = await refuse({ config: input.config, settings: input.settings, ask: askAt(input.baseUrl), model: input.model });
  if (!reason) return null;
  return {
    kind: 'concurrency-unsupported',
    numSpeculativeTokens: input.config.numSpeculativeTokens,
    concurrency: level,
    message: `${level} in flight not measured for k=${input.config.numSpeculativeTokens ?? 'engine'}: ${reason}`,
  };
}

/** A level above the launch's batch limit queues requests on the server; null: within it, or the limit is unknown. */
export function batchLimitNote(engine: Engine, settings: ServerSettings | null, build: EngineBuild | null, level: number): Warning | null {
  const limit = engine.load?.batchLimit?.(settings, build) ?? null;
  if (!limit || level <= limit.limit) return null;
  return {
    kind: 'batch-limit',
    concurrency: level,
    message: `${level} in flight is above the server's batch limit of ${limit.limit} (${limit.flag}): requests will queue; TTFT includes queueing. Raise ${limit.flag} to measure batching at this level.`,
  };
}

/** The client's CPU over the steady window; a note (weighted by the share of a core) when it used more than CLIENT_CPU_LIMIT of one. */
export function clientCpuNote(cpuSeconds: number, windowSeconds: number | null, level: number): { note: Warning; share: number } | null {
  if (windowSeconds === null || windowSeconds <= 0) return null;
  const share = cpuSeconds / windowSeconds;
  if (share <= CLIENT_CPU_LIMIT) return null;
  const note: Warning = {
    kind: 'client-cpu',
    concurrency: level,
    message: `At ${level} in flight SpecTune itself used ${Math.round(share * 100)}% of one CPU core over the steady window: the numbers may be distorted (stream reading competes with the server and stretches TTFT and token gaps). Run SpecTune on another machine than the server, stop other work on this one, or measure lower levels.`,
  };
  return { note, share };
}
