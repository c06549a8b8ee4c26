import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../state/context';
import { ResultsView } from '../results/ResultsView';
import { ReportDownloads } from '../results/ReportDownloads';
import { serverControlLock } from '../state/server-lock';

function SaveReport({ runId }: { runId: string }) {
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

export function ReportActions({ runId, command }: { runId: string | null; command: string | null }) {
  const { applyReport, serverBusy } = useApp(useShallow((s) => ({ applyReport: s.applyReport, serverBusy: s.serverBusy })));
  const locked = useApp(serverControlLock);
  const [copied, setCopied] = useState<string | null>(null);
  return (
    <div className="actions" data-testid="report-actions">
      {command && (
        <button
          type="button"
          onClick={() =>
            navigator.clipboard
              .writeText(command)
              .then(() => setCopied('Command copied'))
              .catch(() => setCopied('Copy failed: select the command above and copy it by hand'))
          }
        >
          Copy command
        </button>
      )}
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
      {copied && (
        <span role="status" className="muted">
          {copied}
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
