import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../state/context';

/** Beside a PORT_IN_USE refusal: when a server SpecTune launched holds the port, "Stop it" frees it. */
export function PortHolder() {
  const { held, busy, stop } = useApp(useShallow((s) => ({ held: s.portHeldBy, busy: s.leftRunningTask.busy, stop: s.stopPortHolder })));
  if (!held) return null;
  return (
    <p className="port-holder" data-testid="port-holder">
      Port {held.port} is held by a server SpecTune started{held.orphan ? ' in an earlier session' : ''} ({held.engine}, pid {held.pid}).{' '}
      <button type="button" disabled={busy} onClick={() => void stop()}>
        Stop it
      </button>
    </p>
  );
}
