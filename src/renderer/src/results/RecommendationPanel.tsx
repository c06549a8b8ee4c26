import { useId } from 'react';
import { useApp } from '../state/context';
import type { Report } from '../../../shared/schemas';
import * as f from '../format';
import { SimulatedBadge } from '../components/Simulated';
import { Term } from '../components/Term';
import { GLOSSARY, type GlossaryKey } from './glossary';
import { tieSentence } from './ties';
import { HowToSetIt } from './HowToSetIt';
import { summarizeReport, speedupWords } from '../../../shared/report-export/summary';
import { draftTokens } from '../../../shared/report-export/text';
import { decisionWords } from '../../../shared/report-export/decision-words';

/** Terms the recommendation's reason can use (it comes from the report, in statistical words). */
const REASON_TERMS: { k: GlossaryKey; pattern: RegExp }[] = [
  { k: 'interval', pattern: /interval/ },
  { k: 'baseline', pattern: /baseline/ },
  { k: 'alpha', pattern: /α/ },
  { k: 'leviathan', pattern: /Leviathan/ },
];

/** The answer as one plain sentence, before any statistics: what to use and what it gives. */
function plainSentence(report: Report): string {
  const r = report.recommendation!;
  const s = summarizeReport(report);
  if (s.verdict === 'faster' && r.speedupPercent !== null) {
    return `Use ${draftTokens(r.numSpeculativeTokens, r.draftModel)}: ${speedupWords(r.speedupPercent)} than without speculation${s.predicted ? ' (predicted, not measured)' : ''}.`;
  }
  return s.verdict === 'keep-off' ? `${s.headline} ${s.details[0] ?? ''}`.trim() : s.headline;
}

/** The setting itself: its k, or the draft model where the engine's k is its own (LM Studio) — never "k = null". */
function SettingStat({ rec }: { rec: NonNullable<Report['recommendation']> }) {
  if (rec.numSpeculativeTokens === null && rec.draftModel) {
    return <Stat label="Draft model" testId="rec-k" value={rec.draftModel} />;
  }
  return <Stat label={<Term k="k" label="Draft tokens" />} testId="rec-k" value={rec.numSpeculativeTokens === null ? 'the engine default' : `k = ${rec.numSpeculativeTokens}`} />;
}

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

/**
 * The pick sits at the edge of the k grid: a larger (or smaller) k may be faster. Said in words,
 * with the offer to run the same plan again over a grid extended past it.
 */
const gridEdges = (report: Report) => report.warnings.filter((w) => w.kind === 'edge-of-grid' && typeof w.numSpeculativeTokens === 'number');

function GridEdge({ report }: { report: Report }) {
  const extendSearch = useApp((s) => s.extendSearch);
  const running = useApp((s) => s.sweep.running);
  const edges = gridEdges(report);
  const tried = report.configurations.flatMap((c) => (c.numSpeculativeTokens === null ? [] : [c.numSpeculativeTokens]));
  const words = edges.map((w) => {
    const k = w.numSpeculativeTokens!;
    return k >= Math.max(...tried) ? `k=${k} is the largest k tried, so a larger k may be faster.` : `k=${k} is the smallest k above 0 tried, so a smaller k may be faster.`;
  });
  return (
    <div className="grid-edge" data-testid="grid-edge">
      <p>
        {[...new Set(words)].join(' ')} The search did not look past the edge of its grid.
      </p>
      <button type="button" disabled={running} onClick={() => void extendSearch(report)}>
        Extend the search
      </button>
    </div>
  );
}

/**
 * `answered`: the answer in words, how it was decided and how to set it are drawn above the panel
 * already (One click's answer), so the panel keeps to the figures and the why — each said once.
 */
export function RecommendationPanel({ report, children, answered = false }: { report: Report; children?: React.ReactNode; answered?: boolean }) {
  const r = report.recommendation;
  // History's compare draws two panels at once: a fixed id would label both with the first heading.
  const titleId = useId();
  const tie = tieSentence(report);
  const reasonTerms = r ? REASON_TERMS.filter((t) => t.pattern.test(r.reason)) : [];
  const decided = decisionWords(report);
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
          {!answered && (
            <p className="rec-plain" data-testid="rec-plain">
              {plainSentence(report)}
            </p>
          )}
          {decided && !answered && <p data-testid="rec-decision">{decided}</p>}
          {gridEdges(report).length > 0 && <GridEdge report={report} />}
          <div className="stats">
            <SettingStat rec={r} />
            <Stat label={<Term k="tokps" label="Throughput" />} testId="rec-tps" value={f.tps(r.tokensPerSecond)} />
            <Stat label={<Term k="speedup" label="Speedup" />} testId="rec-speedup" value={f.signedPct(r.speedupPercent)} />
            <Stat label={<Term k="confidence" label="Confidence" />} testId="rec-confidence" value={r.confidence} className={`conf-${r.confidence}`} />
          </div>
          {(r.byConcurrency?.length ?? 0) > 1 && (
            <p data-testid="rec-level">
              For {r.concurrency ?? 1} concurrent request{(r.concurrency ?? 1) === 1 ? '' : 's'} (the load it was asked for); the best k at every load
              measured is in the table “Best k at each load”.
            </p>
          )}
          {tie && (
            <p className="tie-note" data-testid="rec-tie">
              <Term k="ties" label="Why not the fastest?" /> {tie}
            </p>
          )}
          {/* The statistics and the model behind the answer, for whoever asks: α, intervals, Leviathan et al. */}
          <details className="why-details" data-testid="rec-why">
            <summary>Why?</summary>
            <p data-testid="rec-reason">{r.reason}</p>
            {reasonTerms.length > 0 && (
              <dl className="kv terms-line" data-testid="rec-why-terms">
                {reasonTerms.map((t) => (
                  <div key={t.k} className="glossary-row">
                    <dt>{GLOSSARY[t.k].term}</dt>
                    <dd>{GLOSSARY[t.k].text}</dd>
                  </div>
                ))}
              </dl>
            )}
          </details>
          {report.bestUseCase && (
            <p data-testid="rec-best-use">
              Best use case: <strong>{report.bestUseCase.label}</strong> ({f.signedPct(report.bestUseCase.speedupPercent)})
            </p>
          )}
          {!answered && <HowToSetIt rec={r} testId="rec-command" />}
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
