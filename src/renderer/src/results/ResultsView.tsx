import type { Report } from '../../../shared/schemas';
import * as f from '../format';
import { configKey } from '../../../shared/config-key';
import { SimulatedBadge } from '../components/Simulated';
import { AcceptanceChart, GroupSpeedupChart, ThroughputChart, TtftChart } from './charts';
import { ConfigTable, GroupTable } from './tables';
import { RecommendationPanel } from './RecommendationPanel';
import { Headline } from './Headline';
import { Glossary } from './Glossary';

/** Everything a report says, drawn. `actions` go inside the recommendation panel. */
export function ResultsView({ report, actions, compact = false }: { report: Report; actions?: React.ReactNode; compact?: boolean }) {
  const best = report.recommendation ? configKey(report.recommendation) : null;
  const s = report.server;
  return (
    <div className="results" data-testid="results-view">
      <Headline report={report} />
      <p className="meta">
        {s.model ?? 'unknown model'} on {s.kind}
        {s.vllmVersion ? ` ${s.vllmVersion}` : ''} · {s.method ?? (s.draftModel ? `draft ${s.draftModel}` : 'no speculation method')} · {report.measurements.length}{' '}
        requests · {f.when(report.createdAt)} <SimulatedBadge show={s.simulated} />
      </p>
      <RecommendationPanel report={report}>{actions}</RecommendationPanel>
      <ConfigTable configs={report.configurations} best={best} />
      {!compact && (
        <div className="chart-grid">
          <ThroughputChart configs={report.configurations} best={best} />
          <GroupSpeedupChart groups={report.byPromptType} title="Speedup by prompt type (vs baseline)" testId="chart-by-prompt" />
          <GroupSpeedupChart groups={report.bySystemPrompt} title="Speedup by system prompt (vs baseline)" testId="chart-by-system" />
          <TtftChart configs={report.configurations} />
          <AcceptanceChart configs={report.configurations} />
        </div>
      )}
      <GroupTable groups={report.byPromptType} caption="By prompt type" firstColumn="Type" testId="prompt-type-table" />
      <GroupTable groups={report.bySystemPrompt} caption="By system prompt" firstColumn="System prompt" testId="system-prompt-table" />
      {!compact && <Glossary />}
    </div>
  );
}
