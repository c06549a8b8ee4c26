/**
 * Servers an earlier SpecTune session left running (its window was killed, the CLI
 * got SIGKILL): found in the run registry at start-up, stopped on one click.
 */
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../state/context';

export function LeftRunningBanner() {
  const { left, stopping, stopLeftRunning } = useApp(
    useShallow((s) => ({ left: s.leftRunning, stopping: s.leftRunningTask.busy, stopLeftRunning: s.stopLeftRunning })),
  );
  if (!left.length) return null;
  const pids = left.flatMap((s) => s.pids);
  return (
    <div className="banner" role="region" aria-label="Servers left running" data-testid="left-running-banner">
      <p>
        {left.length} server{left.length === 1 ? '' : 's'} left running by an earlier SpecTune session
        <span className="muted">
          {' '}
          (port {left.map((s) => s.port).join(', ')}; pids {pids.join(', ')})
        </span>
      </p>
      <button type="button" className="primary" disabled={stopping} onClick={() => void stopLeftRunning()}>
        {stopping ? 'Stopping…' : `Stop ${left.length === 1 ? 'it' : 'them'}`}
      </button>
    </div>
  );
}
