/**
 * Tolerant reads of report fields that newer reports carry and this schema may not
 * (engine, draft model, concurrency, aggregate throughput, predicted figures, why
 * acceptance is missing). The exporters read them only through here, so they typecheck
 * against the current schema and keep working, unchanged, once the schema grows them.
 * A field of the wrong type counts as absent: an export never fails on a stray value.
 */
import type { ConfigurationResult, Recommendation } from '../schemas';
import { isRecommended, settingOf, type ConfigKeyed } from '../config-key';

export interface ConfigurationExtras {
  engine: string | null;
  draftModel: string | null;
  /** The method in the engine's words; null: the engine's default (and reports before version 3). */
  method: string | null;
  /** The draft's confidence cut-off; null where there is none. */
  draftPMin: number | null;
  /** Parallel requests this row was measured at; null when the sweep had one level. */
  concurrency: number | null;
  aggregateTokensPerSecond: number | null;
  /** A figure from the model of the k-curve, not from a request: never shown as measured. */
  predicted: boolean;
  /** Set when the engine reports no acceptance: the reason, shown instead of a number. */
  acceptanceNotReported: string | null;
}

export interface RecommendationExtras {
  engine: string | null;
  draftModel: string | null;
}

function field(obj: unknown, key: string): unknown {
  return obj !== null && typeof obj === 'object' ? (obj as Record<string, unknown>)[key] : undefined;
}

function text(obj: unknown, key: string): string | null {
  const v = field(obj, key);
  return typeof v === 'string' && v.trim() !== '' ? v : null;
}

/** A finite number, else null (NaN and Infinity have no place in a table). */
export function finite(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function configurationExtras(c: ConfigurationResult): ConfigurationExtras {
  return {
    engine: text(c, 'engine'),
    draftModel: text(c, 'draftModel'),
    method: text(c, 'method'),
    draftPMin: finite(field(c, 'draftPMin')),
    concurrency: finite(field(c, 'concurrency')),
    aggregateTokensPerSecond: finite(field(c, 'aggregateTokensPerSecond')),
    predicted: field(c, 'predicted') === true,
    acceptanceNotReported: text(c, 'acceptanceSource'),
  };
}

export function recommendationExtras(r: Recommendation | null | undefined): RecommendationExtras {
  return { engine: text(r, 'engine'), draftModel: text(r, 'draftModel') };
}

/** Two-number interval, or null when absent or malformed. */
export function interval(v: unknown): [number, number] | null {
  if (!Array.isArray(v) || v.length !== 2) return null;
  const lo = finite(v[0]);
  const hi = finite(v[1]);
  return lo === null || hi === null ? null : [lo, hi];
}

/** The load level a row or a recommendation is for (absent: 1, reports before load levels). */
export function levelOf(obj: unknown): number {
  return finite(field(obj, 'concurrency')) ?? 1;
}

/** The report measured several load levels, or one above 1: tables show the level and the total throughput. */
export function hasLoadLevels(configs: readonly ConfigurationResult[]): boolean {
  const levels = new Set(configs.map(levelOf));
  return levels.size > 1 || [...levels].some((l) => l > 1);
}

/**
 * Is this row the recommendation: its configuration at the recommendation's level. A recommendation
 * without a level (reports before load levels) matches on the configuration alone.
 */
export function isRecommendedRow(c: ConfigurationResult, rec: (ConfigKeyed & { concurrency?: number }) | null | undefined): boolean {
  if (!rec || !isRecommended(c, rec)) return false;
  return field(rec, 'concurrency') === undefined || levelOf(c) === levelOf(rec);
}

/** "best at 32 in flight" on a row that is another level's pick (not the recommendation), else "". */
export function levelPickMark(c: ConfigurationResult, rec: Recommendation | null | undefined): string {
  if (c.failed) return '';
  const pick = (rec?.byConcurrency ?? []).find((p) => p.concurrency === levelOf(c));
  if (!pick || pick.concurrency === levelOf(rec) || !isRecommended(c, settingOf(pick))) return '';
  return `best at ${pick.concurrency} in flight`;
}

/**
 * The configuration a recommendation points at: same k, measured rather than predicted
 * when the report has both (several concurrency levels), so an answer is called
 * "predicted" only when nothing behind it was measured.
 */
export function recommendedConfiguration(configs: readonly ConfigurationResult[], rec: ConfigKeyed | null | undefined): ConfigurationResult | null {
  if (!rec) return null;
  const same = configs.filter((c) => isRecommendedRow(c, rec) && !c.failed);
  return same.find((c) => !configurationExtras(c).predicted) ?? same[0] ?? null;
}
