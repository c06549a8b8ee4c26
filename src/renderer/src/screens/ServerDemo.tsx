/**
 * "Try it on the simulator" on the Servers screen, for every engine, from its descriptor: the
 * launch form's engine fills the form with its demo when it is not installed here; an engine the
 * user runs (and that is not running) opens the guided flow on its simulated server.
 */
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../state/context';
import { hasDemo, installed, usesSimulator } from '../state/demo';
import { serverEngine } from '../state/validation';
import { SimulatedBadge } from '../components/Simulated';

/** Beside the launch form: its engine's demo, or a reminder that the form runs the simulator. */
export function LaunchDemo() {
  const { d, missing, canDemo, using, busy, useServerDemo } = useApp(
    useShallow((s) => {
      const d = serverEngine(s);
      return { d, missing: d ? installed(s, d.id) === false : false, canDemo: d ? hasDemo(d, s) : false, using: usesSimulator(s), busy: s.serverTask.busy, useServerDemo: s.useServerDemo };
    }),
  );
  if (!d) return null;
  if (using) {
    return (
      <p className="muted" data-testid="server-demo">
        These settings run the built-in simulator standing in for {d.label}: its numbers are labelled <SimulatedBadge show />.
      </p>
    );
  }
  if (!missing || !canDemo) return null;
  const real = d.demo.persona === null;
  return (
    <p className="muted" data-testid="server-demo">
      No {d.label} found on this machine?{' '}
      <button type="button" className="link" disabled={busy} onClick={() => void useServerDemo()}>
        {real ? 'Try it on generated models' : 'Use the simulator'}
      </button>{' '}
      {real ? '— SpecTune writes a tiny model pair and runs it for real (not simulated).' : <>— a stand-in that behaves like {d.label}; its numbers are labelled <SimulatedBadge show />.</>}
    </p>
  );
}

/** Below the status cards: each engine the user runs that does not answer here, on its simulator in the guided flow. */
export function AttachedDemos() {
  const { engines, statuses, tryDemo } = useApp(useShallow((s) => ({ engines: s.engines, statuses: s.statuses, tryDemo: s.tryDemo })));
  // Only once the probe has answered, so an engine that is running is never offered as missing.
  if (statuses.length === 0) return null;
  // An engine that runs with one fixed k (the generic OpenAI-compatible server) has nothing to compare on a demo.
  const idle = engines.filter((d) => d.lifecycle === 'attached' && d.kChange !== 'fixed' && !statuses.some((s) => s.running && s.kind === d.id));
  if (idle.length === 0) return null;
  return (
    <p className="muted" data-testid="attached-demos">
      No {idle.map((d) => d.label).join(' or ')} running here? Try {idle.length === 1 ? 'it' : 'one'} on its simulator:{' '}
      {idle.map((d) => (
        <button key={d.id} type="button" className="link" onClick={() => void tryDemo(d.id)}>
          Try {d.label}
        </button>
      ))}
    </p>
  );
}
