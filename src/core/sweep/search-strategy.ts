/**
 * The sweep's strategy: the search (src/shared/search/search.ts) over the
 * plan's configurations, driven through the level loop's steps. This file only
 * translates: configurations into candidates and arms, the engine's descriptor
 * into what a switch costs and what acceptance it reports, a step's measurements
 * into the samples a decision compares, and the search's state into the report
 * (predicted configurations, the summary, the facts behind each level's decision).
 */
import { isBaselineConfig, type Engine, type SpecConfig } from '../../engines/engine';
import { armKey, knobFields, launchKey } from '../../shared/config-key';
import { roundScores } from '../../shared/load-figures';
import type { ConfigRun } from '../../shared/report-builder';
import type { SearchFacts } from '../../shared/report/decide';
import { stratumKey } from '../../shared/report/pairing';
import type { AcceptanceStats, AdaptiveSummary, Measurement, SweepPlan } from '../../shared/schemas';
import { searchCaps, defaultStrategy } from '../../shared/search/caps';
import type { Sample } from '../../shared/search/compare';
import { Search, type AcceptanceKind, type SearchCandidate, type SwitchCost } from '../../shared/search/search';
import { levelPlan, requestsPerConfiguration } from './load';
import { switchCostOf } from './switch-cost';
import type { StepResult, StrategyInput, SweepStep, SweepStrategy } from './strategy';
import { summarise } from './strategy';

export function acceptanceKindOf(engine: Engine): AcceptanceKind {
  if (engine.acceptance.kind === 'none') return 'none';
  return engine.descriptor.acceptance.perPosition ? 'per-position' : 'totals';
}

/** The arm a configuration's k-curve belongs to: its method, draft model and cut-off. */
const armOf = (c: SpecConfig) => armKey(c);

const toCandidate = (c: SpecConfig): SearchCandidate => ({ key: launchKey(c), arm: armOf(c), k: c.numSpeculativeTokens ?? 0, baseline: isBaselineConfig(c) });

/** A step's samples: each request in its prompt cell at level 1, each round's aggregate tokens/s above. */
export function samplesOf(level: number, ms: readonly Measurement[]): Sample[] {
  if (level > 1) return roundScores(level, ms).map((value) => ({ stratum: '', value }));
  return ms.flatMap((m) => (m.ok && m.metrics ? [{ stratum: stratumKey(m), value: m.metrics.tokensPerSecond }] : []));
}

function evidenceOf(k: number, a: AcceptanceStats | undefined) {
  if (!a) return null;
  return { k, perPosition: a.perPositionAcceptance, drafts: a.drafts, drafted: a.draftTokens, accepted: a.acceptedTokens, steps: a.steps ?? null };
}

function draftPerStepOf(a: AcceptanceStats | undefined): number | null {
  if (!a || a.draftTokens === null) return null;
  const per = a.draftTokens / (a.drafts || a.steps || NaN);
  return Number.isFinite(per) ? per : null;
}

export class SearchStrategy implements SweepStrategy {
  readonly kind: 'adaptive' | 'exhaustive';
  readonly predicts: boolean;
  private readonly search: Search;
  private readonly candidates: SearchCandidate[];

  constructor(
    private readonly input: StrategyInput,
    private readonly o: { engine: Engine; plan: SweepPlan },
  ) {
    this.candidates = input.configs.map(toCandidate);
    const arms = new Set(this.candidates.filter((c) => !c.baseline).map((c) => c.arm));
    const kPerArm = [...arms].map((arm) => this.candidates.filter((c) => c.arm === arm && c.k > 0).length);
    this.kind = input.requested ?? defaultStrategy(kPerArm);
    this.predicts = this.kind === 'adaptive';
    const switchCost = switchCostOf(o.engine, input.configs);
    const matrix = input.cellsPerRound;
    const caps = searchCaps({
      strategy: this.kind,
      switchCost,
      candidates: this.candidates.length,
      arms: arms.size,
      requestsPerCandidate: requestsPerConfiguration(input.levels, matrix, input.rounds),
      repeats: input.rounds,
      maxRepeats: o.plan.maxRepeats,
    });
    this.search = new Search({
      candidates: this.candidates,
      levels: input.levels,
      strategy: this.kind,
      switchCost,
      acceptance: acceptanceKindOf(o.engine),
      repeats: input.rounds,
      caps,
      requestsPerRound: (level) => (level === 1 ? matrix : levelPlan(level, matrix, 1).perRound),
    });
  }

  next(): SweepStep | null {
    const s = this.search.next();
    return s && { config: s.candidate, level: s.level, fromRound: s.fromRound, rounds: s.rounds };
  }

  observe(step: SweepStep, r: StepResult): void {
    const k = this.candidates[step.config].k;
    const search = { candidate: step.config, level: step.level, fromRound: step.fromRound, rounds: step.rounds, why: '' };
    this.search.observe(search, {
      samples: samplesOf(step.level, r.measurements),
      requests: r.measurements.length,
      failed: r.failed,
      acceptance: evidenceOf(k, r.acceptance),
      draftPerStep: draftPerStepOf(r.acceptance),
    });
  }

  plannedConfigs(): number {
    return this.input.configs.length;
  }

  /** Configurations never measured, with the curve's prediction at the lowest level (adaptive). */
  predictedRuns(): ConfigRun[] {
    if (!this.predicts) return [];
    const level = this.input.levels[0];
    const predictions = this.search.predictions(level);
    return this.input.configs.flatMap((c, i): ConfigRun[] => {
      if (this.search.state(i).attempted) return [];
      const p = predictions.get(i);
      const why = this.search.whyUnmeasured(i, predictions);
      const scale = p ? this.medianScale(p.basedOn, level) : 1;
      return [
        {
          numSpeculativeTokens: c.numSpeculativeTokens,
          draftModel: c.draftModel,
          ...knobFields(c),
          failed: false,
          predicted: true,
          ...(p
            ? {
                prediction: {
                  tokensPerSecond: round2(p.tokensPerSecond * scale),
                  interval: [round2(p.interval[0] * scale), round2(p.interval[1] * scale)],
                  basedOnK: p.basedOn,
                  acceptanceFromK: p.acceptanceFromK,
                  method: p.acceptanceFromK !== null ? 'per-position-acceptance' : 'interpolation',
                  ...(why ? { why } : {}),
                },
              }
            : {}),
        },
      ];
    });
  }

  /**
   * The search predicts on its blocked scale (a geometric mean over prompt cells); the report shows medians
   * over all requests. A prediction is put on the report's scale with the ratio of the two at the measured k
   * it rests on.
   */
  private medianScale(basedOn: readonly number[], level: number): number {
    const ratios = basedOn.flatMap((k) => {
      const i = this.candidates.findIndex((c) => c.k === k && this.search.state(this.candidates.indexOf(c)).attempted);
      const fig = i >= 0 ? this.search.figure(i, level) : null;
      const med = i >= 0 ? this.search.median(i, level) : null;
      return fig && med ? [med / fig] : [];
    });
    return ratios.length ? ratios.reduce((s, x) => s + x, 0) / ratios.length : 1;
  }

  summary(launches: number, requests: number): AdaptiveSummary {
    const facts = this.facts();
    const words = this.input.levels.map((l) => `${l > 1 ? `at ${l} in flight: ` : ''}${stopWords(facts.stop[l])}`).join('; ');
    return summarise(this.input, { strategy: this.kind, launches, requests, decidedBecause: words + (facts.budget ? ` (${facts.budget})` : ''), predictionNote: null });
  }

  /** What the report's decision records need from the search. */
  facts(): SearchFacts {
    return {
      strategy: this.kind,
      looks: this.search.looks,
      initialRounds: this.search.initialRounds,
      stop: Object.fromEntries(this.input.levels.map((l) => [l, this.search.stopReason(l)])),
      budget: this.search.budget,
    };
  }
}

function stopWords(s: string | undefined): string {
  switch (s) {
    case 'separated':
      return 'the pick is faster than every rival beyond the noise';
    case 'tie':
      return 'the pick ties within 1% with the fastest and drafts less';
    case 'cap':
      return 'the caps stopped it with the pick and a rival not yet separated';
    case 'budget':
      return 'the caps left a setting that could still win unmeasured';
    case 'single':
      return 'only one setting could be measured';
    default:
      return 'nothing could be compared';
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;
