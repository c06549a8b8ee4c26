/**
 * Ctrl-C, SIGTERM and SIGHUP during a sweep. The first cancels: the sweep stops
 * its server gracefully and finishes the report (`cancelled`, with its finish time)
 * and the JSONL's end line. The second hurries that shutdown — every launched
 * server is SIGKILLed at once instead of waiting out its grace period — but still
 * lets the sweep finish its files: exiting here would leave the report `partial`
 * with no finish time. Only a third signal, for a finish that is itself
 * stuck, leaves at once. A repeat within a few tens of milliseconds is the same keypress
 * delivered twice, and is not counted.
 */
import { killAllServersSync } from '../core/server-process';

/**
 * One keypress can arrive twice: under `npm run demo` npm forwards the terminal's SIGINT to
 * this process as well, and signal-exit (inside execa) re-sends a signal it saw when it counts
 * its own listeners as the only ones. Both come within milliseconds; a person's second Ctrl-C
 * cannot come that soon, so a repeat within this window is the same keypress and anything
 * later is the user asking again.
 */
const SAME_KEYPRESS_MS = 50;

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface CancelSignals {
  /** Aborted by the first signal. */
  signal: AbortSignal;
  /** Stop listening (the sweep is over). */
  dispose(): void;
}

export function handleCancelSignals(err: NodeJS.WritableStream): CancelSignals {
  const ac = new AbortController();
  let count = 0;
  let lastAt = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    // SIGHUP: the terminal (often an SSH session) is gone. Node's default would exit at once and
    // orphan vLLM on the GPU; cancel instead, and let writes to the dead terminal fail quietly.
    if (sig === 'SIGHUP') {
      for (const s of [process.stdout, process.stderr]) s.on('error', () => {});
      if (count > 0) return;
    }
    if (count > 0 && performance.now() - lastAt < SAME_KEYPRESS_MS) return;
    count++;
    if (count === 1) {
      err.write('\nCancelling: finishing up and writing what was measured (Ctrl-C again to stop the server at once)…\n');
      // Cancelling starts a lot of work at once; started after the window, it cannot hold a duplicate
      // of this keypress back until the window has passed (which would make it look like a second one).
      setTimeout(() => ac.abort(), SAME_KEYPRESS_MS);
    } else if (count === 2) {
      err.write('\nStopping now: killing the server, then writing the report.\n');
      killAllServersSync();
    } else {
      err.write('\nLeaving at once: the report may be left without its finish.\n');
      killAllServersSync();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    }
    // Counted from the end of this handler: an echo sent while it ran (killing servers takes a
    // moment) is still the same keypress.
    lastAt = performance.now();
  };
  for (const sig of SIGNALS) process.on(sig, onSignal);
  return {
    signal: ac.signal,
    dispose: () => {
      // Once a signal came, the process is on its way out: an echo of it arriving now must not
      // meet Node's default (death by signal) instead of the exit code the sweep sets.
      if (count > 0) return;
      for (const sig of SIGNALS) process.off(sig, onSignal);
    },
  };
}
