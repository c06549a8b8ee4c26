import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../state/context';
import { SweepProgressBar } from '../components/Progress';
import { ErrorPanel } from '../components/ErrorPanel';
import { SimulatedBadge } from '../components/Simulated';
import { LiveMeasurementsChart, ThroughputChart } from '../results/charts';
import { ConfigTable } from '../results/tables';
import { SweepForm } from './SweepForm';
import { levelView, targetLevel } from '../results/levels';
import { CopyButton } from '../components/CopyButton';
import { HowToSetIt } from '../results/HowToSetIt';
import { Headline } from '../results/Headline';
import { ReportDownloads } from '../results/ReportDownloads';
import { SaveReport } from './ResultsScreen';
import { configKey, isBaseline } from '../../../shared/config-key';

/** `answer`: draw the headline and its actions under the run (One click draws its own answer above, so it passes false). */
export function SweepStatus({ answer = true }: { answer?: boolean }) {
  const { sweep, setScreen, serverSimulated } = useApp(
    useShallow((s) => ({ sweep: s.sweep, setScreen: s.setScreen, serverSimulated: Boolean(s.server?.simulated) })),
  );
  const failed = sweep.measurements.filter((m) => !m.ok).length;
  // Before the first configuration's report, the launched server is all that says where the numbers come from.
  const simulated = Boolean(sweep.report?.server.simulated) || serverSimulated;
  // Several load levels: the target level's configurations (Results has the picker for the others).
  const level = sweep.report ? targetLevel(sweep.report) : 1;
  const whole = sweep.report ? { ...levelView(sweep.report, level), level } : null;
  // Mid-run the baseline leads until a k is measured: it is not "recommended" before the run decides it.
  const view = whole && sweep.running && whole.configs.some((c) => isBaseline(c) && configKey(c) === whole.best) ? { ...whole, best: null } : whole;
  return (
    <>
      <SweepProgressBar progress={sweep.progress} report={sweep.report} />
      <ErrorPanel error={sweep.error} title="The sweep stopped" testId="sweep-error" />
      {sweep.status && !sweep.running && (
        <p className={`sweep-done status-${sweep.status}`} data-testid="sweep-status" role="status">
          Sweep {sweep.status}: {sweep.measurements.length} requests measured{failed ? `, ${failed} failed` : ''}
          {sweep.status !== 'complete' && sweep.report ? ' — the finished configurations are kept below.' : '.'}
          {sweep.reportPath && (
            <>
              {' '}
              Report: <code className="path">{sweep.reportPath}</code> <CopyButton text={sweep.reportPath} what="report path" testId="sweep-report-path-copy" />
            </>
          )}{' '}
          {sweep.report && (
            <button type="button" className="link" onClick={() => setScreen('results')}>
              Open in Results
            </button>
          )}
        </p>
      )}
      {(sweep.running || sweep.measurements.length > 0) && (
        <div className="chart-grid">
          <LiveMeasurementsChart measurements={sweep.measurements} simulated={simulated} />
          {view && <ThroughputChart configs={view.configs} best={view.best} />}
        </div>
      )}
      {answer && sweep.report && !sweep.running && (
        // The answer and what to do with it, beside the result (issue 11, finding 8): not only on Results.
        <div className="sweep-answer" data-testid="sweep-answer">
          <Headline report={sweep.report} />
          {sweep.report.recommendation && <HowToSetIt rec={sweep.report.recommendation} testId="sweep-command" />}
          <div className="actions">
            {sweep.runId && <SaveReport runId={sweep.runId} />}
          </div>
          <ReportDownloads report={sweep.report} />
        </div>
      )}
      {sweep.report && (
        <div data-testid="sweep-partial">
          <h3>
            {/* "so far" only while it is still growing (issue 11, finding 10). */}
            {sweep.running ? 'Configurations so far' : 'Configurations'} <SimulatedBadge show={simulated} />
          </h3>
          {view && <ConfigTable configs={view.configs} best={view.best} level={view.level} />}
        </div>
      )}
    </>
  );
}

export function SweepScreen() {
  const { running, runSweep, cancelSweep } = useApp(useShallow((s) => ({ running: s.sweep.running, runSweep: s.runSweep, cancelSweep: s.cancelSweep })));
  return (
    <section aria-labelledby="sweep-title">
      <h2 id="sweep-title">Sweep</h2>
      {/* Not a <form>: the custom-prompt editor inside is one, and forms must not nest. */}
      <div>
        <SweepForm />
        <div className="actions">
          <button type="button" className="primary" disabled={running} onClick={() => void runSweep('sweep')}>
            {running ? 'Running…' : 'Run sweep'}
          </button>
          <button type="button" onClick={() => void cancelSweep()} disabled={!running}>
            Cancel
          </button>
        </div>
      </div>
      <SweepStatus />
    </section>
  );
}
