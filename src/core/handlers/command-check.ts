/**
 * Before a run SpecTune launches: does the command start the engine it is for? The engine's own
 * detection answers (its version or help query, cached for the run that follows). What it refuses
 * is said in the app's terms: the buttons the app offers, never the CLI's flags. Nothing is
 * written to History for a run that could not start.
 */
import { SpecTuneError, toErrorInfo } from '../../shared/errors';
import type { ServerSettings } from '../../shared/schemas';
import { engineById } from '../../engines';
import type { ServerProcess } from '../server-process';

/** The longest command an error repeats as typed. */
const SHOWN_MAX = 80;

export function shownCommand(command: readonly string[]): string {
  const text = command.join(' ');
  return text.length <= SHOWN_MAX ? text : `${text.slice(0, SHOWN_MAX - 1)}… (${text.length} characters)`;
}

/** Throws, in the app's words, when the command is not there or is not the engine's. */
export async function checkLaunchCommand(server: ServerProcess, settings: ServerSettings, signal?: AbortSignal): Promise<void> {
  try {
    await server.detectVersion(settings.command, { engine: settings.engine, signal });
  } catch (err) {
    const info = toErrorInfo(err);
    if (info.code !== 'COMMAND_NOT_FOUND' && info.code !== 'VERSION_UNKNOWN') throw err;
    const d = engineById(settings.engine).descriptor;
    const shown = shownCommand(settings.command);
    const demo = d.demo.persona === null ? '"Try it on a real engine" (generated models)' : '"Use the simulator"';
    const hint = `choose the file that starts ${d.label} (its full path) as the Command, or press ${demo} to try SpecTune without it`;
    if (info.code === 'COMMAND_NOT_FOUND') {
      const why = /was not found/.test(info.message) ? 'no program by that name is installed here, and it is not a file' : info.message.split(settings.command.join(' ')).join(shown);
      throw new SpecTuneError('COMMAND_NOT_FOUND', `"${shown}" does not start ${d.label}: ${why}`, { hint });
    }
    // The engine's own reason, with the command as typed shortened.
    const why = info.message.split(settings.command.join(' ')).join(shown);
    throw new SpecTuneError('VERSION_UNKNOWN', `"${shown}" does not answer as ${d.label} does (${why})`, { hint, logTail: info.logTail });
  }
}
