/**
 * The answer of a report in plain words, shared by the HTML, Markdown and CSV exports so
 * all three say the same thing: one headline a newcomer understands ("Your vLLM server
 * answers about 1.4× faster with 5 draft tokens", "Speculation did not pay: keep it
 * off"), then a few sentences, no jargon. The recommendation's own `reason` (intervals,
 * α) is kept apart as `why`, for the reader who wants the numbers behind it.
 */
import type { Report } from '../schemas';
import { configurationExtras, finite, levelOf, recommendationExtras, recommendedConfiguration } from './fields';
import { engineName, kLabel, settingWords, tps } from './text';
import { armKey, isBaseline } from '../config-key';
import { slowerWords } from '../report/recommend';

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

/**
 * How much the best speculative setting lost, in the words people use ("2.5× slower", "41% slower"),
 * and why: drafting costs more than it saves. Within noise of no loss: "not clearly faster".
 */
function lossWords(speedupPercent: number | null, spec: number | null, base: number | null): string {
  const pct = finite(speedupPercent) ?? (spec !== null && base ? (spec / base - 1) * 100 : null);
  if (pct === null || pct > -1) return 'not clearly faster.';
  return `${slowerWords(pct)}. Drafting and checking the guesses costs more here than the accepted tokens save: on small or fast models the fixed cost of each draft call dominates.`;
}

const kText = (c: Report['configurations'][number]) => (c.numSpeculativeTokens === null ? `draft ${c.draftModel}` : String(c.numSpeculativeTokens));

/** "4 measured, 5 predicted (…)": what was measured and what only computed from it, never counted as one. */
function comparedWords(settings: Report['configurations'], model: string | null | undefined): string {
  const measured = [...new Set(settings.filter((c) => !configurationExtras(c).predicted).map(kText))];
  const predicted = [...new Set(settings.filter((c) => configurationExtras(c).predicted).map(kText))].filter((k) => !measured.includes(k));
  const on = model ? ` on ${model}` : '';
  const what = 'k is the number of draft tokens guessed ahead per step';
  if (predicted.length) {
    return `${measured.length} measured, ${predicted.length} predicted (measured k = ${measured.join(', ')}; predicted from them k = ${predicted.join(', ')}; ${what})${on}.`;
  }
  return `${measured.length === 1 ? 'One setting was' : `${measured.length} settings were`} compared (k = ${measured.join(', ')}; ${what})${on}.`;
}

/** What the verdict is worked out from: the recommendation and the entries at its level. */
interface Reading {
  report: Report;
  r: NonNullable<Report['recommendation']> | null;
  configs: Report['configurations'];
  level: number;
  loaded: boolean;
  /** The figure compared at the level: total throughput under load, else one answer's speed. */
  figure: (c: Report['configurations'][number]) => number | null;
  atLevel: Report['configurations'];
  baseline: Report['configurations'][number] | null;
  chosen: Report['configurations'][number] | null;
  predicted: boolean;
  /** "Your simulated vLLM server", as the headline's subject. */
  server: string;
}

interface Answer {
  verdict: Verdict;
  headline: string;
  details: string[];
}

export function summarizeReport(report: Report): ReportSummary {
  const r = report.recommendation ?? null;
  const configs = report.configurations ?? [];
  const simulated = report.server?.simulated === true;
  const engine = engineName(recommendationExtras(r).engine ?? report.server?.kind);
  const chosen = recommendedConfiguration(configs, r);
  // Under load, the answer is for one level: compare with the baseline at that level, on total throughput.
  const level = levelOf(r);
  const loaded = level > 1;
  const atLevel = configs.filter((c) => levelOf(c) === level);
  const reading: Reading = {
    report,
    r,
    configs,
    level,
    loaded,
    figure: (c) => (loaded ? finite(c.aggregateTokensPerSecond) : c.tokensPerSecond),
    atLevel,
    baseline: atLevel.find((c) => isBaseline(c) && !c.failed) ?? null,
    chosen,
    predicted: chosen ? configurationExtras(chosen).predicted : false,
    server: `Your ${simulated ? 'simulated ' : ''}${engine ? `${engine} ` : ''}server`,
  };
  const { verdict, headline, details } = answerOf(reading);
  details.push(...contextLines(report, simulated));
  return {
    verdict,
    headline,
    details,
    k: r ? r.numSpeculativeTokens : null,
    // A simulated run: the real engine's line, which is what the run teaches.
    command: r?.realEngine?.command ?? r?.command ?? null,
    predicted: reading.predicted,
    simulated,
    why: r?.reason ?? null,
  };
}

function answerOf(x: Reading): Answer {
  const { r, configs } = x;
  if (!r) {
    return {
      verdict: 'nothing',
      headline: 'No answer yet: no setting finished measuring.',
      details: [
        configs.length
          ? `Every setting tried failed (${configs.map((c) => c.label).join(', ')}); see the table for the errors.`
          : 'The run ended before its first setting was measured.',
      ],
    };
  }
  const speedup = finite(r.speedupPercent);
  if (isBaseline(r) || (speedup !== null && speedup <= 0)) return keepOff(x);
  if (speedup === null) {
    return {
      verdict: 'no-baseline',
      headline: `Best setting found: ${settingWords(r)}, at ${tps(r.tokensPerSecond)}.`,
      details: ['There is no measurement without speculation to compare with, so how much faster it is stays unknown.'],
    };
  }
  return faster(x, r, speedup);
}

function keepOff({ atLevel, baseline, figure, loaded, level }: Reading): Answer {
  const bestSpec = atLevel
    .filter((c) => !c.failed && !isBaseline(c) && finite(figure(c)) !== null)
    .sort((a, b) => (figure(b) ?? 0) - (figure(a) ?? 0))[0];
  const detail =
    bestSpec && baseline
      ? `${loaded ? `With ${level} requests in flight, the` : 'The'} best setting with speculation, ${settingWords(bestSpec)}, ran at ${tps(figure(bestSpec))}${loaded ? ' in all' : ''} against ${tps(figure(baseline))} without it: ${lossWords(loaded ? null : bestSpec.speedupPercent, figure(bestSpec), figure(baseline))}`
      : 'No setting with draft tokens was measured to beat the server without them.';
  return { verdict: 'keep-off', headline: 'Speculation did not pay: keep it off.', details: [detail] };
}

function faster(x: Reading, r: NonNullable<Reading['r']>, speedup: number): Answer {
  const { loaded, level, predicted, baseline, chosen, figure, report } = x;
  const when = loaded ? `With ${level} requests in flight, ` : '';
  const subject = loaded ? x.server.replace(/^Your/, 'your') : x.server;
  const setting = settingWords({ ...r, draftModel: recommendationExtras(r).draftModel });
  const headline = predicted
    ? `${when}${subject} should answer ${speedupWords(speedup)} with ${setting} (predicted, not measured).`
    : `${when}${subject} answers ${speedupWords(speedup)} with ${setting}.`;
  const details = [
    loaded
      ? `Measured at ${level} in flight: ${tps(chosen ? figure(chosen) : null)} in all${baseline ? ` instead of ${tps(figure(baseline))} without speculation` : ''}.`
      : `${predicted ? 'Predicted' : 'Measured'}: ${tps(r.tokensPerSecond)}${baseline ? ` instead of ${tps(baseline.tokensPerSecond)} without speculation` : ''}.`,
  ];
  // How sure a measurement is says nothing about a prediction.
  const conf = predicted ? 'It is computed from the settings that were measured; measure it before relying on it.' : CONFIDENCE_WORDS[r.confidence];
  if (conf) details.push(conf);
  if (report.bestUseCase && finite(report.bestUseCase.speedupPercent) !== null) {
    const best = report.bestUseCase.speedupPercent;
    details.push(`The biggest gain is on ${report.bestUseCase.label} prompts (${best >= 0 ? '+' : ''}${best.toFixed(0)}%).`);
  }
  const byPrompt = bestByPromptType(report);
  if (byPrompt) details.push(byPrompt);
  return { verdict: 'faster', headline, details };
}

/**
 * Where prompt types are won by different kinds of setting (another method, draft model or cut-off,
 * not only another k): which wins for each — "n-gram drafting for Code, 5 draft tokens (draft model
 * qwen-0.5b) for Creative writing".
 */
function bestByPromptType(report: Report): string | null {
  const wins = (report.byPromptType ?? []).flatMap((g) => {
    if (g.bestNumSpeculativeTokens === null && !g.bestDraftModel) return [];
    const best = { numSpeculativeTokens: g.bestNumSpeculativeTokens, draftModel: g.bestDraftModel, method: g.bestMethod, draftPMin: g.bestDraftPMin };
    return [{ label: g.label, arm: armKey(best), words: settingWords(best) }];
  });
  if (new Set(wins.map((w) => w.arm)).size < 2) return null;
  return `The best setting depends on the prompt: ${wins.map((w) => `${w.words} for ${w.label}`).join('; ')}.`;
}

/** What was compared, and how far the run got, whatever the verdict. */
function contextLines(report: Report, simulated: boolean): string[] {
  const details: string[] = [];
  const r = report.recommendation ?? null;
  const measured = (report.configurations ?? []).filter((c) => !c.failed);
  const picks = Array.isArray(r?.byConcurrency) ? r.byConcurrency : [];
  if (picks.length > 1) details.push(`Best k by load: ${picks.map((p) => `${p.concurrency} in flight: ${kLabel(p.numSpeculativeTokens, p.draftModel)}`).join('; ')}.`);
  if (measured.length) details.push(comparedWords(measured, report.server?.model));
  if (report.status === 'cancelled') details.push('The run was cancelled before the end: this covers only what finished.');
  if (report.status === 'partial') details.push('The run did not finish: this covers only what was measured.');
  if (simulated) details.push("These numbers come from SpecTune's built-in simulator, not from a real model.");
  return details;
}
