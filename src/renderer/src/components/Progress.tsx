import type { Report, SweepProgress } from '../../../shared/schemas';
import { launchKey } from '../../../shared/config-key';
import * as f from '../format';

const PHASE: Record<SweepProgress['phase'], string> = {
  'starting-server': 'Starting the server',
  warmup: 'Warm-up request',
  measuring: 'Measuring',
  'reading-metrics': 'Reading /metrics',
  done: 'Done',
  cancelled: 'Cancelled',
};

/**
 * The end of a run, as a count rather than as the last configuration's name (which reads like the
 * answer, or like a stop at "configuration 4 of 9"): "Done: 4 measured, 5 predicted".
 */
function endWords(progress: SweepProgress, report: Report | null): string {
  const word = PHASE[progress.phase];
  if (!report) return word;
  const keys = (pred: boolean) => new Set(report.configurations.filter((c) => !c.failed && (c.predicted === true) === pred).map(launchKey)).size;
  const measured = keys(false);
  const predicted = keys(true);
  return `${word}: ${measured} measured${predicted ? `, ${predicted} predicted` : ''}`;
}

export function SweepProgressBar({ progress, report = null }: { progress: SweepProgress | null; report?: Report | null }) {
  if (!progress) return null;
  const pct = f.progressPct(progress);
  const ended = progress.phase === 'done' || progress.phase === 'cancelled';
  return (
    <div className="progress-block" data-testid="sweep-progress">
      <div className="progress-line">
        {ended ? (
          <span data-testid="sweep-progress-end">{endWords(progress, report)}</span>
        ) : (
          <span>
            {PHASE[progress.phase]}
            {progress.numSpeculativeTokens !== null && ` · ${f.configLabel(progress.numSpeculativeTokens)}`}
            {(progress.concurrency ?? 1) > 1 && ` at ${progress.concurrency} concurrent requests`} (configuration {Math.min(progress.configIndex + 1, progress.configCount)} of{' '}
            {progress.configCount})
            {progress.promptType && ` · ${progress.promptType}`}
            {progress.systemPrompt && ` / ${progress.systemPrompt}`}
          </span>
        )}
        <span>
          {progress.done} / {progress.total} requests · {pct}% · elapsed {f.duration(progress.elapsedSeconds)} · ETA{' '}
          <span data-testid="sweep-eta">{progress.etaSeconds === null ? 'estimating…' : f.duration(progress.etaSeconds)}</span>
        </span>
      </div>
      <progress max={progress.total || 1} value={progress.done} aria-label="Sweep progress">
        {pct}%
      </progress>
    </div>
  );
}
