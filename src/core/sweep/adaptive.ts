/**
 * Which strategy a sweep runs (chooseStrategy), and the adaptive one: the
 * baseline and the largest k, then whatever the predicted
 * k-curve (src/shared/adaptive/predict.ts) says could still change the pick,
 * refitting after every configuration; each configuration also stops early once
 * the sequential rule says its figure is good enough — except one that could be
 * the pick, which gets its full sample — or the request budget
 * (src/shared/adaptive/budget.ts) wants its requests for the candidates to come.
 * Configurations never measured go to the report as predicted, never as measured;
 * the report recommends the k this driver picked (pick()).
 */
import { isBaselineConfig, type SpecConfig } from '../../engines/engine';
import type { ConfigRun } from '../../shared/report-builder';
import { median, medianCI } from '../../shared/stats';
import type { AcceptanceStats, AdaptiveSummary, Measurement } from '../../shared/schemas';
import { predictCurve, type CurvePrediction, type MeasuredPoint } from '../../shared/adaptive/predict';
import { measuredPick, nextStep } from '../../shared/adaptive/decide';
import { budgetSaysStop, requestBudget } from '../../shared/adaptive/budget';
import { sequentialInterval, sequentialRule, shouldStopEarly, type SequentialRule } from '../../shared/adaptive/sequential';
import { ExhaustiveStrategy, summarise, type StepResult, type StrategyInput, type SweepStep, type SweepStrategy } from './strategy';

const okTps = (ms: readonly Measurement[]) => ms.flatMap((m) => (m.ok && m.metrics ? [m.metrics.tokensPerSecond] : []));

/** Adaptive needs a grid of k on one draft, with the baseline in it; anything else runs exhaustively. */
function adaptable(configs: readonly SpecConfig[]): boolean {
  const ks = configs.map((c) => c.numSpeculativeTokens);
  if (ks.some((k) => k === null)) return false;
  if (!configs.some(isBaselineConfig)) return false;
  return new Set(configs.filter((c) => !isBaselineConfig(c)).map((c) => c.draftModel ?? '')).size <= 1;
}

/** Adaptive when asked for, or by default on a grid of more than three k > 0, where it fits; exhaustive otherwise. */
export function chooseStrategy(input: StrategyInput): SweepStrategy {
  const spec = input.configs.filter((c) => (c.numSpeculativeTokens ?? 0) > 0).length;
  const wanted = input.requested ?? (spec > 3 ? 'adaptive' : 'exhaustive');
  if (wanted !== 'adaptive' || !adaptable(input.configs)) return new ExhaustiveStrategy(input);
  // The adaptive predictor models single-stream speed only: under load every k is measured at every level.
  if (input.levels.length > 1 || input.levels[0] !== 1) {
    return new ExhaustiveStrategy(input, `load levels ${input.levels.join(',')}: every k measured at every level (the adaptive predictor models single-stream speed only)`);
  }
  return new AdaptiveStrategy(input);
}

class AdaptiveStrategy implements SweepStrategy {
  readonly kind = 'adaptive' as const;
  readonly predicts = true;
  private readonly rule: SequentialRule;
  private readonly grid: number[];
  private readonly attempted = new Set<number>();
  private readonly failed = new Set<number>();
  private readonly points = new Map<number, MeasuredPoint>();
  /** Every measurement of each k so far (a k measured again adds to its sample). */
  private readonly samples = new Map<number, Measurement[]>();
  private curve: CurvePrediction | null = null;
  private decidedBecause: string | null = null;

  /** At most this many k measured: half the grid (at least 3), so adaptive never costs more than half an exhaustive sweep. */
  private readonly budget: number;
  /** Requests the sweep may send in all (src/shared/adaptive/budget.ts), and those sent for finished configurations. */
  private readonly requestBudget: number;
  private spent = 0;
  /** Measured first for the curve (the baseline and the largest k), not because they were predicted to win. */
  private readonly anchors: ReadonlySet<number>;

  /** Requests in a full sample of one k: the prompt matrix × the plan's repeats. */
  private readonly fullSample: number;

  constructor(private readonly input: StrategyInput) {
    this.fullSample = input.cellsPerRound * input.rounds;
    this.rule = sequentialRule(this.fullSample, input.cellsPerRound);
    this.budget = Math.max(3, Math.floor(input.configs.length / 2));
    this.grid = input.configs.map((c) => c.numSpeculativeTokens!);
    this.anchors = new Set([0, Math.max(...this.grid)]);
    this.requestBudget = requestBudget({ fullSample: this.fullSample, minSamples: this.rule.minSamples, maxConfigs: Math.min(this.budget, this.grid.length) });
  }

  plannedConfigs(): number {
    return Math.min(this.budget, this.grid.length);
  }

  private indexOf(k: number): number {
    return this.grid.indexOf(k);
  }

  private refit(): CurvePrediction {
    this.curve = predictCurve(this.grid, [...this.points.values()]);
    return this.curve;
  }

  next(): SweepStep | null {
    // Baseline first (everything is compared with it), then the largest k (its counters give every position's acceptance).
    const first = [0, Math.max(...this.grid)].find((k) => !this.attempted.has(k));
    if (first !== undefined) return this.take(first);
    for (;;) {
      const d = nextStep(this.refit(), new Set([...this.failed, ...[...this.attempted].filter((a) => !this.points.has(a))]));
      if (d.kind === 'decided') {
        this.decidedBecause = d.why;
        return null;
      }
      if (!this.attempted.has(d.k)) {
        if (this.attempted.size >= this.budget) {
          this.decidedBecause = `measurement budget reached (${this.budget} of ${this.grid.length} k): the pick is the best measured k; k=${d.k} was still open (${d.why})`;
          return null;
        }
        return this.take(d.k);
      }
      // Attempted but gave no figure: never again (guards a loop).
      this.failed.add(d.k);
    }
  }

  private take(k: number): SweepStep {
    this.attempted.add(k);
    // Each k is taken once, with its full sample's rounds (the per-request rule may stop it sooner).
    return { config: this.indexOf(k), level: 1, fromRound: 0, rounds: this.input.rounds };
  }

  /** The figure and interval a measured configuration contributes: median, widened for the looks taken. */
  private pointFrom(k: number, acceptance: AcceptanceStats | undefined, ms: readonly Measurement[]): MeasuredPoint | null {
    const xs = okTps(ms);
    const med = median(xs);
    if (med === null || med <= 0) return null;
    const seq = sequentialInterval(xs, this.rule);
    const half = seq ? (seq.interval[1] - seq.interval[0]) / 2 : null;
    const ci = medianCI(xs);
    const interval: [number, number] = half !== null ? [med - half, med + half] : ci ? [Math.min(ci[0], med * 0.95), Math.max(ci[1], med * 1.05)] : [med * 0.9, med * 1.1];
    return { k, tokensPerSecond: med, interval, perPositionAcceptance: acceptance?.perPositionAcceptance ?? [], drafts: acceptance?.drafts ?? null };
  }

  observe(step: SweepStep, result: StepResult): void {
    const k = this.grid[step.config];
    this.spent += result.measurements.length;
    const sample = [...(this.samples.get(k) ?? []), ...result.measurements];
    this.samples.set(k, sample);
    const p = result.failed ? null : this.pointFrom(k, result.acceptance, sample);
    if (p) this.points.set(k, p);
    else this.failed.add(k);
  }

  shouldStop(step: SweepStep, measurements: readonly Measurement[]): boolean {
    const k = this.grid[step.config];
    const xs = okTps(measurements);
    // Never before the minimum sample, whatever the budget or the intervals say.
    if (xs.length < this.rule.minSamples) return false;
    const others = [...this.points.values()].filter((p) => p.k !== k);
    const leads = others.length > 0 && (median(xs) ?? 0) > Math.max(...others.map((p) => p.tokensPerSecond));
    // Could it be the pick? Every k measured after the two anchors was chosen because it could (the predicted
    // best, or a rival able to overturn the leader); an anchor once it leads what was measured so far (an
    // optimum at the grid's edge is the largest k itself). Those get their full sample: the pick is decided by
    // comparing them, and a short sample there lost an edge optimum to its neighbour (issue 9).
    const candidate = !this.anchors.has(k) || leads;
    const configsLeft = Math.max(0, this.budget - this.attempted.size);
    const look = { budget: this.requestBudget, spent: this.spent, taken: measurements.length, configsLeft, minSamples: this.rule.minSamples, fullSample: this.fullSample };
    if (budgetSaysStop({ ...look, candidate })) return true;
    const bestOther = others.filter((p) => p.interval).reduce<[number, number] | null>((b, p) => (!b || p.interval![0] > b[0] ? p.interval : b), null);
    return shouldStopEarly(xs, this.rule, { bestOther, precision: STOP_PRECISION, fullSample: candidate }).stop;
  }

  pick(): SpecConfig | null {
    if (!this.points.size) return null;
    const p = measuredPick(this.refit().points);
    return p ? this.input.configs[this.indexOf(p.k)] : null;
  }

  predictedRuns(): ConfigRun[] {
    const curve = this.curve ?? this.refit();
    return this.input.configs.flatMap((c, i): ConfigRun[] => {
      const k = this.grid[i];
      if (this.attempted.has(k)) return [];
      const p = curve.points.find((x) => x.k === k);
      return [
        {
          numSpeculativeTokens: k,
          draftModel: c.draftModel,
          failed: false,
          predicted: true,
          ...(p
            ? {
                prediction: {
                  tokensPerSecond: round2(p.tokensPerSecond),
                  interval: [round2(p.interval[0]), round2(p.interval[1])],
                  basedOnK: p.basedOn,
                  acceptanceFromK: p.acceptanceFromK,
                  method: curve.usesAcceptance ? 'per-position-acceptance' : 'interpolation',
                },
              }
            : {}),
        },
      ];
    });
  }

  summary(launches: number, requests: number): AdaptiveSummary {
    return summarise(this.input, { strategy: 'adaptive', launches, requests, decidedBecause: this.decidedBecause, predictionNote: this.curve?.note ?? null });
  }
}

/** A configuration is measured enough once its look-widened interval is within ±3% (the tie rule's 1% sits inside the prediction's error anyway). */
const STOP_PRECISION = 0.03;

const round2 = (x: number) => Math.round(x * 100) / 100;
