/**
 * What the sweep measures next, as steps: a configuration at a load level for
 * some rounds of the prompt matrix. The level loop asks `next()`, measures the
 * step, and tells the strategy what came of it (`observe`) before it records
 * it. Measuring a configuration more is one more step with `fromRound`
 * continuing its rounds; the same configuration may come back after others ran.
 *
 * The one strategy is the search (./search-strategy.ts): exhaustive or adaptive,
 * it measures until each level is decided or a cap stops it.
 */
import type { SpecConfig } from '../../engines/engine';
import type { ConfigRun } from '../../shared/report-builder';
import type { AcceptanceStats, AdaptiveSummary, Measurement, ServerSettings, SweepStrategyKind } from '../../shared/schemas';
import type { SearchFacts } from '../../shared/report/decide';

export interface SweepStep {
  /** Index into the sweep's configurations. */
  config: number;
  /** Requests in flight: 1 = one at a time. */
  level: number;
  /** The first round's number (a configuration measured again continues its numbering). */
  fromRound: number;
  rounds: number;
}

export interface StepResult {
  /** What this step measured (a configuration that could not be set up: none). */
  measurements: readonly Measurement[];
  /** The configuration failed (crashed, refused, not drafting, could not launch). */
  failed: boolean;
  /** Its acceptance at this level over every step so far. */
  acceptance: AcceptanceStats | undefined;
}

export interface SweepStrategy {
  readonly kind: SweepStrategyKind;
  /** Configurations it leaves unmeasured go to the report as predicted, so measured ones say `predicted: false`. */
  readonly predicts: boolean;
  /** The next step; null when the sweep is done. */
  next(): SweepStep | null;
  /** A step finished (measured, failed, or skipped by the engine): what it measured and what became of the configuration. */
  observe(step: SweepStep, result: StepResult): void;
  /** The configurations not measured, as predicted runs (adaptive; exhaustive: none). */
  predictedRuns(): ConfigRun[];
  summary(launches: number, requests: number): AdaptiveSummary;
  /** Configurations the sweep expects to measure at most (progress and ETA count these, not the whole grid). */
  plannedConfigs(): number;
  /** How it searched, for the report's decision records. */
  facts(): SearchFacts;
}

export interface StrategyInput {
  requested: SweepStrategyKind | undefined;
  configs: readonly SpecConfig[];
  /** Requests in one round of the prompt matrix at level 1, and the rounds a configuration gets (plan.repeats). */
  cellsPerRound: number;
  rounds: number;
  /** Load levels, ascending. */
  levels: readonly number[];
  /** Managed mode: launch settings per configuration (equal = no restart); attached: null. */
  launchFor: (c: SpecConfig) => ServerSettings | null;
}

/** Launches an exhaustive sweep would make: one per change of launch settings along the order. */
function exhaustiveLaunches(input: StrategyInput): number {
  let n = 0;
  let last: string | null = null;
  for (const c of input.configs) {
    const s = input.launchFor(c);
    if (!s) continue;
    const key = JSON.stringify(s);
    if (key !== last) n++;
    last = key;
  }
  return n;
}

/** What a strategy used, beside what measuring every configuration would have needed. */
export function summarise(input: StrategyInput, used: Omit<AdaptiveSummary, 'exhaustiveLaunches' | 'exhaustiveRequests'>): AdaptiveSummary {
  return { ...used, exhaustiveLaunches: exhaustiveLaunches(input), exhaustiveRequests: input.configs.length * input.cellsPerRound * input.rounds };
}
