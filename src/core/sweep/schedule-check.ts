/**
 * Confirming a per-batch-size draft length schedule (vLLM >= 0.24) before it is
 * recommended: the per-level picks become ranges, the engine turns them into a
 * launch, and that launch is measured for ONE round per level with the same
 * closed loop. Upstream reports that turning the schedule on can cost speed by
 * itself (engines.md, "vLLM under load"), so a schedule that was never run is
 * not recommended. Its requests stay out of the report's measurements: they
 * belong to no configuration of the sweep.
 */
import { describeError, SpecTuneError } from '../../shared/errors';
import { formatCommand } from '../../shared/shell-words';
import { redactArgv } from '../../shared/redact';
import { placeholdersFor } from '../../engines';
import { specConfig, type Engine, type EngineBuild, type SpecConfig } from '../../engines/engine';
import { settingOf } from '../../shared/config-key';
import type { ScheduleCheck } from '../../shared/report-builder';
import type { LevelPick, Measurement, ScheduleEntry, ServerSettings, SweepPlan } from '../../shared/schemas';
import { launchSupport, type ServerExitEvent, type ServerProcess } from '../server-process';
import { measureLevel } from './level';
import type { MatrixCell } from './setup';

/** A level whose schedule round is this much below its pick's aggregate counts as slower. */
export const SCHEDULE_TOLERANCE = 0.05;

/** Aggregate tokens/s of a closed-loop round: c × Σ completion tokens / Σ request seconds (Little's law). */
export function aggregateOf(ms: readonly Measurement[], concurrency: number): number | null {
  let tokens = 0;
  let seconds = 0;
  for (const m of ms) {
    if (!m.ok || !m.metrics) continue;
    tokens += m.metrics.completionTokens;
    seconds += m.metrics.totalSeconds;
  }
  return seconds > 0 ? (concurrency * tokens) / seconds : null;
}

export interface ScheduleCheckInput {
  plan: SweepPlan;
  engine: Engine;
  build: EngineBuild;
  server: ServerProcess;
  /** The launch settings of a configuration (the draft model and method the schedule keeps). */
  launchFor: (c: SpecConfig) => ServerSettings | null;
  picks: readonly LevelPick[];
  matrix: readonly MatrixCell[];
  apiKey?: string;
  signal?: AbortSignal;
}

/** Undefined: nothing to check (no per-level picks, or every level picked the same k: plain k, no schedule). */
export async function confirmSchedule(input: ScheduleCheckInput): Promise<ScheduleCheck | undefined> {
  const { engine, build, server, picks } = input;
  const schedule = engine.load?.schedule;
  const planSchedule = engine.load?.planSchedule;
  if (!schedule || !planSchedule) return undefined;
  // A pick without a k (an engine's own draft length) cannot go into a per-batch-size schedule.
  const plan = planSchedule(picks.filter((p) => p.numSpeculativeTokens !== null).map((p) => ({ concurrency: p.concurrency, numSpeculativeTokens: p.numSpeculativeTokens! })));
  if (plan.kind !== 'schedule') return undefined;
  const entries = plan.entries;
  const maxK = plan.numSpeculativeTokens;
  const maxPick = picks.find((p) => p.numSpeculativeTokens === maxK);
  const config: SpecConfig = maxPick ? settingOf(maxPick) : specConfig({ numSpeculativeTokens: maxK });
  const settings = input.launchFor(config);
  if (!settings) return undefined;
  const base = { entries, numSpeculativeTokens: maxK, argv: null, command: null };

  const built = schedule({ entries, settings, build });
  if ('unsupported' in built) return { ...base, outcome: 'unsupported', note: built.unsupported };
  let argv: string[] | null = null;
  try {
    argv = redactArgv(launchSupport(engine).argv(built.settings, config, build), placeholdersFor(engine.descriptor.id));
  } catch {
    /* the launch below reports what the build refuses */
  }
  const shown = { ...base, argv, command: argv ? formatCommand(argv) : null };

  let model: string;
  try {
    const state = await server.restart(built.settings, { signal: input.signal });
    model = input.plan.model ?? built.settings.model;
    if (!state.models.includes(model) && state.models.length === 1) model = state.models[0];
  } catch (err) {
    if (input.signal?.aborted || (err instanceof SpecTuneError && err.code === 'CANCELLED')) return { ...shown, outcome: 'not-run', note: 'the schedule check was cancelled' };
    const tail = err instanceof SpecTuneError && err.logTail?.length ? ` Server log: ${err.logTail.slice(-3).join(' | ')}` : '';
    return { ...shown, outcome: 'refused', note: `${engine.descriptor.label} refused the schedule launch: ${describeError(err)}.${tail}` };
  }

  // A crash of the schedule launch ends its rounds (they would only record connection errors).
  const configAbort = new AbortController();
  let crashed: string | null = null;
  const onExit = (e: ServerExitEvent) => {
    if (!e.afterReady) return;
    crashed = `the schedule launch exited during its check (code ${e.code ?? 'none'}, signal ${e.signal ?? 'none'})`;
    configAbort.abort();
  };
  server.on('exit', onExit);
  const results: { level: number; pick: LevelPick; aggregate: number | null }[] = [];
  try {
    for (const pick of [...picks].sort((a, b) => a.concurrency - b.concurrency)) {
      if (input.signal?.aborted || crashed) break;
      const ms: Measurement[] = [];
      await measureLevel({
        plan: { ...input.plan, repeats: 1 },
        engine,
        build,
        config,
        matrix: input.matrix,
        concurrency: pick.concurrency,
        warmup: results.length === 0,
        baseUrl: server.state().url!,
        model,
        apiKey: input.apiKey,
        launched: true,
        signal: input.signal,
        configAbort,
        crashed: () => crashed,
        onPhase: () => {},
        record: async (m) => void ms.push(m),
      });
      results.push({ level: pick.concurrency, pick, aggregate: aggregateOf(ms, pick.concurrency) });
    }
  } finally {
    server.off('exit', onExit);
  }
  if (input.signal?.aborted) return { ...shown, outcome: 'not-run', note: 'the schedule check was cancelled' };
  if (crashed) return { ...shown, outcome: 'refused', note: crashed };
  return judge(shown, results, `${plan.note} ${built.note}`);
}

function judge(
  shown: Omit<ScheduleCheck, 'outcome' | 'note'>,
  results: readonly { level: number; pick: LevelPick; aggregate: number | null }[],
  engineNote: string,
): ScheduleCheck {
  const lines: string[] = [];
  const slower: string[] = [];
  for (const r of results) {
    const want = r.pick.aggregateTokensPerSecond ?? r.pick.tokensPerSecond;
    const k = `k=${r.pick.numSpeculativeTokens ?? 'engine'}`;
    if (r.aggregate === null || want === null || want <= 0) {
      slower.push(`at ${r.level} in flight the schedule round produced no comparable figure`);
      continue;
    }
    const ratio = r.aggregate / want;
    lines.push(`${r.level}: ${r.aggregate.toFixed(1)} tok/s vs ${k}'s ${want.toFixed(1)} (${Math.round(ratio * 100)}%)`);
    if (ratio < 1 - SCHEDULE_TOLERANCE) {
      slower.push(`at ${r.level} in flight the schedule ran ${Math.round((1 - ratio) * 100)}% slower than ${k} alone (${r.aggregate.toFixed(1)} vs ${want.toFixed(1)} tok/s)`);
    }
  }
  const measured = `One round per level with the schedule: ${lines.join('; ')}.`;
  if (slower.length === 0) return { ...shown, outcome: 'confirmed', note: `${measured} Every level within ${SCHEDULE_TOLERANCE * 100}% of its own pick. ${engineNote}`.trim() };
  return { ...shown, outcome: 'slower', note: `${slower.join('; ')}. ${measured} ${engineNote}`.trim() };
}
