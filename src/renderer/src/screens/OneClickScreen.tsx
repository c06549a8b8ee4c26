import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../state/context';
import { SweepStatus } from './SweepScreen';
import { RecommendationPanel } from '../results/RecommendationPanel';
import * as f from '../format';

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
  const mine = sweep.kind === 'optimize';
  const rec = mine ? sweep.report?.recommendation : null;
  const finished = mine && !sweep.running && sweep.status !== null;

  return (
    <section aria-labelledby="oneclick-title">
      <h2 id="oneclick-title">One click</h2>
      <p className="muted">
        Runs the sweep from the Sweep screen with the Servers settings ({serverForm.model || 'no model set'}, k list {tokens}, always with
        the baseline k = 0 to beat), then restarts the server on the fastest k.
      </p>
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
        .filter(([k]) => k !== 'server')
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
          {rec && server?.settings && (
            <p data-testid="oneclick-winner">
              Server now runs with k = {server.settings.numSpeculativeTokens} ({server.phase}) — {f.tps(rec.tokensPerSecond)}, {f.signedPct(rec.speedupPercent)} vs
              baseline.
            </p>
          )}
          {rec && (
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
