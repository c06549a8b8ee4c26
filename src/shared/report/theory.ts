/** The k-curve model (Leviathan et al.) fitted to what was measured at one request at a time. */
import { alphaFromMeanAcceptanceLength, expectedSpeedup, optimalK } from '../leviathan';
import type { ConfigurationResult } from '../schemas';
import { median, round } from '../stats';

export interface Theory {
  alpha: number;
  costRatio: number;
  predictedOptimalK: number;
  note: string;
  alphaByK: Map<number, number>;
}

/**
 * Fit Leviathan et al. to what was measured: α from each k's mean acceptance
 * length, and the draft cost ratio c that makes the formula reproduce each
 * measured speedup (s = L/(k·c + 1) ⇒ c = (L/s − 1)/k). Medians over k.
 */
export function fitTheory(configs: readonly ConfigurationResult[]): Theory | null {
  const alphaByK = new Map<number, number>();
  const cs: number[] = [];
  for (const c of configs) {
    const k = c.numSpeculativeTokens;
    if (k === null || k === 0 || c.failed || c.meanAcceptanceLength === null) continue;
    const a = alphaFromMeanAcceptanceLength(c.meanAcceptanceLength, k);
    if (a === null) continue;
    alphaByK.set(k, a);
    if (c.speedupPercent !== null) cs.push(Math.max(0, (c.meanAcceptanceLength / (1 + c.speedupPercent / 100) - 1) / k));
  }
  const alpha = median([...alphaByK.values()]);
  const c = median(cs);
  if (alpha === null || c === null) return null;
  const best = optimalK(alpha, c, 16);
  return {
    alpha: round(alpha, 3)!,
    costRatio: round(c, 3)!,
    predictedOptimalK: best,
    note: `Per-token acceptance α≈${alpha.toFixed(2)} and a draft step costing ≈${(c * 100).toFixed(0)}% of a target step predict k=${best} as the optimum (Leviathan et al., 2023).`,
    alphaByK,
  };
}

/** Sets each configuration's theoreticalSpeedupPercent from the fitted model, where its k has an α. */
export function applyTheory(theory: Theory | null, configs: readonly ConfigurationResult[]): void {
  if (!theory) return;
  for (const c of configs) {
    const a = c.numSpeculativeTokens === null ? undefined : theory.alphaByK.get(c.numSpeculativeTokens);
    if (a !== undefined) c.theoreticalSpeedupPercent = round((expectedSpeedup(a, c.numSpeculativeTokens!, theory.costRatio) - 1) * 100, 1);
  }
}
