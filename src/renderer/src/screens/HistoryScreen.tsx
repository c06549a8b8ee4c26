import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../state/context';
import { errorLine } from '../state/store';
import { ResultsView } from '../results/ResultsView';
import { CompareTable } from '../results/CompareTable';
import { SimulatedBadge } from '../components/Simulated';
import * as f from '../format';
import type { RunSummary } from '../../../shared/ipc-contract';

/** A run's answer in the Best k column: the baseline, a k, or the draft model where the engine's k is its own. */
function bestSetting(h: RunSummary): string {
  if (h.recommendedK === null) return h.recommendedDraftModel ? `draft ${h.recommendedDraftModel}` : '—';
  return h.recommendedK === 0 ? 'baseline' : String(h.recommendedK);
}

export function HistoryScreen() {
  const { history, error, load, open, compare, setCompare } = useApp(
    useShallow((s) => ({ history: s.history, error: s.historyTask.error, load: s.loadHistory, open: s.openHistory, compare: s.compare, setCompare: s.setCompare })),
  );
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      {error && <p className="field-error">{errorLine(error)}</p>}
      {history.length === 0 ? (
        <p className="empty-state">No runs yet. Finished and cancelled sweeps appear here.</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="history-table">
            <caption>Past runs</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Model</th>
                <th scope="col">Status</th>
                <th scope="col">Best k</th>
                <th scope="col">Speedup</th>
                <th scope="col">Open / compare</th>
              </tr>
            </thead>
            <tbody>
              {history.map((h) => (
                <tr key={h.runId}>
                  <th scope="row">{f.when(h.createdAt)}</th>
                  <td>
                    {h.model ?? '—'} <SimulatedBadge show={h.simulated} />
                  </td>
                  <td>{h.status}</td>
                  <td>{bestSetting(h)}</td>
                  <td>{f.signedPct(h.speedupPercent)}</td>
                  <td className="actions">
                    <button type="button" onClick={() => void open(h.runId)}>
                      Open
                    </button>
                    <button type="button" aria-pressed={compare.a?.summary.runId === h.runId} onClick={() => void setCompare('a', h.runId)}>
                      Compare as A
                    </button>
                    <button
                      type="button"
                      aria-label="Compare as B"
                      aria-pressed={compare.b?.summary.runId === h.runId}
                      onClick={() => void setCompare('b', h.runId)}
                    >
                      as B
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {compare.a && compare.b && <CompareTable a={compare.a.report} b={compare.b.report} />}
      {(compare.a || compare.b) && (
        <div className="compare" data-testid="compare">
          {(['a', 'b'] as const).map((slot) => {
            const c = compare[slot];
            return (
              <div key={slot} className="compare-col">
                <h3>
                  {slot.toUpperCase()}: {c ? f.when(c.summary.createdAt) : 'pick a run'}{' '}
                  {c && (
                    <button type="button" className="link" onClick={() => void setCompare(slot, null)}>
                      clear
                    </button>
                  )}
                </h3>
                {c && <ResultsView report={c.report} compact />}
              </div>
            );
          })}
        </div>
      )}
    </section>
  );
}
