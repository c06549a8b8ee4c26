/**
 * The level-1 recommendation: the cheapest configuration the fastest is not clearly
 * faster than (or the adaptive driver's pick), how sure that is, and why, in words.
 */
import { configKey, isBaseline, type ConfigKeyed } from '../config-key';
import type { ConfigurationResult, Measurement, Recommendation } from '../schemas';
import { fmtPct, fmtRange } from './format';
import type { BuildReportInput } from './input';
import { pctCI, ratioCI } from './pairing';
import type { Theory } from './theory';
import { cheaperFirst, fastest, TIE_PERCENT, tiesWith } from './ties';

/** What was chosen: the fastest, the configuration recommended, the tie that moved it off the fastest, the driver's pick. */
interface Choice {
  best: ConfigurationResult;
  chosen: ConfigurationResult;
  tie: { ratio: [number, number] } | null;
  decided: ConfigurationResult | undefined;
}

/** How sure, and the sentences that say why. */
interface Verdict {
  confidence: Recommendation['confidence'];
  parts: string[];
}

const what = (c: ConfigurationResult) => (c.numSpeculativeTokens === null ? `draft ${c.draftModel}` : `k=${c.numSpeculativeTokens}`);

/**
 * Prefer the cheapest configuration that the best one is not clearly faster than: less draft work
 * and memory for the same speed. A cheaper speculative one only qualifies when it is clearly faster
 * than the baseline itself; otherwise "as fast as the best" would rest on noise in both directions.
 */
function choose(
  valid: readonly ConfigurationResult[],
  best: ConfigurationResult,
  baseline: ConfigurationResult | null,
  ms: (c: ConfigKeyed) => Measurement[],
  decidedPick: ConfigKeyed | null | undefined,
): Choice {
  // Adaptive sweeps: the driver already decided (the fastest measured k, or the smallest within 1% of it) and
  // sized its samples for that decision, stopping the others early. Re-deciding here with the paired-interval
  // rule below, on those unequal samples, recommended k=7 for an optimum at k=8 (issue 9): take its pick as is.
  const decided = decidedPick ? valid.find((c) => configKey(c) === configKey(decidedPick)) : undefined;
  if (decided) return { best, chosen: decided, tie: null, decided };
  for (const c of [...valid].sort(cheaperFirst)) {
    if (cheaperFirst(c, best) >= 0) break;
    if (baseline && !isBaseline(c) && !(c.speedupPercentCI && c.speedupPercentCI[0] > 0)) continue;
    const r = ratioCI(ms(best), ms(c));
    if (r && tiesWith(best, c, r)) return { best, chosen: c, tie: { ratio: r }, decided };
  }
  return { best, chosen: best, tie: null, decided };
}

/** The adaptive driver picked a smaller k than the fastest measured: say by how much. */
function withinTieNote({ best, chosen, decided }: Choice): string | null {
  return decided && decided !== best
    ? `${what(best)} measured ${((best.tokensPerSecond! / chosen.tokensPerSecond! - 1) * 100).toFixed(1)}% faster, within the adaptive sweep's ${TIE_PERCENT}% tie rule, which takes the smaller k.`
    : null;
}

function withoutBaseline(configs: readonly ConfigurationResult[], chosen: ConfigurationResult): Verdict {
  const baseRun = configs.find((c) => isBaseline(c));
  const why = !baseRun ? 'no baseline (k=0) was measured' : baseRun.failed ? 'the baseline (k=0) failed' : 'no baseline (k=0) request succeeded';
  return { confidence: 'low', parts: [`${what(chosen)} was the fastest measured, but ${why}, so the gain is unknown.`] };
}

function keepSpeculationOff(attached: boolean, valid: readonly ConfigurationResult[], { best, tie }: Choice, withinTie: string | null): Verdict {
  const spec = valid.filter((c) => !isBaseline(c));
  const allSlower = spec.length > 0 && spec.every((c) => c.speedupPercentCI !== null && c.speedupPercentCI[1] < 0);
  const confidence = spec.length === 0 ? 'low' : allSlower ? 'high' : 'medium';
  const sentence =
    spec.length === 0
      ? attached
        ? 'Attached mode measured one server as it runs, labelled k=0: there is nothing to compare it with. Measure it again launched with speculation (passing that k as --tokens), or let SpecTune launch the server for each k (engines it can launch).'
        : 'Only the baseline (k=0) was measured: no speculative configuration finished, so there is nothing to compare. Run the sweep again to the end.'
      : tie
        ? `Speculation did not clearly help: ${what(best)} measured ${fmtPct(best.speedupPercent)} but its 95% interval (${fmtRange(best.speedupPercentCI)}) includes no gain. Keep speculation off.`
        : withinTie
          ? `${withinTie} Keep speculation off.`
          : `Every speculative configuration was slower than the baseline. Keep speculation off.`;
  return { confidence, parts: [sentence] };
}

function speculate({ best, chosen, tie }: Choice, withinTie: string | null, n: number): Verdict {
  const ci = chosen.speedupPercentCI;
  const clearlyFaster = ci !== null && ci[0] > 0;
  const confidence = !clearlyFaster ? 'low' : tie || n < 8 ? 'medium' : 'high';
  const parts = [`${what(chosen)} gives ${fmtPct(chosen.speedupPercent)} vs baseline (95% interval ${fmtRange(ci)}) at a median ${chosen.tokensPerSecond} tok/s.`];
  if (tie) {
    const pct = ((best.tokensPerSecond! / chosen.tokensPerSecond! - 1) * 100).toFixed(1);
    parts.push(
      `${what(best)} measured ${pct}% faster still, but not clearly (95% interval ${fmtRange(pctCI(tie.ratio))}), so the cheaper setting is recommended: it is as fast within the noise and drafts less.`,
    );
  }
  if (withinTie) parts.push(withinTie);
  if (!clearlyFaster) parts.push('The gain is within the noise: run more repeats to be sure.');
  return { confidence, parts };
}

export function recommend(
  attached: boolean,
  configs: readonly ConfigurationResult[],
  byKey: Map<string, Measurement[]>,
  theory: Theory | null,
  commandFor: BuildReportInput['commandFor'],
  decidedPick?: ConfigKeyed | null,
): Recommendation | null {
  const valid = configs.filter((c) => !c.failed && c.tokensPerSecond !== null);
  const best = fastest(configs);
  if (!best) return null;
  const baseline = valid.find((c) => isBaseline(c)) ?? null;
  const choice = choose(valid, best, baseline, (c) => byKey.get(configKey(c)) ?? [], decidedPick);
  const { chosen } = choice;
  const withinTie = withinTieNote(choice);
  const n = chosen.requests - chosen.errors;
  const { confidence, parts } = !baseline
    ? withoutBaseline(configs, chosen)
    : isBaseline(chosen)
      ? keepSpeculationOff(attached, valid, choice, withinTie)
      : speculate(choice, withinTie, n);
  if (n < 8) parts.push(`Only ${n} successful request${n === 1 ? '' : 's'} back${n === 1 ? 's' : ''} this configuration.`);
  if (theory) parts.push(theory.note);

  const cmd = commandFor(chosen);
  return {
    ...(chosen.engine ? { engine: chosen.engine } : {}),
    numSpeculativeTokens: chosen.numSpeculativeTokens,
    draftModel: chosen.draftModel ?? null,
    ...(cmd?.setting ? { setting: cmd.setting } : {}),
    tokensPerSecond: chosen.tokensPerSecond,
    speedupPercent: chosen.speedupPercent,
    confidence,
    reason: parts.join(' '),
    command: cmd?.command ?? null,
    argv: cmd?.argv ?? null,
  };
}
