/**
 * Servers an earlier SpecTune left running (run registry): the app lists them at
 * start-up and offers to stop them. Never this session's own server: it is not an
 * orphan, and the Servers card stops it.
 */
import { SpecTuneError } from '../../shared/errors';
import { listLaunchedServers, stopLaunchedServers } from '../run-registry';
import type { Handlers } from './context';

export function runsHandlers(): Pick<Handlers, 'runs:list' | 'runs:stop'> {
  return {
    'runs:list': () => listLaunchedServers(),
    'runs:stop': async ({ port }) => {
      if (port === undefined) return stopLaunchedServers();
      // A port names one server; one this app runs is stopped through server:stop, which also updates its state.
      const mine = (await listLaunchedServers()).some((s) => s.port === port && s.ownerPid === process.pid);
      if (mine) {
        throw new SpecTuneError('INVALID_INPUT', `port: the server on port ${port} is the one this SpecTune runs`, {
          hint: 'stop it with Stop on the Servers screen',
        });
      }
      return stopLaunchedServers({ port });
    },
  };
}
