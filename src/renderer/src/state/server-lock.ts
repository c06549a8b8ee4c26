/**
 * While a sweep runs it owns the managed server; the services refuse Start, Stop,
 * Restart and Apply with BUSY. The UI disables those buttons and says why, so the
 * refusal is never the first the user hears of it.
 */
import type { AppState } from './store';

export function serverControlLock(s: Pick<AppState, 'sweep'>): string | null {
  if (!s.sweep.running) return null;
  const what = s.sweep.kind === 'optimize' ? 'A one-click optimisation' : 'A sweep';
  return `${what} is running and controls the server; cancel it on the Sweep screen to use these buttons.`;
}
