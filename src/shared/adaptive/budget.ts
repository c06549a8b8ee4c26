/**
 * The adaptive sweep's request budget, on top of the sequential stop.
 *
 * The sequential rule stops a configuration once its figure is precise. On a noisy
 * server that never happens within one configuration's requests, so every
 * configuration ran its full sample and the sweep spent 44% of an exhaustive run's
 * requests. The budget: the minimum sample for the first configuration (the
 * baseline, measured for the curve, not because it could win) plus a full sample
 * for every other configuration the sweep may measure — on a 0..8 grid at 6 repeats
 * 3 + 3 × 6 = 21 of 54 requests (39%).
 *
 * Spending it: a configuration that could be the pick keeps measuring as long as
 * what is left still covers the minimum sample of every configuration still to come;
 * one measured only for the curve stops at its minimum once going on would eat into
 * the full samples kept for the candidates to come. Nothing here stops a
 * configuration before its minimum sample: the caller checks that first.
 */

/** Requests an adaptive sweep may send: one minimum sample plus a full sample for each further configuration. */
export function requestBudget(opts: { fullSample: number; minSamples: number; maxConfigs: number }): number {
  return opts.minSamples + opts.fullSample * Math.max(0, opts.maxConfigs - 1);
}

export interface BudgetLook {
  /** The budget (requestBudget). */
  budget: number;
  /** Requests sent for configurations already finished. */
  spent: number;
  /** Requests sent for this configuration so far. */
  taken: number;
  /** Configurations the sweep may still measure after this one. */
  configsLeft: number;
  minSamples: number;
  fullSample: number;
  /** This configuration could be the pick: it only has to leave the minimum for the rest. */
  candidate: boolean;
}

/** True when one more request for this configuration would take what the configurations to come are owed. */
export function budgetSaysStop(b: BudgetLook): boolean {
  const owed = b.configsLeft * (b.candidate ? b.minSamples : b.fullSample);
  return b.spent + b.taken + owed >= b.budget;
}
