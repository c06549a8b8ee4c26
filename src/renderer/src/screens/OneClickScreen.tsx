import { useEffect, useRef, useState } from 'react';
import { summarizeReport } from '../../../shared/report-export/summary';
import type { Report } from '../../../shared/schemas';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../state/context';
import { SweepStatus } from './SweepScreen';
import { RecommendationPanel } from '../results/RecommendationPanel';
import { LoadFields } from './LoadFields';
import { KnobFields } from './KnobFields';
import * as f from '../format';
import { describePlan } from '../../../shared/plan-builder';
import { buildPlan } from '../state/forms';
import { serverEngine } from '../state/validation';
import type { AppState } from '../state/store';
import { HowToSetIt } from '../results/HowToSetIt';
import { LevelPicksTable } from '../results/LevelPicksTable';
import { targetLevel } from '../results/levels';
import { decisionWords } from '../../../shared/report-export/decision-words';

/**
 * The run this screen is about, in words: the one under way or just ended (one click from Get started
 * included), else the one its button would start — the Sweep form's measurements on the Servers settings.
 */
function oneClickDescription(s: AppState): string | null {
  const mine = s.sweep.oneClick || s.sweep.kind === 'optimize';
  if (mine && s.sweep.plan) {
    return describePlan(s.sweep.plan, s.engines.find((e) => e.id === (s.sweep.plan!.server?.engine ?? s.sweep.plan!.engine)) ?? null, s.sweep.kind === 'optimize');
  }
  const built = buildPlan({ ...s.sweepForm, mode: 'managed' }, s.serverForm, serverEngine(s), true);
  if (!built.ok) return null;
  // One click always measures the baseline too (the services add k = 0 to its list), so the words do.
  const plan = built.value.tokens.includes(0) ? built.value : { ...built.value, tokens: [0, ...built.value.tokens] };
  return describePlan(plan, serverEngine(s) ?? null, true);
}
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
  const description = useApp(useShallow((s) => oneClickDescription(s)));
  const [name, setName] = useState('');
  const mine = sweep.oneClick || sweep.kind === 'optimize';
  const rec = mine ? sweep.report?.recommendation : null;
  const finished = mine && !sweep.running && sweep.status !== null;

  return (
    <section aria-labelledby="oneclick-title">
      <h2 id="oneclick-title">One click</h2>
      {finished && sweep.report && <Answer report={sweep.report} runId={sweep.runId} />}
      <p className="muted" data-testid="oneclick-plan">
        {description ?? `Fix what is marked below to see what will run.`} To tune another engine, or one you run yourself,{' '}
        <button type="button" className="link" onClick={() => setScreen('start')}>
          start from Get started
        </button>
        .
      </p>
      <div className="form-grid">
        <LoadFields errors={errors} />
        <KnobFields errors={errors} />
      </div>
      <div className="actions">
        <button type="button" className="primary big" disabled={sweep.running} onClick={() => void runSweep('optimize')}>
          Find the best setting
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
        // The server's error points at Servers; the load and knob fields show their own above.
        .filter(([k]) => !['server', 'concurrency', 'targetConcurrency', 'sloTtftP99', 'sloItlP99', 'draftModels', 'draftPMins', 'methods'].includes(k))
        .map(([k, v]) => (
          <p key={k} className="field-error" role="alert">
            {k}: {v}{' '}
            <button type="button" className="link" onClick={() => setScreen('sweep')}>
              Open Sweep
            </button>
          </p>
        ))}
      {mine && <SweepStatus answer={false} />}
      {finished && sweep.report && (
        <RecommendationPanel report={sweep.report} answered>
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
  const decided = decisionWords(report);
  const rec = report.recommendation;
  const { applyAttached, serverBusy } = useApp(useShallow((st) => ({ applyAttached: st.applyAttached, serverBusy: st.serverTask.busy })));
  // An attached engine's run: its own CLI may put the winner in place, after the user sees the commands.
  const attached = (report.plan as { mode?: unknown }).mode === 'attached' && rec !== null && runId !== null;
  const picks = rec?.byConcurrency ?? [];
  useEffect(() => {
    ref.current?.focus();
    ref.current?.scrollIntoView?.({ block: 'nearest' });
  }, [runId]);
  return (
    <div className="card answer" data-testid="oneclick-answer">
      <p className="answer-headline" ref={ref} tabIndex={-1} data-testid="oneclick-headline">
        {summary.headline}
      </p>
      {decided && <p data-testid="oneclick-decision">{decided}</p>}
      {summary.details[0] && <p className="muted">{summary.details[0]}</p>}
      {rec && <HowToSetIt rec={rec} testId="oneclick-setting" />}
      {picks.length > 1 && <LevelPicksTable picks={picks} target={targetLevel(report)} />}
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
