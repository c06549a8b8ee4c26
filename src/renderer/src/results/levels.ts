/**
 * Load levels in a report, as the Results screen reads them: which levels were measured, which
 * one a view shows, and what "the best" is at a level. Pure: the decisions are the report's.
 */
import type { ConfigurationResult, LevelPick, Report } from '../../../shared/schemas';
import { configKey } from '../../../shared/config-key';

/** A configuration's load level; reports before load levels measured one request at a time. */
export const levelOf = (c: { concurrency?: number }): number => c.concurrency ?? 1;

/** The distinct levels measured, lowest first. */
export function reportLevels(report: Report): number[] {
  return [...new Set(report.configurations.map(levelOf))].sort((a, b) => a - b);
}

/** The level the overall recommendation is for (the target); else the lowest measured. */
export function targetLevel(report: Report): number {
  const levels = reportLevels(report);
  const target = report.recommendation?.concurrency ?? (typeof report.plan.targetConcurrency === 'number' ? report.plan.targetConcurrency : undefined);
  return target !== undefined && levels.includes(target) ? target : (levels[0] ?? 1);
}

export function atLevel(configs: readonly ConfigurationResult[], level: number): ConfigurationResult[] {
  return configs.filter((c) => levelOf(c) === level);
}

export function pickAt(report: Report, level: number): LevelPick | null {
  return report.recommendation?.byConcurrency?.find((p) => p.concurrency === level) ?? null;
}

/** The key of the configuration recommended at a level: the level's own pick, or the overall one where it is for that level. */
export function bestKeyAt(report: Report, level: number): string | null {
  const pick = pickAt(report, level);
  if (pick) return configKey(pick);
  const rec = report.recommendation;
  return rec && levelOf(rec) === level ? configKey(rec) : null;
}

/** Why a cell is not trusted, in words (the rule is the report builder's: 1.4826 × MAD > 10% of the median). */
export const UNSTABLE_WORDS = 'unstable: its rounds varied by more than 10% of their median, so it is not picked over a steady one';

/**
 * What the per-k tables and charts show for a report: one level's configurations and the best there.
 * A single-level report is shown whole, exactly as before load levels.
 */
export function levelView(report: Report, level: number): { configs: ConfigurationResult[]; best: string | null } {
  if (reportLevels(report).length <= 1) return { configs: report.configurations, best: report.recommendation ? configKey(report.recommendation) : null };
  return { configs: atLevel(report.configurations, level), best: bestKeyAt(report, level) };
}
