/**
 * Terminal rendering of statuses and reports, in the seed guide's layout:
 * status block, configuration table, prompt-type table, recommendation panel.
 * Colours only on a TTY and never with NO_COLOR (picocolors decides).
 */
import Table from 'cli-table3';
import pc from 'picocolors';
import { ServerSettingsSchema, type EndpointStatus, type GroupComparison, type Report } from '../shared/schemas';
import { ENGINE_IDENTITY } from '../shared/engine-descriptor';
import { configKey, isBaseline } from '../shared/report-builder';
import { settingOf } from '../shared/config-key';
import { engineById } from '../engines';
import { noRecommendationReason } from './outcome';
import { formatLevelBlocks, formatLevelPicks, formatLoadAdvice, hasLoadLevels } from './load-output';
import { visibleControlsDeep } from '../shared/safe-text';

const fmt = (x: number | null, digits = 1) => (x === null ? '—' : x.toFixed(digits));
const pct = (x: number | null) => (x === null ? '—' : `${x >= 0 ? '+' : ''}${x.toFixed(0)}%`);
const colourPct = (x: number | null) => (x === null ? '—' : x >= 0 ? pc.green(pct(x)) : pc.red(pct(x)));

/** 75 → "1m 15s"; null (no request finished yet) → "…". */
export function formatEta(seconds: number | null): string {
  if (seconds === null) return '…';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h ${m}m` : m ? `${m}m ${s % 60}s` : `${s}s`;
}

function table(head: string[], aligns: ('left' | 'right' | 'center')[]): Table.Table {
  // No built-in colours: cli-table3 would colour headers even with NO_COLOR.
  return new Table({ head: head.map((h) => pc.bold(h)), colAligns: aligns, style: { head: [], border: [] } });
}

/** Each server's answers (name, version, models, reason) with control characters made visible: a server writes them. */
export function formatStatus(statuses: readonly EndpointStatus[]): string {
  const lines = ['Server Status Check', '==================='];
  for (const s of visibleControlsDeep(statuses)) {
    const port = new URL(s.url).port || (new URL(s.url).protocol === 'https:' ? '443' : '80');
    const what = s.running
      ? [s.kind !== 'unknown' ? ENGINE_IDENTITY[s.kind].label : null, s.version ? `v${s.version}` : null, s.models.length ? s.models.join(', ') : null, s.simulated ? pc.yellow('SIMULATED') : null]
          .filter(Boolean)
          .join(' · ')
      : '';
    lines.push(
      s.running
        ? `✅ ${s.name} (port ${port}): ${pc.green('RUNNING')}${what ? ` — ${what}` : ''}`
        : `❌ ${s.name} (port ${port}): ${pc.red('NOT RUNNING')} - ${s.reason ?? 'unknown'}`,
    );
  }
  return lines.join('\n');
}

function formatConfigurations(report: Report): string {
  const t = table(['Config', 'Tok/Sec', '95% CI', 'Time', 'TTFT', 'Speedup', 'Accept', 'Best'], ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'center']);
  const best = report.recommendation ? configKey(report.recommendation) : null;
  for (const c of report.configurations) {
    if (c.predicted) {
      t.push(predictedRow(c));
      continue;
    }
    t.push([
      c.label,
      c.failed ? pc.red('failed') : fmt(c.tokensPerSecond),
      c.tokensPerSecondCI ? `${fmt(c.tokensPerSecondCI[0])}–${fmt(c.tokensPerSecondCI[1])}` : '—',
      c.totalSeconds === null ? '—' : `${c.totalSeconds.toFixed(2)}s`,
      c.ttftSeconds === null ? '—' : `${(c.ttftSeconds * 1000).toFixed(0)}ms`,
      isBaseline(c) ? 'baseline' : colourPct(c.speedupPercent),
      c.acceptanceRate !== null ? `${(c.acceptanceRate * 100).toFixed(0)}%` : isBaseline(c) || c.acceptance || !c.acceptanceSource ? '—' : 'n/r',
      configKey(c) === best && !c.failed ? '⭐' : '',
    ]);
  }
  // "n/r" is explained once, in the engine's words: acceptance is never invented where it is not reported.
  const unreported = report.configurations.find((c) => !isBaseline(c) && !c.acceptance && c.acceptanceSource);
  const note = (unreported ? `\n${pc.dim(`Accept n/r: ${unreported.acceptanceSource}.`)}` : '') + adaptiveNote(report);
  return `${pc.bold('Speculative Decoding Performance')}${report.server.simulated ? pc.yellow(' (SIMULATED)') : ''}\n${t.toString()}${note}`;
}

/**
 * An unmeasured configuration of an adaptive sweep: its predicted figure in the
 * interval column, marked, and never in the tok/s column (which holds measurements only).
 */
function predictedRow(c: Report['configurations'][number]): string[] {
  const p = c.prediction;
  const figure = p ? `≈${fmt(p.tokensPerSecond)} (${fmt(p.interval[0])}–${fmt(p.interval[1])})` : '—';
  return [pc.dim(`${c.label} (predicted)`), '—', pc.dim(figure), '—', '—', '—', '—', ''];
}

/** How each level was decided, in words: measured and predicted settings, extra rounds, why it stopped. */
function adaptiveNote(report: Report): string {
  const a = report.adaptive;
  const share = (x: number, of: number) => (of > 0 ? `${Math.round((x / of) * 100)}%` : '—');
  const lines: string[] = [];
  if (a) {
    const predicted = report.decision?.[0]?.predicted.length ?? 0;
    const measured = report.decision?.[0]?.measured.length ?? 0;
    const kinds = predicted ? `${measured} measured, ${predicted} predicted` : `${measured} measured`;
    lines.push(`${a.strategy === 'adaptive' ? 'Adaptive' : 'Exhaustive'} search: ${kinds}; ${a.requests} requests (${share(a.requests, a.exhaustiveRequests)} of measuring every setting once), ${a.launches} launches.`);
  }
  for (const d of report.decision ?? []) lines.push(`${report.decision!.length > 1 ? `At ${d.concurrency} in flight: ` : ''}${d.summary}`);
  return lines.length ? `\n${pc.dim(lines.join('\n'))}` : '';
}

function formatGroups(title: string, what: string, groups: readonly GroupComparison[]): string {
  const t = table([what, 'Baseline', 'Speculative', 'k', 'Speedup'], ['left', 'right', 'right', 'right', 'right']);
  for (const g of groups) {
    t.push([g.label, fmt(g.baselineTokensPerSecond), fmt(g.speculativeTokensPerSecond), g.bestNumSpeculativeTokens ?? g.bestDraftModel ?? '—', colourPct(g.speedupPercent)]);
  }
  return `${pc.bold(title)}\n${t.toString()}`;
}

function formatRecommendation(report: Report): string {
  const r = report.recommendation;
  const lines: string[] = [];
  if (!r) {
    lines.push(pc.red(`No recommendation: ${noRecommendationReason(report)}.`));
  } else {
    const what = isBaseline(r)
      ? 'no speculative decoding'
      : r.numSpeculativeTokens === null
        ? `draft model ${r.draftModel}`
        : `${r.numSpeculativeTokens} draft tokens${r.draftModel ? ` (draft ${r.draftModel})` : ''}`;
    lines.push(`🏆 ${pc.bold('Recommended Configuration:')} ${pc.green(what)}  (confidence: ${r.confidence})`);
    const levels = r.byConcurrency?.length ?? 0;
    if (levels > 1 || (r.concurrency ?? 1) > 1) lines.push(`   For: ${r.concurrency ?? 1} request${(r.concurrency ?? 1) === 1 ? '' : 's'} in flight (--target-concurrency)`);
    lines.push(`   Performance: ${fmt(r.tokensPerSecond)} tokens/sec${(r.concurrency ?? 1) > 1 ? ' per request' : ''}`);
    if (r.speedupPercent !== null) lines.push(`   Speedup: ${colourPct(r.speedupPercent)} vs baseline`);
    lines.push(`   ${pc.dim(r.reason)}`);
  }
  // Without a recommendation a "best use case" would praise configurations that did not finish.
  if (report.bestUseCase && r && report.bestUseCase.speedupPercent > 0) {
    lines.push('', `💡 ${pc.bold('Best Use Case:')} ${report.bestUseCase.label}`);
    lines.push(`   Achieves ${colourPct(report.bestUseCase.speedupPercent)} speedup with speculative decoding`);
  }
  if (r?.command) lines.push('', pc.bold('Startup command:'), r.command);
  else if (r?.setting) lines.push('', pc.bold('Setting:'), r.setting);
  const real = r ? realEngineCommand(report) : null;
  if (real) lines.push('', pc.bold(`The same with a real ${real.label}${report.server.engineVersion ? ` ${report.server.engineVersion}` : ''}:`), real.command);
  return lines.join('\n');
}

/** For a simulated run: the command the real engine would take, so the demo teaches the real thing. */
function realEngineCommand(report: Report): { label: string; command: string } | null {
  const r = report.recommendation;
  const settings = ServerSettingsSchema.safeParse((report.plan as { server?: unknown }).server);
  if (!r || !report.server.simulated || !settings.success) return null;
  const engine = engineById(settings.data.engine);
  const sim = settings.data;
  // The simulator's own --sim-* flags mean nothing to the real engine.
  const extraArgs = sim.extraArgs.filter((a, i, all) => !a.startsWith('--sim-') && !(all[i - 1]?.startsWith('--sim-') && !a.startsWith('--')));
  // A confirmed per-batch-size schedule is the recommended launch: the real line carries it too.
  const schedule = r.schedule?.confirmed && r.argv ? r.schedule : null;
  try {
    const rec = engine.recommend({
      config: { ...settingOf(r), numSpeculativeTokens: schedule ? schedule.numSpeculativeTokens : r.numSpeculativeTokens },
      settings: { ...sim, command: engine.descriptor.defaultCommand, extraArgs, ...(schedule ? { speculativeSchedule: schedule.entries } : {}) },
      build: report.server.engineVersion ? { raw: report.server.engineVersion, facts: {} } : null,
      url: report.server.url,
      model: report.server.model,
    });
    return rec.command ? { label: engine.descriptor.label, command: rec.command } : null;
  } catch {
    return null;
  }
}

function formatWarnings(report: Report): string {
  if (!report.warnings.length) return '';
  return [pc.bold('Warnings'), ...report.warnings.map((w) => `⚠️  ${pc.yellow(w.message)}`)].join('\n');
}

/** The whole report for the terminal; every string in it (model ids, labels, messages) with control characters made visible. */
export function formatReport(raw: Report, outPath: string): string {
  const report = visibleControlsDeep(raw, { multiline: true });
  const load = hasLoadLevels(report);
  return [
    load ? formatLevelBlocks(report) : formatConfigurations(report),
    load ? formatLevelPicks(report) : '',
    formatGroups('Performance by Prompt Type', 'Type', report.byPromptType),
    formatGroups('Performance by System Prompt', 'System prompt', report.bySystemPrompt),
    formatRecommendation(report),
    load ? formatLoadAdvice(report) : '',
    formatWarnings(report),
    `Report: ${outPath}${report.status !== 'complete' ? ` (${report.status})` : ''}`,
  ]
    .filter(Boolean)
    .join('\n\n');
}
