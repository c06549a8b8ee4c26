import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../state/context';
import { ResultsView } from '../results/ResultsView';
import { ReportDownloads } from '../results/ReportDownloads';

export function SaveReport({ runId }: { runId: string }) {
  const { mode, dataDir, saveReport } = useApp(useShallow((s) => ({ mode: s.appInfo?.mode, dataDir: s.appInfo?.dataDir, saveReport: s.saveReport })));
  const [open, setOpen] = useState(false);
  const [path, setPath] = useState('');
  const [saved, setSaved] = useState<string | null>(null);

  if (mode !== 'browser') {
    // Electron shows its native save dialog when no path is given.
    return (
      <button type="button" onClick={() => void saveReport(runId).then(setSaved)}>
        Save test_results.json…
      </button>
    );
  }
  return (
    <>
      <button
        type="button"
        onClick={() => {
          setPath((p) => p || `${dataDir ?? '.'}/test_results.json`);
          setOpen(true);
        }}
        aria-expanded={open}
      >
        Save test_results.json…
      </button>
      {open && (
        <form
          className="inline-form save-dialog"
          role="dialog"
          aria-label="Save report"
          onSubmit={(e) => {
            e.preventDefault();
            void saveReport(runId, path.trim()).then((p) => {
              if (p) {
                setSaved(p);
                setOpen(false);
              }
            });
          }}
        >
          <label>
            Save to path (on the machine running SpecTune)
            <input value={path} onChange={(e) => setPath(e.target.value)} autoFocus required />
          </label>
          <button type="submit" className="primary">
            Save
          </button>
          <button type="button" onClick={() => setOpen(false)}>
            Cancel
          </button>
        </form>
      )}
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
  const { applyReport, serverBusy, running } = useApp(useShallow((s) => ({ applyReport: s.applyReport, serverBusy: s.serverBusy, running: s.sweep.running })));
  return (
    <div className="actions" data-testid="report-actions">
      {runId && <SaveReport runId={runId} />}
      {runId && command !== null && (
        <button type="button" className="primary" disabled={serverBusy || running} onClick={() => void applyReport(runId)}>
          {serverBusy ? 'Restarting…' : 'Apply (restart server on this)'}
        </button>
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
