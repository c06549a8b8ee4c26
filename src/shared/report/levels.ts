/**
 * Load levels: which levels were measured, which record stands for a launch at each,
 * one pick per level, and the overall recommendation at the target level (with the
 * per-batch-size schedule where the engine takes one).
 */
import { configKey, launchKey, settingOf } from '../config-key';
import { costElsewhere, pickAtLoad, pickFromRecommendation } from '../level-picks';
import type { ConfigurationResult, LevelDecision, LevelPick, Measurement, Recommendation } from '../schemas';
import type { BuildReportInput, ConfigRun, ScheduleCheck } from './input';

/** Measured levels, lowest first: the plan's and any found in the measurements (a report rebuilt from a log). */
export function levelsOf(input: BuildReportInput): number[] {
  const levels = new Set<number>(input.plan.concurrency ?? [1]);
  for (const m of input.measurements) levels.add(m.concurrency ?? 1);
  return [...levels].sort((a, b) => a - b);
}

/**
 * The record for a launch at a level: one made for that level, else the launch's own. Levels the launch
 * has neither measurements nor a record for are left out, except the lowest, where every launch appears
 * (a launch that failed to start is shown once).
 */
export function runsAt(level: number, lowest: number, launches: readonly ConfigRun[], all: readonly ConfigRun[], byKey: Map<string, Measurement[]>): ConfigRun[] {
  return launches.flatMap((launch) => {
    const own = all.find((r) => r.concurrency === level && launchKey(r) === launchKey(launch));
    const measured = (byKey.get(configKey({ ...launch, concurrency: level })) ?? []).length > 0;
    if (own) return [own];
    return level === lowest || measured ? [launch] : [];
  });
}

function scheduleFrom(check: ScheduleCheck): NonNullable<Recommendation['schedule']> {
  const confirmed = check.outcome === 'confirmed' ? true : check.outcome === 'slower' || check.outcome === 'refused' ? false : null;
  return {
    entries: check.entries,
    numSpeculativeTokens: check.numSpeculativeTokens,
    confirmed,
    note: check.note,
    // A startup line is only offered for a schedule that was measured and held up.
    command: confirmed ? check.command : null,
    argv: confirmed ? check.argv : null,
  };
}

/**
 * The overall answer: the pick at the target level (default: the lowest), with one pick per level and
 * what the chosen k costs at the others. A plan with the single level 1 keeps recommend()'s answer as is.
 */
function overallRecommendation(
  input: BuildReportInput,
  levels: readonly number[],
  levelOne: Recommendation | null,
  picks: readonly LevelPick[],
  configs: readonly ConfigurationResult[],
): Recommendation | null {
  const target = input.plan.targetConcurrency ?? levels[0];
  const pick = picks.find((p) => p.concurrency === target) ?? picks[0];
  if (!pick) return null;
  let base: Recommendation;
  if (pick.concurrency === 1 && levelOne) {
    base = levelOne;
  } else {
    const chosen = configs.find((c) => !c.failed && (c.concurrency ?? 1) === pick.concurrency && launchKey(c) === launchKey(pick));
    const cmd = input.commandFor(settingOf(pick));
    base = {
      ...(chosen?.engine ? { engine: chosen.engine } : {}),
      ...settingOf(pick),
      ...(cmd?.setting ? { setting: cmd.setting } : {}),
      tokensPerSecond: pick.tokensPerSecond,
      speedupPercent: pick.speedupPercent,
      confidence: pick.confidence,
      reason: pick.reason,
      command: cmd?.command ?? null,
      argv: cmd?.argv ?? null,
    };
  }
  const parts = [base.reason];
  if (pick.concurrency !== target) parts.push(`Nothing was measured at the target level ${target} yet: this is the pick at ${pick.concurrency} in flight.`);
  parts.push(...costElsewhere(pick, pick.concurrency, picks, configs));
  const schedule = input.scheduleCheck ? scheduleFrom(input.scheduleCheck) : null;
  // A schedule that was launched and held up at every level is what the server should run: its line is the answer.
  if (schedule?.confirmed && schedule.argv) {
    const ranges = schedule.entries.map(([a, b, k]) => `${a}–${b}: k=${k}`).join(', ');
    parts.push(`The startup line sets a draft length per batch size (${ranges}; larger batches take the last), confirmed with one round per level.`);
    base = { ...base, command: schedule.command, argv: schedule.argv };
  }
  return {
    ...base,
    reason: parts.join(' '),
    concurrency: pick.concurrency,
    byConcurrency: [...picks],
    ...(schedule ? { schedule } : {}),
  };
}

/** One pick per level, lowest first: level 1 takes its recommendation, levels above the level's decision. */
export function levelPicks(levels: readonly number[], byLevel: Map<number, ConfigurationResult[]>, levelOne: Recommendation | null, decided: Map<number, { pick: string; decision: LevelDecision }>): LevelPick[] {
  const picks: LevelPick[] = [];
  for (const level of levels) {
    const entries = byLevel.get(level) ?? [];
    if (level === 1) {
      if (levelOne) picks.push(pickFromRecommendation(levelOne, entries));
      continue;
    }
    const d = decided.get(level);
    const pick = d ? pickAtLoad(level, entries, d.pick, d.decision) : null;
    if (pick) picks.push(pick);
  }
  return picks;
}

/** The report's recommendation: level 1's as is (with the picks and schedule) when that is the only level, else the overall one. */
export function recommendationFor(
  input: BuildReportInput,
  levels: readonly number[],
  levelOne: Recommendation | null,
  picks: LevelPick[],
  configs: readonly ConfigurationResult[],
): Recommendation | null {
  if (!(levels.length === 1 && levels[0] === 1)) return overallRecommendation(input, levels, levelOne, picks, configs);
  return (
    levelOne && {
      ...levelOne,
      concurrency: 1,
      byConcurrency: picks,
      ...(input.scheduleCheck ? { schedule: scheduleFrom(input.scheduleCheck) } : {}),
    }
  );
}
