/**
 * The answer of a report in plain words, shared by the HTML, Markdown and CSV exports so
 * all three say the same thing: one headline a newcomer understands ("Your vLLM server
 * answers about 1.4× faster with 5 draft tokens", "Speculation did not pay: keep it
 * off"), then a few sentences, no jargon. The recommendation's own `reason` (intervals,
 * α) is kept apart as `why`, for the reader who wants the numbers behind it.
 */
import type { Report } from '../schemas';
import { configurationExtras, finite, levelOf, recommendationExtras, recommendedConfiguration } from './fields';
import { draftTokens, engineName, kLabel, tps } from './text';
import { configKey, isBaseline } from '../config-key';

export type Verdict =
  /** A k > 0 beats no speculation. */
  | 'faster'
  /** No speculation is as fast or faster: leave it off. */
  | 'keep-off'
  /** A best k, but no baseline to compare it with. */
  | 'no-baseline'
  /** Nothing finished measuring. */
  | 'nothing';

export interface ReportSummary {
  verdict: Verdict;
  headline: string;
  details: string[];
  /** The recommended k, or null without a recommendation. */
  k: number | null;
  command: string | null;
  /** The recommended figure comes from a prediction, not a measurement. */
  predicted: boolean;
  simulated: boolean;
  /** The recommendation's reason as the report gives it (statistics included). */
  why: string | null;
}

/** +38.6 → "about 1.4× faster"; small gains in percent, where "1.0×" would read as no gain. */
export function speedupWords(percent: number): string {
  if (percent >= 10) return `about ${(1 + percent / 100).toFixed(1)}× faster`;
  const rounded = Math.round(percent);
  return rounded >= 1 ? `about ${rounded}% faster` : 'slightly faster';
}

const CONFIDENCE_WORDS: Record<string, string> = {
  high: 'The gain is clear: it held across the repeated runs.',
  medium: 'The gain is likely, but the runs varied; a longer run would make it certain.',
  low: 'Treat this as a hint: the runs varied a lot. Run more repeats before relying on it.',
};

export function summarizeReport(report: Report): ReportSummary {
  const r = report.recommendation ?? null;
  const configs = report.configurations ?? [];
  const simulated = report.server?.simulated === true;
  const extras = recommendationExtras(r);
  const engine = engineName(extras.engine ?? report.server?.kind);
  const server = `Your ${simulated ? 'simulated ' : ''}${engine ? `${engine} ` : ''}server`;
  const chosen = recommendedConfiguration(configs, r);
  const predicted = chosen ? configurationExtras(chosen).predicted : false;
  // Under load, the answer is for one level: compare with the baseline at that level, on total throughput.
  const level = levelOf(r);
  const loaded = level > 1;
  const figure = (c: (typeof configs)[number]) => (loaded ? finite(c.aggregateTokensPerSecond) : c.tokensPerSecond);
  const atLevel = configs.filter((c) => levelOf(c) === level);
  const baseline = atLevel.find((c) => isBaseline(c) && !c.failed) ?? null;
  const measured = configs.filter((c) => !c.failed);
  const when = loaded ? `With ${level} requests in flight, ` : '';
  const subject = loaded ? server.replace(/^Your/, 'your') : server;
  const details: string[] = [];

  let verdict: Verdict;
  let headline: string;
  const speedup = finite(r?.speedupPercent);
  if (!r) {
    verdict = 'nothing';
    headline = 'No answer yet: no setting finished measuring.';
    details.push(
      configs.length
        ? `Every setting tried failed (${configs.map((c) => c.label).join(', ')}); see the table for the errors.`
        : 'The run ended before its first setting was measured.',
    );
  } else if (isBaseline(r) || (speedup !== null && speedup <= 0)) {
    verdict = 'keep-off';
    headline = 'Speculation did not pay: keep it off.';
    const bestSpec = atLevel
      .filter((c) => !c.failed && !isBaseline(c) && finite(figure(c)) !== null)
      .sort((a, b) => (figure(b) ?? 0) - (figure(a) ?? 0))[0];
    if (bestSpec && baseline) {
      details.push(
        `${loaded ? `With ${level} requests in flight, the` : 'The'} best setting with speculation, ${draftTokens(bestSpec.numSpeculativeTokens, bestSpec.draftModel)}, ran at ${tps(figure(bestSpec))}${loaded ? ' in all' : ''} against ${tps(figure(baseline))} without it: not clearly faster.`,
      );
    } else {
      details.push('No setting with draft tokens was measured to beat the server without them.');
    }
  } else if (speedup === null) {
    verdict = 'no-baseline';
    headline = `Best setting found: ${draftTokens(r.numSpeculativeTokens, r.draftModel)}, at ${tps(r.tokensPerSecond)}.`;
    details.push('There is no measurement without speculation to compare with, so how much faster it is stays unknown.');
  } else {
    verdict = 'faster';
    // draftTokens already names the draft when k is the engine's own (LM Studio): say it once.
    const via = extras.draftModel && r.numSpeculativeTokens !== null ? ` (draft model ${extras.draftModel})` : '';
    headline = predicted
      ? `${when}${subject} should answer ${speedupWords(speedup)} with ${draftTokens(r.numSpeculativeTokens, r.draftModel)}${via} (predicted, not measured).`
      : `${when}${subject} answers ${speedupWords(speedup)} with ${draftTokens(r.numSpeculativeTokens, r.draftModel)}${via}.`;
    if (loaded) {
      details.push(`Measured at ${level} in flight: ${tps(chosen ? figure(chosen) : null)} in all${baseline ? ` instead of ${tps(figure(baseline))} without speculation` : ''}.`);
    } else {
      details.push(
        `${predicted ? 'Predicted' : 'Measured'}: ${tps(r.tokensPerSecond)}${baseline ? ` instead of ${tps(baseline.tokensPerSecond)} without speculation` : ''}.`,
      );
    }
    // How sure a measurement is says nothing about a prediction.
    const conf = predicted ? 'It is computed from the settings that were measured; measure it before relying on it.' : CONFIDENCE_WORDS[r.confidence];
    if (conf) details.push(conf);
    if (report.bestUseCase && finite(report.bestUseCase.speedupPercent) !== null) {
      const best = report.bestUseCase.speedupPercent;
      details.push(`The biggest gain is on ${report.bestUseCase.label} prompts (${best >= 0 ? '+' : ''}${best.toFixed(0)}%).`);
    }
  }

  const picks = Array.isArray(r?.byConcurrency) ? r.byConcurrency : [];
  if (picks.length > 1) details.push(`Best k by load: ${picks.map((p) => `${p.concurrency} in flight: ${kLabel(p.numSpeculativeTokens, p.draftModel)}`).join('; ')}.`);
  if (measured.length) {
    const ks = [...new Set(measured.map((c) => (c.numSpeculativeTokens === null ? `draft ${c.draftModel}` : String(c.numSpeculativeTokens))))];
    const model = report.server?.model;
    details.push(
      `${ks.length === 1 ? 'One setting was' : `${ks.length} settings were`} compared (k = ${ks.join(', ')}; k is the number of draft tokens guessed ahead per step)${model ? ` on ${model}` : ''}.`,
    );
  }
  if (report.status === 'cancelled') details.push('The run was cancelled before the end: this covers only what finished.');
  if (report.status === 'partial') details.push('The run did not finish: this covers only what was measured.');
  if (simulated) details.push("These numbers come from SpecTune's built-in simulator, not from a real model.");

  return {
    verdict,
    headline,
    details,
    k: r ? r.numSpeculativeTokens : null,
    // A simulated run: the real engine's line, which is what the run teaches.
    command: r?.realEngine?.command ?? r?.command ?? null,
    predicted,
    simulated,
    why: r?.reason ?? null,
  };
}
