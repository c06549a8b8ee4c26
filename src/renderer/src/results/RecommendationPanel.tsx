import { useId } from 'react';
import type { Report } from '../../../shared/schemas';
import * as f from '../format';
import { SimulatedBadge } from '../components/Simulated';

function Stat({ label, value, testId, className = '' }: { label: string; value: string; testId: string; className?: string }) {
  return (
    <div className="stat">
      <span className="stat-label">{label}</span>
      <span className={`stat-value ${className}`.trim()} data-testid={testId}>
        {value}
      </span>
    </div>
  );
}

export function RecommendationPanel({ report, children }: { report: Report; children?: React.ReactNode }) {
  const r = report.recommendation;
  // History's compare draws two panels at once: a fixed id would label both with the first heading.
  const titleId = useId();
  return (
    <section className="card recommendation" data-testid="recommendation" aria-labelledby={titleId}>
      <header>
        <h3 id={titleId}>Recommendation</h3>
        <SimulatedBadge show={report.server.simulated} />
        {report.status !== 'complete' && (
          <span className="badge badge-warn" data-testid="report-status">
            {report.status}
          </span>
        )}
      </header>
      {r ? (
        <>
          <div className="stats">
            <Stat label="Draft tokens" testId="rec-k" value={`k = ${r.numSpeculativeTokens}`} />
            <Stat label="Throughput" testId="rec-tps" value={f.tps(r.tokensPerSecond)} />
            <Stat label="Speedup" testId="rec-speedup" value={f.signedPct(r.speedupPercent)} />
            <Stat label="Confidence" testId="rec-confidence" value={r.confidence} className={`conf-${r.confidence}`} />
          </div>
          <p data-testid="rec-reason">{r.reason}</p>
          {report.bestUseCase && (
            <p data-testid="rec-best-use">
              Best use case: <strong>{report.bestUseCase.label}</strong> ({f.signedPct(report.bestUseCase.speedupPercent)})
            </p>
          )}
          {r.command && (
            <pre className="command" data-testid="rec-command" tabIndex={0} aria-label="Startup command">
              {r.command}
            </pre>
          )}
        </>
      ) : (
        <p className="muted">No recommendation yet: it needs at least one finished configuration.</p>
      )}
      {report.warnings.length > 0 && (
        <ul className="warnings" data-testid="warnings" aria-label="Warnings">
          {report.warnings.map((w, i) => (
            <li key={i} className={`warning warning-${w.kind}`}>
              ⚠ {w.message}
            </li>
          ))}
        </ul>
      )}
      {children}
    </section>
  );
}
