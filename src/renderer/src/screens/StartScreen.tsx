import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../state/context';
import { errorLine } from '../state/store';
import { draftFreeMethods, modelChoices, rankEngines, type RankedEngine } from '../state/guide';
import { hasDemo, simulatorEngine } from '../state/demo';
import { Field } from '../components/Field';
import { MethodChecklist } from '../components/MethodChecklist';
import { LoadFields } from './LoadFields';
import { SimulatedBadge } from '../components/Simulated';
import type { EngineDescriptor } from '../../../shared/engine-descriptor';
import { PLAN_DEFAULTS } from '../../../shared/plan-builder';

/**
 * The first screen: what you run → the model (and draft) → one click. Every
 * choice it offers comes from the engine descriptors the services send.
 */
export function StartScreen() {
  const { engines, statuses, guide, pickEngine, probe, tryDemo, busy, simulated } = useApp(
    useShallow((s) => ({
      engines: s.engines,
      statuses: s.statuses,
      guide: s.guide,
      pickEngine: s.pickEngine,
      probe: s.probe,
      tryDemo: s.tryDemo,
      busy: s.guideTask.busy,
      simulated: simulatorEngine(s),
    })),
  );
  const ranked = rankEngines(engines, statuses);
  const picked = ranked.find((r) => r.descriptor.id === guide.values.engine) ?? null;

  return (
    <section aria-labelledby="start-title">
      <h2 id="start-title">Find the fastest setting for your server</h2>
      <fieldset className="guide-step">
        <legend>1. What do you run?</legend>
        <p className="muted">
          Servers found running come first.{' '}
          <button type="button" className="link" onClick={() => void probe()}>
            Look again
          </button>
        </p>
        {guide.errors.engine && (
          <p className="field-error" role="alert">
            {guide.errors.engine}
          </p>
        )}
        <div className="cards" role="group" aria-label="Engines">
          {ranked.map((r) => (
            <EngineCard key={r.descriptor.id} r={r} selected={r.descriptor.id === guide.values.engine} onPick={() => pickEngine(r.descriptor.id)} />
          ))}
          {simulated && (
            <button type="button" className="card engine-card try-card" onClick={() => void tryDemo(simulated.id)} disabled={busy} data-testid="try-simulator">
              <strong>Try it without a server</strong>
              <span className="muted">
                the built-in simulator stands in for {simulated.label}; its numbers are labelled <SimulatedBadge show />
              </span>
            </button>
          )}
          {engines.length === 0 && <p className="muted">Loading the engines…</p>}
        </div>
      </fieldset>
      {picked && <EngineSteps r={picked} />}
    </section>
  );
}

function EngineCard({ r, selected, onPick }: { r: RankedEngine; selected: boolean; onPick: () => void }) {
  const d = r.descriptor;
  return (
    <button type="button" className={`card engine-card${selected ? ' selected' : ''}`} aria-pressed={selected} onClick={onPick} data-testid="engine-card" data-engine={d.id}>
      <strong>{d.label}</strong>
      {r.running ? (
        <span data-testid="engine-running">
          <span className="badge badge-ok">running</span> at <code>{r.running.url}</code>
        </span>
      ) : null}
      <SimulatedBadge show={Boolean(r.running?.simulated)} />
      <span className="muted">{d.lifecycle === 'launched' ? 'SpecTune starts it for you' : 'you run it; SpecTune connects to it'}</span>
    </button>
  );
}

function EngineSteps({ r }: { r: RankedEngine }) {
  const d = r.descriptor;
  const { guide, task, setGuide, useGuideDemo, loadGuideModels, runGuided, canDemo, running, measure, setScreen } = useApp(
    useShallow((s) => ({
      guide: s.guide,
      task: s.guideTask,
      setGuide: s.setGuide,
      useGuideDemo: s.useGuideDemo,
      loadGuideModels: s.loadGuideModels,
      runGuided: s.runGuided,
      canDemo: hasDemo(d, s),
      running: s.sweep.running,
      measure: s.sweepForm,
      setScreen: s.setScreen,
    })),
  );
  const v = guide.values;
  const e = guide.errors;
  const choices = modelChoices(v, d, r.running, guide.models);
  // Engines with a simulator persona offer it; a real engine with none (embedded) offers generated models instead.
  const real = d.demo.persona === null;

  return (
    <>
      <fieldset className="guide-step" data-testid="guide-server">
        <legend>2. Which model{d.lifecycle === 'launched' ? ', started how' : ''}?</legend>
        {canDemo && !real && (
          <p className="muted">
            No {d.label} at hand?{' '}
            <button type="button" className="link" onClick={() => void useGuideDemo()} disabled={task.busy}>
              Use the simulator
            </button>{' '}
            — a stand-in that behaves like {d.label}; its numbers are labelled <SimulatedBadge show />.
          </p>
        )}
        {canDemo && real && (
          <p className="muted">
            No model files at hand?{' '}
            <button type="button" className="link" onClick={() => void useGuideDemo()} disabled={task.busy}>
              Try it on a real engine
            </button>{' '}
            — SpecTune writes a tiny model pair and runs it for real (not simulated; on models this small speculation does not pay, and the answer says so).
          </p>
        )}
        {v.demo && (
          <p className="muted" data-testid="guide-demo">
            {real ? `Using generated models: ${v.model}` : `Using the simulator${d.lifecycle === 'attached' && v.url ? ` of ${d.label} at ${v.url}` : ''}`}.
          </p>
        )}
        <div className="form-grid">
          {d.lifecycle === 'attached' ? (
            <Field label="Server address" error={e.url} help={`where ${d.label} answers, usually ${d.defaultUrl}`}>
              {(p) => (
                <span className="inline-form">
                  <input {...p} name="url" value={v.url} onChange={(ev) => setGuide({ url: ev.target.value })} />
                  <button type="button" onClick={() => void loadGuideModels()} disabled={task.busy}>
                    {task.busy ? 'Asking…' : 'List its models'}
                  </button>
                </span>
              )}
            </Field>
          ) : (
            <>
              <Field label="Command" error={e.command} help={`the words that start ${d.label}`}>
                {(p) => <input {...p} name="command" value={v.command} onChange={(ev) => setGuide({ command: ev.target.value })} />}
              </Field>
              <Field label="Port" error={e.port} help="where SpecTune starts it">
                {(p) => <input {...p} name="port" inputMode="numeric" value={v.port} onChange={(ev) => setGuide({ port: ev.target.value })} />}
              </Field>
            </>
          )}
          <Field label="Model" error={e.model} help={choices.length ? `from ${d.label}'s own list` : undefined}>
            {(p) =>
              choices.length ? (
                <select {...p} name="model" value={v.model} onChange={(ev) => setGuide({ model: ev.target.value })}>
                  {!choices.includes(v.model) && <option value={v.model}>{v.model || 'Pick a model'}</option>}
                  {choices.map((m) => (
                    <option key={m} value={m}>
                      {m}
                    </option>
                  ))}
                </select>
              ) : (
                <input {...p} name="model" value={v.model} placeholder={d.placeholders.model} onChange={(ev) => setGuide({ model: ev.target.value })} />
              )
            }
          </Field>
          {d.lifecycle === 'launched' && <LaunchDraft d={d} />}
        </div>
        {d.lifecycle === 'attached' && d.draftPerRequest && <DraftCandidates d={d} />}
        <GuideKnobs d={d} />
        {task.error && (
          <p className="field-error" role="alert" data-testid="guide-error">
            {errorLine(task.error)}
          </p>
        )}
      </fieldset>

      <fieldset className="guide-step">
        <legend>3. Find the best setting</legend>
        <p className="muted">
          {d.lifecycle === 'launched'
            ? `SpecTune measures ${d.label} without speculation and with several draft lengths${d.knobs.pMin !== 'none' ? `, with and without a confidence cut-off (p_min ${PLAN_DEFAULTS.oneClickPMins.join(' and ')})` : ''}, then restarts it on the fastest.`
            : `SpecTune measures the running ${d.label} with each setting it can change and tells you the exact setting to keep.`}{' '}
          It asks {plural(measure.promptTypes.length, 'kind')} of prompt, {measure.repeats === '1' ? 'once' : `${measure.repeats} times`} each:{' '}
          <button type="button" className="link" onClick={() => setScreen('sweep')}>
            change this on the Sweep screen
          </button>
          .
        </p>
        <div className="form-grid">
          <LoadFields errors={{ concurrency: e.load, targetConcurrency: e.loadTarget, sloTtftP99: e.sloTtft, sloItlP99: e.sloItl }} />
        </div>
        {e.measure && (
          <p className="field-error" role="alert">
            {e.measure}
          </p>
        )}
        <div className="actions">
          <button type="button" className="primary big" disabled={running || task.busy} onClick={() => void runGuided()}>
            Find the best setting
          </button>
        </div>
        {Object.keys(e).length > 0 && (
          <p className="field-error" data-testid="guide-missing">
            Before it can start, answer the {Object.keys(e).length === 1 ? 'question' : `${Object.keys(e).length} questions`} marked above.
          </p>
        )}
      </fieldset>
    </>
  );
}

/** A launched engine loads one draft model with the server, or uses a method that needs none. */
function LaunchDraft({ d }: { d: EngineDescriptor }) {
  const { v, e, setGuide } = useApp(useShallow((s) => ({ v: s.guide.values, e: s.guide.errors, setGuide: s.setGuide })));
  const methods = draftFreeMethods(d);
  return (
    <>
      <Field label="Draft model" error={e.draft} help="a small model of the same family that guesses the next tokens; several (comma separated) are compared">
        {(p) => (
          <input {...p} name="draftModel" value={v.draftModel} placeholder={d.placeholders.draftModel} onChange={(ev) => setGuide({ draftModel: ev.target.value, ...(ev.target.value ? { method: '' } : {}) })} />
        )}
      </Field>
      {methods.length > 0 && (
        <Field label="Or guess without a draft model" help="used only when no draft model is given">
          {(p) => (
            <select {...p} name="method" value={v.method} onChange={(ev) => setGuide({ method: ev.target.value })}>
              <option value="">No: use the draft model</option>
              {methods.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
    </>
  );
}

/** The cut-offs and methods to compare, where the engine has them; left empty, One click picks (oneClickKnobs). */
function GuideKnobs({ d }: { d: EngineDescriptor }) {
  const { v, e, setGuide } = useApp(useShallow((s) => ({ v: s.guide.values, e: s.guide.errors, setGuide: s.setGuide })));
  if (d.knobs.pMin === 'none' && d.knobs.methods.length === 0) return null;
  return (
    <div className="form-grid">
      {d.knobs.pMin !== 'none' && (
        <Field label="Confidence cut-offs (p_min)" error={e.pMin} help={`the draft stops where it is less sure than this, from 0 to 1; empty = ${PLAN_DEFAULTS.oneClickPMins.join(' and ')}`}>
          {(p) => <input {...p} name="draftPMins" value={v.draftPMins} placeholder={PLAN_DEFAULTS.oneClickPMins.join(', ')} onChange={(ev) => setGuide({ draftPMins: ev.target.value })} />}
        </Field>
      )}
      {d.knobs.methods.length > 0 && (
        <MethodChecklist legend="Methods to compare" methods={d.knobs.methods} chosen={v.methods} error={e.methods} help="none ticked = the one above" onChange={(methods) => setGuide({ methods })} />
      )}
    </div>
  );
}

/** Engines that swap drafts per request: pick the candidates to compare (from the server's own list). */
function DraftCandidates({ d }: { d: EngineDescriptor }) {
  const { v, e, candidates, setGuide } = useApp(useShallow((s) => ({ v: s.guide.values, e: s.guide.errors, candidates: s.guide.draftCandidates, setGuide: s.setGuide })));
  const all = [...new Set([...candidates, ...v.draftModels])].filter((m) => m !== v.model);
  const toggle = (m: string, on: boolean) => setGuide({ draftModels: on ? [...v.draftModels, m] : v.draftModels.filter((x) => x !== m) });
  return (
    <fieldset className="draft-candidates" data-testid="draft-candidates" aria-describedby={e.draft ? 'draft-candidates-error' : undefined}>
      <legend>Draft models to try</legend>
      {all.length === 0 && <p className="muted">Ask {d.label} for its models (List its models) to pick from what it has downloaded.</p>}
      {all.map((m) => (
        <label key={m} className="check">
          <input type="checkbox" checked={v.draftModels.includes(m)} onChange={(ev) => toggle(m, ev.target.checked)} /> {m}
        </label>
      ))}
      {e.draft && (
        <p className="field-error" id="draft-candidates-error" role="alert">
          {e.draft}
        </p>
      )}
    </fieldset>
  );
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
