import type { SweepProgress } from '../../../shared/schemas';
import * as f from '../format';

const PHASE: Record<SweepProgress['phase'], string> = {
  'starting-server': 'Starting the server',
  warmup: 'Warm-up request',
  measuring: 'Measuring',
  'reading-metrics': 'Reading /metrics',
  done: 'Done',
  cancelled: 'Cancelled',
};

export function SweepProgressBar({ progress }: { progress: SweepProgress | null }) {
  if (!progress) return null;
  const pct = f.progressPct(progress);
  return (
    <div className="progress-block" data-testid="sweep-progress">
      <div className="progress-line">
        <span>
          {PHASE[progress.phase]}
          {progress.numSpeculativeTokens !== null && ` · ${f.configLabel(progress.numSpeculativeTokens)}`}
          {(progress.concurrency ?? 1) > 1 && ` at ${progress.concurrency} concurrent requests`} (configuration {Math.min(progress.configIndex + 1, progress.configCount)} of{' '}
          {progress.configCount})
          {progress.promptType && ` · ${progress.promptType}`}
          {progress.systemPrompt && ` / ${progress.systemPrompt}`}
        </span>
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
