import { useId } from 'react';
import type { Report } from '../../../shared/schemas';
import * as f from '../format';
import { SimulatedBadge } from '../components/Simulated';

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
            <div className="stat">
              <span className="stat-label">Draft tokens</span>
              <span className="stat-value" data-testid="rec-k">
                k = {r.numSpeculativeTokens}
              </span>
            </div>
            <div className="stat">
              <span className="stat-label">Throughput</span>
              <span className="stat-value" data-testid="rec-tps">
                {f.tps(r.tokensPerSecond)}
              </span>
            </div>
            <div className="stat">
              <span className="stat-label">Speedup</span>
              <span className="stat-value" data-testid="rec-speedup">
                {f.signedPct(r.speedupPercent)}
              </span>
            </div>
            <div className="stat">
              <span className="stat-label">Confidence</span>
              <span className={`stat-value conf-${r.confidence}`} data-testid="rec-confidence">
                {r.confidence}
              </span>
            </div>
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
