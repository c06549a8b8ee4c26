/**
 * Proving a process was never signalled without sleeping a fixed time: the process records
 * each catchable signal it gets, by name, in a file, and `signalsReceived` sends it a marker
 * (SIGWINCH) and polls, bounded, for the marker's line. Every signal sent before the marker
 * is recorded ahead of it: one already delivered was written first, and one still pending
 * with the marker is delivered first, since Linux hands out pending standard signals lowest
 * number first (SIGHUP 1, SIGINT 2, SIGKILL 9, SIGTERM 15 < SIGWINCH 28). A SIGKILL ends the
 * process instead, which the poll sees. (Node may still write two pending signals out of order when
 * they land on two threads: a line right after the marker's counts too.)
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive, until } from './processes';

const MARKER = 'SIGWINCH';

/** Node code (`node -e`) for a process that records its signals in the file $SIGNAL_LOG and runs until killed. */
export const RECORD_SIGNALS = [
  "const fs = require('fs');",
  `for (const s of ['SIGHUP', 'SIGINT', 'SIGTERM', '${MARKER}']) process.on(s, () => fs.appendFileSync(process.env.SIGNAL_LOG, s + '\\n'));`,
  "fs.appendFileSync(process.env.SIGNAL_LOG, 'ready\\n');",
  'setInterval(() => {}, 1 << 30);',
].join(' ');

/** A fresh path for one recorder's log. */
export function signalLogPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'spectune-signals-')), 'signals.log');
}

const lines = (log: string) => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);

/** Resolves once the recorder writing `log` has its handlers in place. */
export async function recorderReady(log: string): Promise<void> {
  await until(() => lines(log).includes('ready'), 10_000);
}

/**
 * The signals `pid` got before now, by name (`['died']` when something killed it): sends the
 * marker and waits for its line, or for the process to be gone.
 */
export async function signalsReceived(pid: number, log: string): Promise<string[]> {
  process.kill(pid, MARKER);
  await until(() => lines(log).includes(MARKER) || !processAlive(pid), 10_000);
  // Node may take two pending signals on two threads, so one sent before the marker can be written just after
  // it: give such a line a moment (bounded) to land, then count every signal but the marker.
  const markerAt = Date.now();
  await until(() => lines(log).some((l, i, all) => l !== MARKER && l !== 'ready' && i > all.indexOf(MARKER)) || Date.now() - markerAt > 300, 1_000).catch(() => undefined);
  const seen = lines(log);
  const got = seen.filter((l) => l !== 'ready' && l !== MARKER);
  return seen.includes(MARKER) ? got : [...got, 'died'];
}
