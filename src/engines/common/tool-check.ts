/** Asking an installed engine tool (`--version`, `--help`) that may not run at all. */
import { SpecTuneError } from '../../shared/errors';
import type { ToolOutput } from '../../node/run-tool';

/** COMMAND_NOT_FOUND / CANCELLED for a tool that did not run at all. */
export function refuseUnrunnable(out: ToolOutput, shown: string, what: string, hint: string): void {
  if (out.canceled) throw new SpecTuneError('CANCELLED', `checking ${what} was cancelled`);
  if (out.missing) {
    const why = out.missing === 'not-found' ? 'was not found' : out.missing === 'not-executable' ? 'is not executable (permission denied)' : 'could not be started';
    throw new SpecTuneError('COMMAND_NOT_FOUND', `${what} command "${shown}" ${why}`, { hint });
  }
}
