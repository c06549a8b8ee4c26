import { useId } from 'react';
import type { Report } from '../../../shared/schemas';
import * as f from '../format';
import { SimulatedBadge } from '../components/Simulated';
import { Term } from '../components/Term';
import { StartupLines } from './StartupLines';
import type { GlossaryKey } from './glossary';
import { tieSentence } from './ties';

/** Terms the recommendation's reason can use (it comes from the report, in statistical words). */
const REASON_TERMS: { k: GlossaryKey; pattern: RegExp }[] = [
  { k: 'interval', pattern: /interval/ },
  { k: 'baseline', pattern: /baseline/ },
  { k: 'alpha', pattern: /α/ },
  { k: 'leviathan', pattern: /Leviathan/ },
];

function Stat({ label, value, testId, className = '' }: { label: React.ReactNode; value: string; testId: string; className?: string }) {
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
  const tie = tieSentence(report);
  const reasonTerms = r ? REASON_TERMS.filter((t) => t.pattern.test(r.reason)) : [];
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
            <Stat label={<Term k="k" label="Draft tokens" />} testId="rec-k" value={`k = ${r.numSpeculativeTokens}`} />
            <Stat label={<Term k="tokps" label="Throughput" />} testId="rec-tps" value={f.tps(r.tokensPerSecond)} />
            <Stat label={<Term k="speedup" label="Speedup" />} testId="rec-speedup" value={f.signedPct(r.speedupPercent)} />
            <Stat label={<Term k="confidence" label="Confidence" />} testId="rec-confidence" value={r.confidence} className={`conf-${r.confidence}`} />
          </div>
          {(r.byConcurrency?.length ?? 0) > 1 && (
            <p data-testid="rec-level">
              For {r.concurrency ?? 1} concurrent request{(r.concurrency ?? 1) === 1 ? '' : 's'} (the load it was asked for); the best k at every load
              measured is under By load below.
            </p>
          )}
          {tie && (
            <p className="tie-note" data-testid="rec-tie">
              <Term k="ties" label="Why not the fastest?" /> {tie}
            </p>
          )}
          <p data-testid="rec-reason">{r.reason}</p>
          {reasonTerms.length > 0 && (
            <p className="muted terms-line">
              Terms used above:{' '}
              {reasonTerms.map((t) => (
                <Term key={t.k} k={t.k} />
              ))}
            </p>
          )}
          {report.bestUseCase && (
            <p data-testid="rec-best-use">
              Best use case: <strong>{report.bestUseCase.label}</strong> ({f.signedPct(report.bestUseCase.speedupPercent)})
            </p>
          )}
          <StartupLines r={r} />
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
