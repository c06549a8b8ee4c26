/**
 * One pick per load level, in the report's words, and what the overall pick
 * costs at the other levels. Pure; used by the report builder.
 *
 * Every level is decided by the same rule (report/decide.ts): level 1 compares requests
 * blocked by prompt cell, levels above compare rounds by their aggregate tokens/s.
 */
import { isBaseline, knobFields, launchKey, type ConfigKeyed } from './config-key';
import type { ConfigurationResult, LevelDecision, LevelPick, Recommendation } from './schemas';
import { shownKnobs } from './report/summary';
import { percentChange, round } from './stats';

export function kWords(c: ConfigKeyed): string {
  return c.numSpeculativeTokens === null ? (c.draftModel ? `draft ${c.draftModel}` : 'the engine default') : `k=${c.numSpeculativeTokens}`;
}

/**
 * kWords that also name the knobs which differ among `all` (a sweep over arms): "k=3 · ngram-simple",
 * "k=5 · p_min 0.3", so a decision between arms never reads "k=3 over k=3".
 */
export function settingWordsAmong(all: readonly ConfigKeyed[]): (c: ConfigKeyed) => string {
  const show = shownKnobs(all);
  return (c) => {
    if (isBaseline(c) || c.numSpeculativeTokens === null) return kWords(c);
    const parts = [kWords(c), show.method && c.method ? c.method : null, show.draft && c.draftModel ? c.draftModel : null, show.pMin && c.draftPMin != null ? `p_min ${c.draftPMin}` : null];
    return parts.filter(Boolean).join(' · ');
  };
}

/**
 * The figure levels are compared on: per-request median tokens/s at level 1 (what one
 * user waits for), aggregate tokens/s above it (what the server turns out).
 */
function levelFigure(c: ConfigurationResult): number | null {
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
    ...knobFields(rec),
    tokensPerSecond: rec.tokensPerSecond,
    aggregateTokensPerSecond: entry?.aggregateTokensPerSecond ?? null,
    speedupPercent: rec.speedupPercent,
    conservativeScore: entry?.conservativeScore ?? null,
    unstable: entry?.unstable ?? false,
    confidence: rec.confidence,
    reason: rec.reason,
  };
}

/**
 * The pick at one level above 1 as a LevelPick: the level's decision (report/decide.ts, rounds compared
 * by their aggregate tokens/s) with what the pick turns out and what it gains over no speculation there.
 */
export function pickAtLoad(level: number, entries: readonly ConfigurationResult[], pickKeyOf: string, decision: LevelDecision): LevelPick | null {
  const p = entries.find((c) => !c.failed && launchKey(c) === pickKeyOf);
  if (!p) return null;
  const baseline = entries.find((c) => isBaseline(c) && !c.failed) ?? null;
  // Aggregate throughput is what this level's decision weighs, so the speedup is of that too.
  const speedup = isBaseline(p) ? (baseline ? 0 : null) : round(percentChange(p.aggregateTokensPerSecond ?? null, baseline?.aggregateTokensPerSecond ?? null), 1);
  const parts = [`At ${level} in flight ${kWords(p)} turns out the most: ${fmt(p.aggregateTokensPerSecond)} tok/s in all.`];
  if (baseline && !isBaseline(p) && speedup !== null) parts.push(`That is ${signed(speedup)} vs no speculation at this level.`);
  if (baseline && isBaseline(p) && entries.some((c) => !isBaseline(c) && !c.failed && c.aggregateTokensPerSecond != null)) {
    parts.push('Speculation does not pay at this load: verifying drafts for every request in the batch costs more than it saves.');
  }
  parts.push(decision.summary);
  const rounds = p.roundScores?.length ?? 0;
  if (rounds < 3) parts.push(`Only ${rounds} round${rounds === 1 ? '' : 's'} back${rounds === 1 ? 's' : ''} it: run more repeats to be sure.`);
  if (p.unstable) parts.push('Its round scores spread more than 10% of their median (unstable): measure again with more --repeats or on a quieter machine to be sure.');
  return {
    concurrency: level,
    numSpeculativeTokens: p.numSpeculativeTokens,
    draftModel: p.draftModel ?? null,
    ...knobFields(p),
    tokensPerSecond: p.tokensPerSecond,
    aggregateTokensPerSecond: p.aggregateTokensPerSecond ?? null,
    speedupPercent: speedup,
    conservativeScore: p.conservativeScore ?? null,
    unstable: p.unstable === true,
    confidence: decision.confidence,
    reason: parts.join(' '),
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

function fmt(x: number | null | undefined): string {
  return x === null || x === undefined ? 'n/a' : x.toFixed(1);
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`;
}
