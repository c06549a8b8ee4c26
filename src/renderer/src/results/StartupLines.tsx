import type { Recommendation } from '../../../shared/schemas';
import { CommandLine } from '../components/CopyButton';

/**
 * The recommended startup line. A simulated run has two: the one to paste into the real engine
 * comes first (that is what the run teaches), the simulator's own line after it, under its own heading.
 */
export function StartupLines({ r }: { r: Recommendation }) {
  if (!r.command) return null;
  if (!r.realEngine) return <CommandLine command={r.command} testId="rec-command" />;
  return (
    <div className="startup-lines">
      <h4>Startup command for a real {r.realEngine.label}</h4>
      <CommandLine command={r.realEngine.command} label={`Startup command for a real ${r.realEngine.label}`} testId="rec-command" />
      <h4>The simulator's command (what this run started)</h4>
      <CommandLine command={r.command} label="The simulator's command" what="simulator command" testId="rec-sim-command" />
    </div>
  );
}
