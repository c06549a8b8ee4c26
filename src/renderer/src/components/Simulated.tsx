/** Shown next to every number that came from the simulator, so nobody mistakes it for a real GPU. */
export function SimulatedBadge({ show, title = 'These numbers come from the built-in simulator, not a real engine' }: { show: boolean; title?: string }) {
  if (!show) return null;
  return (
    <span className="badge badge-sim" data-testid="simulated-label" title={title}>
      SIMULATED
    </span>
  );
}
