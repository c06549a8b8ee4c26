/**
 * A level's decision in the user's words: why this setting, how sure, and what
 * more measuring would do. Pure; the report builder and the CLI share it.
 */
import type { Comparison } from './compare';
import { TIE_SHARE, type Verdict } from './decide';
import type { StopReason } from './search';

export function signedPct(ratio: number): string {
  const p = (ratio - 1) * 100;
  return `${p >= 0 ? '+' : '−'}${Math.abs(p).toFixed(1)}%`;
}

export function intervalWords(c: Comparison | null): string {
  return c?.interval ? `${signedPct(c.interval[0])} … ${signedPct(c.interval[1])}` : 'unknown';
}

/** "2 extra rounds of k=4 and 1 of k=6" — or null when no extra round was taken. */
export function extraRoundsWords(extra: readonly { label: string; rounds: number }[]): string | null {
  if (!extra.length) return null;
  const parts = extra.map((e, i) => (i === 0 ? `${e.rounds} extra round${e.rounds === 1 ? '' : 's'} of ${e.label}` : `${e.rounds} of ${e.label}`));
  return parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

export interface VerdictWordsInput {
  verdict: Verdict;
  stop: StopReason;
  label: (key: string) => string;
  /** Rounds the leader and its rival have at this level. */
  rounds: (key: string) => number;
  looks: number;
  /** What the search's caps left unmeasured (StopReason 'budget'). */
  budget?: string | null;
  extra: readonly { label: string; rounds: number }[];
  /** The level in words, e.g. "" (one request at a time) or " at 32 in flight". */
  where: string;
}

/** Why the pick: one or two plain sentences, the statistics in brackets. */
export function verdictWords(o: VerdictWordsInput): string {
  const v = o.verdict;
  const pick = o.label(v.pick);
  const parts: string[] = [];
  if (v.status === 'single') parts.push(`${pick} is the only setting measured${o.where}.`);
  else if (v.status === 'separated') {
    const runner = runnerUp(v);
    parts.push(runner ? `${pick} is the fastest${o.where}: ${signedPct(1 / runner.relative)} over ${o.label(runner.key)}, the next best (interval ${intervalWords(runner.comparison)}).` : `${pick} is the fastest${o.where}.`);
  } else if (v.status === 'tie') {
    const other = o.label(v.rival!);
    const same = `(${signedPct(v.comparison?.ratio ?? 1)}, interval ${intervalWords(v.comparison)})`;
    parts.push(
      v.pick === v.leader
        ? `${pick} is the fastest${o.where}; ${other} is within ${TIE_SHARE * 100}% of it ${same} and drafts more tokens per step, so ${pick} stays.`
        : `${o.label(v.leader)} and ${pick} are within ${TIE_SHARE * 100}% of each other${o.where} ${same}: ${pick} drafts fewer tokens per step for the same speed, so it is picked.`,
    );
  } else {
    const rival = o.label(v.rival!);
    const gap = v.comparison ? signedPct(v.comparison.ratio) : 'n/a';
    parts.push(
      `${pick} measured ${gap} over ${rival}${o.where}, but their interval (${intervalWords(v.comparison)}, widened for ${o.looks} look${o.looks === 1 ? '' : 's'}) still includes no difference after ${o.rounds(v.leader)} and ${o.rounds(v.rival!)} rounds: the faster median is picked with low confidence, and more repeats (--max-repeats) would decide it.`,
    );
  }
  const extra = extraRoundsWords(o.extra);
  if (extra && v.status !== 'cap' && v.status !== 'open') parts.push(`Decided after ${extra}.`);
  if (o.stop === 'budget' && o.budget) parts.push(`The search stopped at its caps: ${o.budget}.`);
  return parts.join(' ');
}

/** The best candidate other than the leader that is not tied with it (the one the pick was separated from). */
function runnerUp(v: Verdict): { key: string; relative: number; comparison: Comparison | null } | null {
  let best: { key: string; relative: number; comparison: Comparison | null } | null = null;
  for (const [key, view] of v.versusLeader) {
    if (view.tie) continue;
    const relative = v.relative.get(key) ?? 0;
    if (!best || relative > best.relative) best = { key, relative, comparison: view.comparison };
  }
  return best;
}
