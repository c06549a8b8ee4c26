/**
 * A launch refused with PORT_IN_USE, said in the app's terms: who holds the port when SpecTune can
 * tell (a server it launched, from the run registry; else an engine answering there, by probing
 * it), and what to do about it: "Stop it" for SpecTune's own server, another port otherwise. No
 * shell commands: the app's user may have no terminal.
 */
import { SpecTuneError, toErrorInfo } from '../../shared/errors';
import { ENGINE_IDENTITY, ENGINE_IDS, type EngineId } from '../../shared/engine-descriptor';
import { listLaunchedServers } from '../run-registry';
import { probeEndpoint } from '../probes';

/** What the app offers for a port SpecTune's own server holds (the error's hint names it). */
export const STOP_IT = 'Stop it';

function labelOf(engine: string): string {
  return (ENGINE_IDS as readonly string[]).includes(engine) ? ENGINE_IDENTITY[engine as EngineId].label : engine;
}

/** Who listens on host:port, in words; ours: a server SpecTune launched (registry) that this session does not run itself. */
export async function portHolder(host: string, port: number): Promise<{ who: string; ours: boolean } | null> {
  const launched = (await listLaunchedServers().catch(() => [])).find((s) => s.port === port);
  if (launched) {
    const when = launched.orphan ? 'left running by an earlier SpecTune session' : `run by SpecTune (pid ${launched.ownerPid})`;
    return { who: `SpecTune's own ${labelOf(launched.engine)} server (pid ${launched.pid}), ${when}`, ours: launched.ownerPid !== process.pid };
  }
  const seen = await probeEndpoint({ name: 'port', url: `http://${host.includes(':') ? `[${host}]` : host}:${port}` }).catch(() => null);
  if (seen?.running && seen.kind !== 'unknown') {
    return { who: `${seen.simulated ? 'a simulated ' : 'a running '}${labelOf(seen.kind)}${seen.models[0] ? ` serving ${seen.models[0]}` : ''}`, ours: false };
  }
  return null;
}

/** Runs a launch; a PORT_IN_USE refusal comes back naming what holds the port and the fix. */
export async function explainingPort<T>(host: string, port: number, launch: () => Promise<T>): Promise<T> {
  try {
    return await launch();
  } catch (err) {
    if (toErrorInfo(err).code !== 'PORT_IN_USE') throw err;
    const holder = await portHolder(host, port);
    if (!holder) {
      throw new SpecTuneError('PORT_IN_USE', `port ${port} is taken by another program`, { hint: `close that program, or choose another port (the Port field)` });
    }
    throw new SpecTuneError('PORT_IN_USE', `port ${port} is taken by ${holder.who}`, {
      hint: holder.ours ? `${STOP_IT} (the button here) to free the port, or choose another port` : 'stop that server, or choose another port (the Port field)',
    });
  }
}
