/**
 * Servers an earlier SpecTune left running (run registry): the app lists them at
 * start-up and offers to stop them. Never this session's own server: it is not an
 * orphan, and the Servers card stops it.
 */
import { listLaunchedServers, stopLaunchedServers } from '../run-registry';
import type { Handlers } from './context';

export function runsHandlers(): Pick<Handlers, 'runs:list' | 'runs:stop'> {
  return {
    'runs:list': () => listLaunchedServers(),
    'runs:stop': async ({ port }) => {
      if (port === undefined) return stopLaunchedServers();
      // A port names one server; refuse to reach one this app still runs (its owner is alive and is us).
      const mine = (await listLaunchedServers()).some((s) => s.port === port && s.ownerPid === process.pid);
      return mine ? { stopped: [], dropped: 0 } : stopLaunchedServers({ port });
    },
  };
}
