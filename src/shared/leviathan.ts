/**
 * Speculative-decoding theory from Leviathan et al. (ICML 2023), "Fast Inference
 * from Transformers via Speculative Decoding". With per-token acceptance α, k
 * draft tokens and a draft/target cost ratio c:
 *   expected tokens per target step  = (1 − α^(k+1)) / (1 − α)
 *   expected walltime speedup        = (1 − α^(k+1)) / ((1 − α)(k·c + 1))
 * The simulator's timing follows these; the report uses them to explain results.
 */

export function expectedTokensPerStep(alpha: number, k: number): number {
  if (k <= 0) return 1;
  if (alpha >= 1) return k + 1;
  return (1 - alpha ** (k + 1)) / (1 - alpha);
}

export function expectedSpeedup(alpha: number, k: number, c: number): number {
  return expectedTokensPerStep(alpha, k) / (k * c + 1);
}

/** The k in [1, maxK] with the highest expected speedup. */
export function optimalK(alpha: number, c: number, maxK = 16): number {
  let best = 1;
  for (let k = 2; k <= maxK; k++) if (expectedSpeedup(alpha, k, c) > expectedSpeedup(alpha, best, c)) best = k;
  return best;
}

/**
 * Per-token acceptance α that explains a measured mean acceptance length L at k
 * (L = expected tokens per step). Bisection: the function is increasing in α.
 */
export function alphaFromMeanAcceptanceLength(L: number, k: number): number | null {
  if (k <= 0 || !Number.isFinite(L) || L < 1 || L > k + 1) return null;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (expectedTokensPerStep(mid, k) < L) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
