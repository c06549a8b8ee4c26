import { useEffect, useRef, useState } from 'react';
import { summarizeReport } from '../../../shared/report-export/summary';
import type { Report } from '../../../shared/schemas';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../state/context';
import { SweepStatus } from './SweepScreen';
import { RecommendationPanel } from '../results/RecommendationPanel';
import { LoadFields } from './LoadFields';
import * as f from '../format';
import { ENGINE_IDENTITY } from '../../../shared/engine-descriptor';

/** Sweep with the current settings, restart on the winner, offer to keep it as a preset. */
export function OneClickScreen() {
  const { sweep, server, serverForm, runSweep, cancelSweep, savePreset, setScreen } = useApp(
    useShallow((s) => ({
      sweep: s.sweep,
      server: s.server,
      serverForm: s.serverForm,
      runSweep: s.runSweep,
      cancelSweep: s.cancelSweep,
      savePreset: s.savePreset,
      setScreen: s.setScreen,
    })),
  );
  const errors = useApp((s) => s.sweepFormErrors);
  const tokens = useApp((s) => s.sweepForm.tokens);
  const [name, setName] = useState('');
  const mine = sweep.oneClick || sweep.kind === 'optimize';
  const rec = mine ? sweep.report?.recommendation : null;
  const finished = mine && !sweep.running && sweep.status !== null;

  return (
    <section aria-labelledby="oneclick-title">
      <h2 id="oneclick-title">One click</h2>
      {finished && sweep.report && <Answer report={sweep.report} runId={sweep.runId} />}
      <p className="muted">
        Runs the sweep from the Sweep screen with the Servers settings ({serverForm.model || 'no model set'}, k list {tokens}, always with
        the baseline k = 0 to beat), then restarts the server on the fastest k. To tune another engine, or one you run yourself,{' '}
        <button type="button" className="link" onClick={() => setScreen('start')}>
          start from Get started
        </button>
        .
      </p>
      <div className="form-grid">
        <LoadFields errors={errors} />
      </div>
      <div className="actions">
        <button type="button" className="primary big" disabled={sweep.running} onClick={() => void runSweep('optimize')}>
          Find optimal draft tokens &amp; restart
        </button>
        {sweep.running && mine && (
          <button type="button" onClick={() => void cancelSweep()}>
            Cancel
          </button>
        )}
      </div>
      {errors.server && (
        <p className="field-error" role="alert">
          {errors.server}{' '}
          <button type="button" className="link" onClick={() => setScreen('servers')}>
            Open Servers
          </button>
        </p>
      )}
      {Object.entries(errors)
        // The server's error points at Servers; the load fields show their own above.
        .filter(([k]) => k !== 'server' && k !== 'concurrency' && k !== 'targetConcurrency')
        .map(([k, v]) => (
          <p key={k} className="field-error" role="alert">
            {k}: {v}{' '}
            <button type="button" className="link" onClick={() => setScreen('sweep')}>
              Open Sweep
            </button>
          </p>
        ))}
      {mine && <SweepStatus />}
      {finished && sweep.report && (
        <RecommendationPanel report={sweep.report}>
          {/* Only a launched engine was restarted; an attached run leaves the managed server as it was. */}
          {rec && server?.settings && sweep.kind === 'optimize' && (
            <p data-testid="oneclick-winner">
              Server now runs with k = {server.settings.numSpeculativeTokens} ({server.phase}) — {f.tps(rec.tokensPerSecond)}, {f.signedPct(rec.speedupPercent)} vs
              baseline.
            </p>
          )}
          {rec && sweep.kind === 'optimize' && (
            <form
              className="inline-form"
              onSubmit={(e) => {
                e.preventDefault();
                const settings = server?.settings ?? undefined;
                void savePreset(name.trim() || `Optimal k=${rec.numSpeculativeTokens}`, settings, `one-click sweep: ${f.signedPct(rec.speedupPercent)}`);
              }}
            >
              <label>
                Preset name
                <input value={name} onChange={(e) => setName(e.target.value)} placeholder={`Optimal k=${rec.numSpeculativeTokens}`} />
              </label>
              <button type="submit">Save as preset</button>
            </form>
          )}
        </RecommendationPanel>
      )}
    </section>
  );
}

/**
 * The answer, first thing on the screen when one click ends: the headline in plain words
 * (focused, so screen readers say it and the page shows it), and the exact setting to keep, with Copy.
 */
function Answer({ report, runId }: { report: Report; runId: string | null }) {
  const ref = useRef<HTMLParagraphElement>(null);
  const summary = summarizeReport(report);
  const rec = report.recommendation;
  // A simulated run's setting to keep is the real engine's line (the simulator's is on Results).
  const setting = rec?.realEngine?.command ?? rec?.command ?? rec?.setting ?? null;
  const [copied, setCopied] = useState<string | null>(null);
  const { applyAttached, serverBusy } = useApp(useShallow((st) => ({ applyAttached: st.applyAttached, serverBusy: st.serverTask.busy })));
  // An attached engine's run: its own CLI may put the winner in place, after the user sees the commands.
  const attached = (report.plan as { mode?: unknown }).mode === 'attached' && rec !== null && runId !== null;
  useEffect(() => {
    ref.current?.focus();
    ref.current?.scrollIntoView?.({ block: 'nearest' });
  }, [runId]);
  return (
    <div className="card answer" data-testid="oneclick-answer">
      <p className="answer-headline" ref={ref} tabIndex={-1} data-testid="oneclick-headline">
        {summary.headline}
      </p>
      {summary.details[0] && <p className="muted">{summary.details[0]}</p>}
      {setting && (
        <div className="answer-setting">
          <pre className={rec?.command ? 'command' : 'command setting'} data-testid="oneclick-setting" tabIndex={0} aria-label={rec?.realEngine ? `Setting to keep, for a real ${rec.realEngine.label}` : 'Setting to keep'}>
            {setting}
          </pre>
          {rec?.command && rec.setting && rec.setting !== rec.command && <p data-testid="oneclick-setting-words">{rec.setting}</p>}
          <button
            type="button"
            onClick={() =>
              navigator.clipboard
                .writeText(setting)
                .then(() => setCopied('Setting copied'))
                .catch(() => setCopied('Copy failed: select the text and copy it by hand'))
            }
          >
            Copy
          </button>
          {copied && (
            <span role="status" className="muted">
              {copied}
            </span>
          )}
        </div>
      )}
      {attached && report.server.simulated && (
        <p className="muted" data-testid="apply-simulated">
          Apply with the engine's own tool is for a real {report.server.kind === 'unknown' ? 'server' : ENGINE_IDENTITY[report.server.kind].label}: these numbers come
          from the simulator, which that tool does not control. Set it there yourself, or tune the real one.
        </p>
      )}
      {attached && !report.server.simulated && (
        <button
          type="button"
          disabled={serverBusy}
          onClick={() =>
            void applyAttached(runId, (commands) =>
              window.confirm(`SpecTune will run, with the server's own command line tool:\n\n${commands.join('\n')}\n\nThis reloads the model. Go on?`),
            )
          }
        >
          Apply with the engine's own tool…
        </button>
      )}
    </div>
  );
}
