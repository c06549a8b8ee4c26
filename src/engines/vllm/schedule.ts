/**
 * vLLM's per-batch-size draft length (`speculative_config.num_speculative_tokens_per_batch_size`,
 * vLLM >= 0.24): built from the picks of a sweep's load levels. Per vLLM's speculative decoding docs
 * (vllm-project/vllm PR 32374): vLLM starts the first range at batch 1 and applies the last K to every larger
 * batch, each K must be at most num_speculative_tokens, and K = 0 turns speculation off in its range.
 * `speculative_disable_by_batch_size` is a no-op since 0.10 and later removed: never used here.
 */
import type { SchedulePlan } from '../engine';
import type { ScheduleEntry, ServerSettings } from '../../shared/schemas';
import type { VllmVersion } from './argv';

/** The first vLLM whose docs carry num_speculative_tokens_per_batch_size (PR 32374). */
export const SCHEDULE_SINCE = { major: 0, minor: 24 } as const;

export function takesSchedule(v: VllmVersion): boolean {
  return v.major > SCHEDULE_SINCE.major || (v.major === SCHEDULE_SINCE.major && v.minor >= SCHEDULE_SINCE.minor);
}

export interface LevelK {
  concurrency: number;
  numSpeculativeTokens: number;
}

/**
 * Where the range of the upper of two measured levels starts: past their geometric middle. A level c
 * measured with c requests in flight runs at a batch of c only between replacements: each finished
 * request leaves the batch at c − 1 until its successor arrives, so a range starting exactly at c
 * would give that level the lower level's K most of the time (on the simulator at 32 in flight, a
 * schedule switching at 32 ran 12% slower than the pick it was built from). Between two levels
 * nothing was measured; the middle on a log scale is the neutral guess.
 */
export function boundaryAbove(lower: number, upper: number): number {
  return Math.min(upper, Math.floor(Math.sqrt(lower * upper)) + 1);
}

/**
 * One range per measured level, each reaching down to the middle between it and the level below
 * (the first from batch 1, the last ending at its own level), equal neighbours merged. All K
 * equal: one plain k does it; all K = 0: no speculation at all.
 */
export function buildSchedule(picks: readonly LevelK[]): SchedulePlan {
  const levels = [...picks].sort((a, b) => a.concurrency - b.concurrency);
  if (!levels.length) return { kind: 'off', numSpeculativeTokens: 0, note: 'no level was measured' };
  const ks = new Set(levels.map((l) => l.numSpeculativeTokens));
  const largest = levels[levels.length - 1].concurrency;
  if (ks.size === 1) {
    const k = levels[0].numSpeculativeTokens;
    return k === 0
      ? { kind: 'off', numSpeculativeTokens: 0, note: `no speculation won at any measured level (1 to ${largest} in flight): launch without a speculative config` }
      : { kind: 'plain', numSpeculativeTokens: k, note: `k=${k} won at every measured level (up to ${largest} in flight): no schedule is needed, num_speculative_tokens = ${k} does it` };
  }
  const entries: ScheduleEntry[] = [];
  levels.forEach((l, i) => {
    const start = i === 0 ? 1 : boundaryAbove(levels[i - 1].concurrency, l.concurrency);
    const end = i < levels.length - 1 ? boundaryAbove(l.concurrency, levels[i + 1].concurrency) - 1 : l.concurrency;
    const prev = entries[entries.length - 1];
    if (prev && prev[2] === l.numSpeculativeTokens) prev[1] = end;
    else entries.push([start, end, l.numSpeculativeTokens]);
  });
  const max = Math.max(...ks);
  const last = entries[entries.length - 1][2];
  return {
    kind: 'schedule',
    entries,
    numSpeculativeTokens: max,
    note:
      `vLLM applies the last range's K (${last}) to every batch larger than ${largest}: the largest measured level decides every larger batch. ` +
      `Measure up to the server's --max-num-seqs to know what those batches get.`,
  };
}

/** The data-parallel size from extra arguments (the schedule is off when it is above 1). */
function dataParallelSize(extraArgs: readonly string[]): number {
  for (let i = 0; i < extraArgs.length; i++) {
    const a = extraArgs[i];
    const [flag, inline] = a.split('=', 2);
    if (flag === '--data-parallel-size' || flag === '-dp') return Number(inline ?? extraArgs[i + 1]) || 1;
  }
  return 1;
}

const FALLBACK = 'recommend one k for the target level, and the table of what it costs at the other levels';

/** The launch settings that carry a schedule, or why this build or launch cannot take one. */
export function scheduleSettings(
  entries: readonly ScheduleEntry[],
  settings: ServerSettings,
  version: VllmVersion | null,
): { settings: ServerSettings; note: string } | { unsupported: string } {
  if (!version) return { unsupported: `the vLLM version is unknown, and only 0.24 or newer takes a per-batch-size draft length: ${FALLBACK}` };
  if (!takesSchedule(version)) {
    return { unsupported: `vLLM ${version.raw} has no per-batch-size draft length (num_speculative_tokens_per_batch_size arrived in 0.24): ${FALLBACK}` };
  }
  if (dataParallelSize(settings.extraArgs) > 1) return { unsupported: `vLLM turns the schedule off when the data-parallel size is above 1: ${FALLBACK}` };
  if (!entries.length) return { unsupported: `an empty schedule: ${FALLBACK}` };
  const max = Math.max(...entries.map((e) => e[2]));
  // What the last range means for larger batches is said where the ranges are planned (buildSchedule).
  const notes: string[] = [];
  const method = settings.method ?? (settings.draftModel ? 'draft_model' : undefined);
  if (method === 'draft_model' || method === 'ngram') notes.push(`Upstream tests the schedule with EAGLE-family methods, not ${method}: confirm it on your server.`);
  notes.push('Turning the schedule on has been reported to cost single-stream speed (vLLM issue 49548): it is measured again before it is recommended.');
  return { settings: { ...settings, numSpeculativeTokens: max, speculativeSchedule: entries.map((e) => [...e] as ScheduleEntry) }, note: notes.join(' ') };
}

/** --max-num-seqs from the extra arguments; null when not given (vLLM's default depends on its version and the GPU). */
export function maxNumSeqs(extraArgs: readonly string[]): { limit: number; flag: string } | null {
  for (let i = 0; i < extraArgs.length; i++) {
    const [flag, inline] = extraArgs[i].split('=', 2);
    if (flag !== '--max-num-seqs') continue;
    const n = Number(inline ?? extraArgs[i + 1]);
    return Number.isInteger(n) && n > 0 ? { limit: n, flag: '--max-num-seqs' } : null;
  }
  return null;
}
