/**
 * How much a search may spend, as promised in the README. "The plan's requests
 * per k" (R) is one candidate's first measurement: prompt cells × --repeats at
 * every load level.
 *
 * - Adaptive (more than three k > 0 on an arm, or asked for): at most 4 + 2 × arms
 *   launches on restart engines (6 for one arm; a relaunch counts), one on engines
 *   that take k per request, and (3 + 4 × arms) × R requests (7R for one arm).
 * - Exhaustive over n candidates: at most n + 2 launches and 3 × n × R requests.
 * - Either way, at most --max-repeats rounds for one candidate at one level (default
 *   3 × --repeats); the caps above take precedence.
 * Reload engines (Ollama reloads the model on each change) are not capped in
 * launches: each k needs its own reload, and one costs seconds, not minutes.
 */
import type { SwitchCost } from './search';

export interface CapsInput {
  strategy: 'adaptive' | 'exhaustive';
  switchCost: SwitchCost;
  /** Candidates in the plan (baseline included). */
  candidates: number;
  /** Arms (method × draft model × cut-off) the candidates are spread over. */
  arms: number;
  /** R: requests of one candidate's first measurement (cells × repeats × levels). */
  requestsPerCandidate: number;
  repeats: number;
  /** --max-repeats; default 3 × repeats. */
  maxRepeats?: number;
}

export interface Caps {
  launches: number | null;
  requests: number;
  roundsPerLevel: number;
}

export function searchCaps(o: CapsInput): Caps {
  const arms = Math.max(1, o.arms);
  const adaptive = o.strategy === 'adaptive';
  const launches = o.switchCost === 'free' ? 1 : o.switchCost === 'reload' ? null : adaptive ? 4 + 2 * arms : o.candidates + 2;
  const requests = (adaptive ? 3 + 4 * arms : 3 * o.candidates) * o.requestsPerCandidate;
  return { launches, requests, roundsPerLevel: Math.max(o.repeats, o.maxRepeats ?? 3 * o.repeats) };
}

/** The default strategy: adaptive when some arm has more than three k > 0 to choose from. */
export function defaultStrategy(kPerArm: readonly number[]): 'adaptive' | 'exhaustive' {
  return kPerArm.some((n) => n > 3) ? 'adaptive' : 'exhaustive';
}
