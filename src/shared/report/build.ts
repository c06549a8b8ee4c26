/**
 * Turns raw measurements into the report: per-configuration medians with
 * confidence intervals, speedups, per-group comparisons, the recommendation and
 * warnings. Pure: the same input always gives the same report, so a report can
 * be rebuilt from the JSONL log after a crash.
 *
 * Load levels: one entry per (configuration, level), lowest level first, each
 * compared with the baseline at its own level, and every level decided by the
 * search's rule (decide.ts): requests blocked by prompt cell at level 1, rounds'
 * aggregate tokens/s above. Prompt-type tables, output match and the k-curve fit
 * stay on one request at a time.
 */
import { configKey, isBaseline, knobFields, launchKey, settingOf, type ConfigKeyed } from '../config-key';
import { redactPlan } from '../redact';
import { REPORT_SCHEMA_VERSION, type ConfigurationResult, type GroupComparison, type LevelDecision, type LevelPick, type Measurement, type Recommendation, type Report } from '../schemas';
import { groupComparisons } from './groups';
import type { BuildReportInput, ConfigRun } from './input';
import { levelPicks, levelsOf, recommendationFor, runsAt } from './levels';
import { recommend } from './recommend';
import { applySlo, decisionRecord, markTies, planFacts, viewAt } from './decide';
import { edgeOfGrid } from './warnings';
import { baselineHashes, levelScatter, shownKnobs, summariseConfig } from './summary';
import { applyTheory, fitTheory, type Theory } from './theory';
import { collectWarnings } from './warnings';

/** The measurements and launches laid out by level: what every step of the build looks up. */
interface Layout {
  byKey: Map<string, Measurement[]>;
  /** Measured levels, lowest first. */
  levels: number[];
  lowest: number;
  /** A configuration's measurements at one level. */
  at: (c: ConfigKeyed, level: number) => Measurement[];
  /** Each launch once, in sweep order. */
  launches: ConfigRun[];
  baselineRun: ConfigRun | undefined;
  /** Baseline output hashes to compare outputs with (temperature 0, level 1), or null. */
  ref: Map<string, string> | null;
}

function byConfigKey(measurements: readonly Measurement[]): Map<string, Measurement[]> {
  const byKey = new Map<string, Measurement[]>();
  for (const m of measurements) {
    const key = configKey(m);
    const list = byKey.get(key) ?? [];
    list.push(m);
    byKey.set(key, list);
  }
  return byKey;
}

function layOut(input: BuildReportInput): Layout {
  const byKey = byConfigKey(input.measurements);
  const levels = levelsOf(input);
  const at = (c: ConfigKeyed, level: number) => byKey.get(configKey({ ...settingOf(c), concurrency: level })) ?? [];
  // Records for one level only refine a launch; the launches themselves, in sweep order, are the rest.
  const all = input.configs.filter((c) => c.concurrency === undefined || !input.configs.some((o) => o.concurrency === undefined && launchKey(o) === launchKey(c)));
  const launches = all.filter((c, i) => all.findIndex((o) => launchKey(o) === launchKey(c)) === i);
  const baselineRun = launches.find((c) => isBaseline(c) && !c.failed);
  // Output match compares with the baseline one request at a time: batched kernels are not batch-invariant.
  const ref = input.plan.temperature === 0 && baselineRun && levels.includes(1) ? baselineHashes(at(baselineRun, 1)) : null;
  return { byKey, levels, lowest: levels[0], at, launches, baselineRun, ref };
}

/** One entry per (launch, level), each against the baseline at its own level. */
function summariseLevels(input: BuildReportInput, { byKey, levels, lowest, at, launches, baselineRun, ref }: Layout): Map<number, ConfigurationResult[]> {
  // Labels name the draft model only when configurations differ by it.
  const show = shownKnobs(input.configs);
  const byLevel = new Map<number, ConfigurationResult[]>();
  for (const level of levels) {
    const baseline = baselineRun ? at(baselineRun, level) : null;
    const runs = runsAt(level, lowest, launches, input.configs, byKey);
    const pooled = levelScatter(runs.map((run) => at(run, level)));
    const entries = runs.map((run) => summariseConfig(run, level, at(run, level), baseline && (level === 1 || baseline.length) ? baseline : null, level === 1 ? ref : null, show, pooled));
    byLevel.set(level, entries);
  }
  return byLevel;
}

/**
 * Every level decided by the same rule (decide.ts), ties marked, one decision record each; level 1's
 * recommendation, with the k-curve fit that explains it (about one request at a time).
 */
function decideLevels(input: BuildReportInput, { levels, at }: Layout, byLevel: Map<number, ConfigurationResult[]>) {
  const facts = input.search ?? planFacts(input.plan);
  const decided = new Map<number, { pick: string; decision: LevelDecision }>();
  const decisions: LevelDecision[] = [];
  let levelOne: Recommendation | null = null;
  const levelOneConfigs = byLevel.get(1) ?? [];
  const theory = fitTheory(levelOneConfigs);
  applyTheory(theory, levelOneConfigs);
  for (const level of levels) {
    const entries = byLevel.get(level) ?? [];
    const { pickable, note } = applySlo(entries, input.plan.slo);
    const view = viewAt(level, pickable, (c) => at(c, level), facts.looks);
    markTies(view, entries);
    const decision = withSloNote(decisionRecord(level, view, entries, facts, (c) => at(c, level)), note);
    decisions.push(decision);
    if (view) decided.set(level, { pick: view.verdict.pick, decision });
    if (level === 1) levelOne = recommend(input.plan.mode === 'attached', entries, view, decision, theory, input.commandFor);
  }
  return { theory, levelOne, decided, decisions };
}

const withSloNote = (d: LevelDecision, note: string | null): LevelDecision => (note ? { ...d, summary: `${note} ${d.summary}` } : d);

/** Prompt-type and system-prompt tables compare single requests: the lowest level's measurements. */
function promptTables(input: BuildReportInput, { lowest, at, launches, baselineRun, ref }: Layout, picks: readonly LevelPick[]) {
  const lowestKeyed = new Map(launches.map((c) => [launchKey(c), at(c, lowest)]));
  const lowestPick = picks.find((p) => p.concurrency === lowest) ?? null;
  const baselineKey = baselineRun ? launchKey(baselineRun) : null;
  const specConfigs = launches.filter((c) => !isBaseline(c) && !c.predicted && !c.failed);
  const groupRef = lowest === 1 ? ref : null;
  const looks = (input.search ?? planFacts(input.plan)).looks;
  const byPromptType = groupComparisons(input.promptTypes, 'promptType', lowestKeyed, baselineKey, specConfigs, groupRef, looks);
  const bySystemPrompt = groupComparisons(input.systemPrompts, 'systemPrompt', lowestKeyed, baselineKey, specConfigs, groupRef, looks);
  const top = byPromptType
    .filter((g) => g.speedupPercent !== null)
    .reduce<GroupComparison | null>((a, g) => (!a || g.speedupPercent! > a.speedupPercent! ? g : a), null);
  // A best use case only where speculation is recommended and gains there: when it loses, none is named.
  const speculating = lowestPick !== null && !isBaseline(lowestPick);
  const bestUseCase = top && speculating && top.speedupPercent! > 0 ? { promptType: top.id, label: top.label, speedupPercent: top.speedupPercent! } : null;
  return { byPromptType, bySystemPrompt, bestUseCase };
}

export function buildReport(input: BuildReportInput): Report {
  const layout = layOut(input);
  const byLevel = summariseLevels(input, layout);
  const configs = [...byLevel.values()].flat();
  const { theory, levelOne, decided, decisions } = decideLevels(input, layout, byLevel);
  const picks = levelPicks(layout.levels, byLevel, levelOne, decided);
  const recommendation = recommendationFor(input, layout.levels, levelOne, picks, configs);
  const { byPromptType, bySystemPrompt, bestUseCase } = promptTables(input, layout, picks);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    createdAt: input.createdAt,
    ...(input.runId ? { runId: input.runId } : {}),
    finishedAt: input.finishedAt,
    status: input.status,
    tool: { name: 'spectune', version: input.toolVersion },
    server: input.server,
    plan: JSON.parse(JSON.stringify(redactPlan(input.plan))) as Record<string, unknown>,
    measurements: [...input.measurements],
    configurations: configs,
    byPromptType,
    bySystemPrompt,
    recommendation,
    bestUseCase,
    theory: theory ? { alpha: theory.alpha, costRatio: theory.costRatio, predictedOptimalK: theory.predictedOptimalK, note: theory.note } : null,
    warnings: [...collectWarnings(input, configs, layout.lowest), ...edgeOfGrid(configs, picks)],
    decision: decisions,
  };
}
