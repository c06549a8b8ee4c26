import { useId, useState } from 'react';
import type { Report } from '../../../shared/schemas';
import * as f from '../format';
import { SimulatedBadge } from '../components/Simulated';
import { AcceptanceChart, GroupSpeedupChart, ThroughputChart, TtftChart } from './charts';
import { ConfigTable, GroupTable } from './tables';
import { RecommendationPanel } from './RecommendationPanel';
import { Headline } from './Headline';
import { Glossary } from './Glossary';
import { KCurveChart } from './KCurveChart';
import { armsOf, comparedKnobs } from './arms';
import { LoadChart } from './LoadChart';
import { LevelPicksTable } from './LevelPicksTable';
import { ScheduleCard } from './ScheduleCard';
import { levelView, reportLevels, targetLevel } from './levels';

/** Everything a report says, drawn. `actions` go inside the recommendation panel. */
export function ResultsView({ report, actions, compact = false }: { report: Report; actions?: React.ReactNode; compact?: boolean }) {
  const levels = reportLevels(report);
  const target = targetLevel(report);
  const [picked, setPicked] = useState<number | null>(null);
  // A live report can gain or change levels; a picked level that is gone falls back to the target.
  const level = picked !== null && levels.includes(picked) ? picked : target;
  const multi = levels.length > 1;
  // One level at a time: per-k tables and charts never mix a k at 1 request with the same k at 32.
  const { configs, best } = levelView(report, level);
  // The k chart: where something was predicted, or several arms (method, draft, cut-off) each have a k-curve (an engine whose k is its own has none).
  const kCurves = configs.some((c) => c.predicted && c.prediction) || armsOf(configs.filter((c) => c.numSpeculativeTokens !== null)).size > 1;
  const s = report.server;
  return (
    <div className="results" data-testid="results-view">
      <Headline report={report} />
      <p className="meta">
        {s.model ?? 'unknown model'} on {s.kind}
        {s.engineVersion ? ` ${s.engineVersion}` : ''} · {s.method ?? (s.draftModel ? `draft ${s.draftModel}` : 'no speculation method')} · {report.measurements.length}{' '}
        requests · {f.when(report.createdAt)} <SimulatedBadge show={s.simulated} />
      </p>
      <RecommendationPanel report={report}>{actions}</RecommendationPanel>
      {multi && (
        <section className="load-levels" data-testid="load-levels" aria-label="By load">
          <h3>By load: {levels.join(', ')} concurrent requests</h3>
          {!compact && <LoadChart configs={report.configurations} levels={levels} />}
          <LevelPicksTable picks={report.recommendation?.byConcurrency ?? []} target={target} />
          {report.recommendation && <ScheduleCard rec={report.recommendation} target={target} />}
          <LevelPicker levels={levels} target={target} level={level} onPick={setPicked} />
        </section>
      )}
      <ConfigTable configs={configs} best={best} level={level} />
      {!compact && (
        <div className="chart-grid">
          <ThroughputChart configs={configs} best={best} />
          {kCurves && <KCurveChart configs={configs} />}
          <GroupSpeedupChart groups={report.byPromptType} title="Speedup by prompt type (vs baseline)" testId="chart-by-prompt" />
          <GroupSpeedupChart groups={report.bySystemPrompt} title="Speedup by system prompt (vs baseline)" testId="chart-by-system" />
          <TtftChart configs={configs} />
          <AcceptanceChart configs={configs} />
        </div>
      )}
      <GroupTable groups={report.byPromptType} caption="By prompt type" firstColumn="Type" testId="prompt-type-table" compared={comparedKnobs(configs)} />
      <GroupTable groups={report.bySystemPrompt} caption="By system prompt" firstColumn="System prompt" testId="system-prompt-table" />
      {!compact && <Glossary />}
    </div>
  );
}

/** Which load the per-k table and charts below show (the target level first). */
function LevelPicker({ levels, target, level, onPick }: { levels: number[]; target: number; level: number; onPick: (l: number) => void }) {
  const id = useId();
  return (
    <p className="level-picker">
      <label htmlFor={id}>Show the configurations at </label>
      <select id={id} data-testid="level-picker" value={level} onChange={(e) => onPick(Number(e.target.value))}>
        {levels.map((l) => (
          <option key={l} value={l}>
            {l} concurrent request{l === 1 ? '' : 's'}
            {l === target ? ' (recommended for)' : ''}
          </option>
        ))}
      </select>
    </p>
  );
}
