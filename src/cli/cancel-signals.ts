/**
 * Ctrl-C, SIGTERM and SIGHUP during a sweep. The first cancels: the sweep stops
 * its server gracefully and finishes the report (`cancelled`, with its finish time)
 * and the JSONL's end line. The second hurries that shutdown — every launched
 * server is SIGKILLed at once instead of waiting out its grace period — but still
 * lets the sweep finish its files: exiting here is what used to leave the report
 * `partial` with no finish time. Only a third signal, for a finish that is itself
 * stuck, leaves at once.
 */
import { killAllServersSync } from '../core/server-process';

/**
 * signal-exit (inside execa) re-sends a signal it saw to this process at once when it counts
 * its own listeners as the only ones: a repeat this soon is that echo, not the user again.
 */
const ECHO_MS = 1000;

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
    if (count > 0 && performance.now() - lastAt < ECHO_MS) return;
    count++;
    lastAt = performance.now();
    if (count === 1) {
      err.write('\nCancelling: finishing up and writing what was measured (Ctrl-C again to stop the server at once)…\n');
      ac.abort();
    } else if (count === 2) {
      err.write('\nStopping now: killing the server, then writing the report.\n');
      killAllServersSync();
    } else {
      err.write('\nLeaving at once: the report may be left without its finish.\n');
      killAllServersSync();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    }
  };
  for (const sig of SIGNALS) process.on(sig, onSignal);
  return {
    signal: ac.signal,
    dispose: () => {
      for (const sig of SIGNALS) process.off(sig, onSignal);
    },
  };
}
