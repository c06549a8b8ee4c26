/**
 * One pick per load level, in the report's words, and what the overall pick
 * costs at the other levels. Pure; used by the report builder.
 *
 * Level 1 keeps the paired per-request rule (report/recommend.ts's recommend()); its
 * answer is only re-expressed here. Levels above 1 use load-decision.ts.
 */
import { configKey, isBaseline, launchKey, type ConfigKeyed } from './config-key';
import { decideLevel, LOAD_TIE_PERCENT, MIN_ROUNDS } from './load-decision';
import type { ConfigurationResult, LevelPick, Recommendation } from './schemas';
import { percentChange, round } from './stats';

export function kWords(c: ConfigKeyed): string {
  return c.numSpeculativeTokens === null ? (c.draftModel ? `draft ${c.draftModel}` : 'the engine default') : `k=${c.numSpeculativeTokens}`;
}

/**
 * The figure levels are compared on: per-request median tokens/s at level 1 (what one
 * user waits for), aggregate tokens/s above it (what the server turns out).
 */
export function levelFigure(c: ConfigurationResult): number | null {
  return (c.concurrency ?? 1) > 1 ? (c.aggregateTokensPerSecond ?? null) : c.tokensPerSecond;
}

const sameLaunch = (a: ConfigKeyed, b: ConfigKeyed) => launchKey(a) === launchKey(b);

/** Level 1: the recommend() answer as a LevelPick (its figures read from the matching entry). */
export function pickFromRecommendation(rec: Recommendation, entries: readonly ConfigurationResult[]): LevelPick {
  const entry = entries.find((c) => !c.failed && sameLaunch(c, rec));
  return {
    concurrency: 1,
    numSpeculativeTokens: rec.numSpeculativeTokens,
    draftModel: rec.draftModel ?? null,
    tokensPerSecond: rec.tokensPerSecond,
    aggregateTokensPerSecond: entry?.aggregateTokensPerSecond ?? null,
    speedupPercent: rec.speedupPercent,
    conservativeScore: entry?.conservativeScore ?? null,
    unstable: entry?.unstable ?? false,
    confidence: rec.confidence,
    reason: rec.reason,
  };
}

/** The entries of one level as the load decision sees them, with its pick and tie marks. */
export function pickAtLoad(level: number, entries: readonly ConfigurationResult[]): { pick: LevelPick; tied: ConfigurationResult[] } | null {
  const d = decideLevel(entries);
  if (!d) return null;
  const p = d.pick;
  const baseline = entries.find((c) => isBaseline(c) && !c.failed) ?? null;
  // Aggregate throughput is what this level's decision weighs, so the speedup is of that too.
  const speedup = isBaseline(p) ? (baseline ? 0 : null) : round(percentChange(p.aggregateTokensPerSecond ?? null, baseline?.aggregateTokensPerSecond ?? null), 1);
  const parts = [
    `At ${level} in flight ${kWords(p)} turns out the most: ${fmt(p.aggregateTokensPerSecond)} tok/s in all (conservative score ${fmt(p.conservativeScore)} = median − 1.4826 × MAD of ${d.rounds} round${d.rounds === 1 ? '' : 's'}).`,
  ];
  if (d.pick !== d.best) parts.push(`${kWords(d.best)} scored within ${LOAD_TIE_PERCENT}% of it (${fmt(d.best.conservativeScore)}), so the smaller k is picked: the same throughput for less draft work.`);
  if (baseline && !isBaseline(p) && speedup !== null) parts.push(`That is ${signed(speedup)} vs no speculation at this level.`);
  if (baseline && isBaseline(p)) {
    const others = entries.filter((c) => !isBaseline(c) && !c.failed && c.aggregateTokensPerSecond !== null && c.aggregateTokensPerSecond !== undefined);
    if (others.length) parts.push('Speculation does not pay at this load: verifying drafts for every request in the batch costs more than it saves.');
  }
  if (d.allUnstable) parts.push('Every configuration at this level was unstable (round scores spread more than 10% of their median): measure again on a quieter machine.');
  else if (p.unstable) parts.push('Its round scores spread more than 10% of their median (unstable): it wins on its conservative score even so, but measure again with more --repeats or on a quieter machine to be sure.');
  if (d.rounds < MIN_ROUNDS) parts.push(`Only ${d.rounds} round${d.rounds === 1 ? '' : 's'} back${d.rounds === 1 ? 's' : ''} it (${MIN_ROUNDS} needed for a spread): low confidence, run more repeats.`);
  return {
    tied: d.tied,
    pick: {
      concurrency: level,
      numSpeculativeTokens: p.numSpeculativeTokens,
      draftModel: p.draftModel ?? null,
      tokensPerSecond: p.tokensPerSecond,
      aggregateTokensPerSecond: p.aggregateTokensPerSecond ?? null,
      speedupPercent: speedup,
      conservativeScore: p.conservativeScore ?? null,
      unstable: d.allUnstable || p.unstable === true,
      confidence: d.confidence,
      reason: parts.join(' '),
    },
  };
}

/**
 * What the chosen configuration costs (or gains) at each other level against that level's own
 * pick, e.g. "At 32 in flight k=5 is 23% slower than k=0 (that level's pick)."
 */
export function costElsewhere(chosen: ConfigKeyed, level: number, picks: readonly LevelPick[], entries: readonly ConfigurationResult[]): string[] {
  const out: string[] = [];
  for (const p of picks) {
    if (p.concurrency === level) continue;
    const at = (c: ConfigKeyed) => entries.find((e) => !e.failed && (e.concurrency ?? 1) === p.concurrency && sameLaunch(e, c)) ?? null;
    const mine = at(chosen);
    const theirs = at(p);
    if (sameLaunch(chosen, p)) {
      out.push(`At ${p.concurrency} in flight ${kWords(chosen)} is that level's pick too.`);
      continue;
    }
    const change = mine && theirs ? percentChange(levelFigure(mine), levelFigure(theirs)) : null;
    const unit = p.concurrency > 1 ? 'aggregate tok/s' : 'per-request tok/s';
    if (change === null) out.push(`At ${p.concurrency} in flight ${kWords(chosen)} was not measured; ${kWords(p)} is that level's pick.`);
    else if (Math.abs(change) < 0.5) out.push(`At ${p.concurrency} in flight ${kWords(chosen)} is as fast as ${kWords(p)} (that level's pick).`);
    else out.push(`At ${p.concurrency} in flight ${kWords(chosen)} is ${Math.abs(change).toFixed(0)}% ${change < 0 ? 'slower' : 'faster'} than ${kWords(p)} (that level's pick, ${unit}).`);
  }
  return out;
}

/** configKey of a pick at its level: what the report's tables mark as the level's choice. */
export function pickKey(p: LevelPick): string {
  return configKey({ numSpeculativeTokens: p.numSpeculativeTokens, draftModel: p.draftModel ?? null, concurrency: p.concurrency });
}

function fmt(x: number | null | undefined): string {
  return x === null || x === undefined ? 'n/a' : x.toFixed(1);
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`;
}
