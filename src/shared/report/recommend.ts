/**
 * The level-1 recommendation: the setting the level's decision picked (decide.ts),
 * its gain over no speculation with the interval of that same comparison, how
 * sure, and why — the plain sentence first, the statistics and the model after.
 */
import { isBaseline, launchKey, settingOf } from '../config-key';
import { kWords } from '../level-picks';
import type { ConfigurationResult, LevelDecision, Recommendation } from '../schemas';
import { fmtPct, fmtRange } from './format';
import type { BuildReportInput } from './input';
import type { LevelView } from './decide';
import type { Theory } from './theory';

/** "2.5× slower" from 2× on, else "41% slower": how much a setting loses, in the words people use. */
export function slowerWords(speedupPercent: number): string {
  const ratio = 1 + speedupPercent / 100;
  if (ratio <= 0.5) return `${(1 / ratio).toFixed(1)}× slower`;
  return `${Math.abs(speedupPercent).toFixed(0)}% slower`;
}

function withoutBaseline(configs: readonly ConfigurationResult[], chosen: ConfigurationResult): string {
  const baseRun = configs.find((c) => isBaseline(c));
  const why = !baseRun ? 'no baseline (k=0) was measured' : baseRun.failed ? 'the baseline (k=0) failed' : 'no baseline (k=0) request succeeded';
  return `${kWords(chosen)} was the fastest measured, but ${why}, so the gain is unknown.`;
}

/** The best speculative setting, when no speculation won: how much slower it is. */
function keepOff(attached: boolean, configs: readonly ConfigurationResult[]): string {
  const spec = configs.filter((c) => !isBaseline(c) && !c.failed && !c.predicted && c.speedupPercent !== null);
  if (!spec.length) {
    return attached
      ? 'Attached mode measured one server as it runs, labelled k=0: there is nothing to compare it with. Measure it again launched with speculation (passing that k as --tokens), or let SpecTune launch the engine for each k.'
      : 'Only the baseline (k=0) was measured: no speculative setting finished, so there is nothing to compare. Run the sweep again to the end.';
  }
  const best = spec.reduce((a, b) => (b.speedupPercent! > a.speedupPercent! ? b : a));
  if (best.speedupPercent! < 0) {
    return `Keep speculation off: the best speculative setting, ${kWords(best)}, is ${slowerWords(best.speedupPercent!)} than without it (${best.tokensPerSecond} tok/s; interval ${fmtRange(best.speedupPercentCI)}). Drafting and verifying cost more here than the accepted tokens save — on small or fast models the fixed cost of each draft call dominates.`;
  }
  return `Keep speculation off: the best speculative setting, ${kWords(best)}, measured ${fmtPct(best.speedupPercent)} (interval ${fmtRange(best.speedupPercentCI)}), not enough to pay for drafting.`;
}

function gainSentence(chosen: ConfigurationResult): string {
  return `${kWords(chosen)} gives ${fmtPct(chosen.speedupPercent)} vs no speculation (95% interval ${fmtRange(chosen.speedupPercentCI)}) at a median ${chosen.tokensPerSecond} tok/s.`;
}

export function recommend(
  attached: boolean,
  configs: readonly ConfigurationResult[],
  view: LevelView | null,
  decision: LevelDecision | null,
  theory: Theory | null,
  commandFor: BuildReportInput['commandFor'],
): Recommendation | null {
  if (!view) return null;
  const chosen = view.entry(view.verdict.pick);
  const hasBaseline = configs.some((c) => isBaseline(c) && !c.failed && c.requests > c.errors);
  const parts = [!hasBaseline ? withoutBaseline(configs, chosen) : isBaseline(chosen) ? keepOff(attached, configs) : gainSentence(chosen)];
  if (decision) parts.push(decision.summary);
  const n = chosen.requests - chosen.errors;
  if (n < 8) parts.push(`Only ${n} successful request${n === 1 ? '' : 's'} back${n === 1 ? 's' : ''} this setting.`);
  if (theory && !isBaseline(chosen)) parts.push(theory.note);
  const cmd = commandFor(chosen);
  return {
    ...(chosen.engine ? { engine: chosen.engine } : {}),
    ...settingOf(chosen),
    ...(cmd?.setting ? { setting: cmd.setting } : {}),
    tokensPerSecond: chosen.tokensPerSecond,
    speedupPercent: chosen.speedupPercent,
    confidence: hasBaseline ? view.verdict.confidence : 'low',
    reason: parts.join(' '),
    command: cmd?.command ?? null,
    argv: cmd?.argv ?? null,
  };
}

export { launchKey };
