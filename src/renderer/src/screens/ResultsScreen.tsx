import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../state/context';
import { ResultsView } from '../results/ResultsView';
import { ReportDownloads } from '../results/ReportDownloads';
import { serverControlLock } from '../state/server-lock';

export function SaveReport({ runId }: { runId: string }) {
  const { mode, saveReport, downloadReport } = useApp(
    useShallow((s) => ({ mode: s.appInfo?.mode, saveReport: s.saveReport, downloadReport: s.downloadReport })),
  );
  const [saved, setSaved] = useState<string | null>(null);

  if (mode === 'browser') {
    // The browser saves the file where its user says; the server is never told a path.
    return (
      <button type="button" onClick={() => void downloadReport(runId)}>
        Download test_results.json
      </button>
    );
  }
  return (
    <>
      <button type="button" onClick={() => void saveReport(runId).then(setSaved)}>
        Save test_results.json…
      </button>
      {saved && (
        <span className="ok" data-testid="saved-path">
          Saved to {saved}
        </span>
      )}
    </>
  );
}

/** Save and Apply beside the answer; Copy sits beside the command itself (CommandLine). */
export function ReportActions({ runId, command }: { runId: string | null; command: string | null }) {
  const { applyReport, serverBusy } = useApp(useShallow((s) => ({ applyReport: s.applyReport, serverBusy: s.serverTask.busy })));
  const locked = useApp(serverControlLock);
  return (
    <div className="actions" data-testid="report-actions">
      {runId && <SaveReport runId={runId} />}
      {runId && command !== null && (
        <button type="button" className="primary" disabled={serverBusy || !!locked} title={locked ?? undefined} onClick={() => void applyReport(runId)}>
          {serverBusy ? 'Restarting…' : 'Apply (restart server on this)'}
        </button>
      )}
      {runId && command !== null && locked && (
        <span className="muted" data-testid="apply-lock-reason">
          {locked}
        </span>
      )}
    </div>
  );
}

export function ResultsScreen() {
  const { results, setScreen } = useApp(useShallow((s) => ({ results: s.results, setScreen: s.setScreen })));
  const report = results.report;
  return (
    <section aria-labelledby="results-title">
      <h2 id="results-title">
        Results {results.source === 'history' && <span className="muted">(from history)</span>}
      </h2>
      {!report ? (
        <div className="empty-state">
          <p>No results yet. Run a sweep, or open a past run from History.</p>
          <button type="button" className="primary" onClick={() => setScreen('sweep')}>
            Go to Sweep
          </button>
        </div>
      ) : (
        <ResultsView
          report={report}
          actions={
            <>
              <ReportActions runId={results.runId} command={report.recommendation?.command ?? null} />
              <ReportDownloads report={report} />
            </>
          }
        />
      )}
    </section>
  );
}
