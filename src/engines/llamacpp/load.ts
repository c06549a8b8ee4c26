/**
 * llama-server under load: it decodes at most --parallel (-np) sequences at once
 * (its slots); more requests wait for a free slot, so a level above that limit
 * measures queueing on top of batching. The limit is the launch's own -np when
 * extraArgs give one, else the default this build's --help states.
 */
import type { ServerSettings } from '../../shared/schemas';
import type { EngineBuild, LoadSupport } from '../engine';
import { parseHelpFlags } from '../common/llama-server/build';

const PARALLEL_FLAGS = ['-np', '--parallel'];

/** The -np / --parallel value in an argv (`-np 8`, `--parallel=8`); null when absent or not a number. */
export function parallelFromArgs(args: readonly string[]): number | null {
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split('=', 2);
    if (!PARALLEL_FLAGS.includes(flag)) continue;
    const n = Number(inline ?? args[i + 1]);
    return Number.isInteger(n) ? n : null;
  }
  return null;
}

/**
 * "(default: N)" of --parallel in llama-server's --help; null when not stated or not a fixed number
 * (newer builds print -1: the slot count is chosen at start-up, so no limit is known in advance).
 */
export function parallelDefaultFromHelp(help: string): number | null {
  const entry = parseHelpFlags(help).entry.get('--parallel');
  const m = entry ? /default:\s*(-?\d+)/.exec(entry) : null;
  const n = m ? Number(m[1]) : null;
  return n !== null && n >= 1 ? n : null;
}

export function llamaBatchLimit(settings: ServerSettings | null, build: EngineBuild | null): { limit: number; flag: string } | null {
  const given = settings ? parallelFromArgs(settings.extraArgs) : null;
  if (given !== null) return given >= 1 ? { limit: given, flag: '--parallel' } : null;
  const fallback = build?.facts.parallelDefault;
  return typeof fallback === 'number' && fallback >= 1 ? { limit: fallback, flag: '--parallel' } : null;
}

export const llamaLoad: LoadSupport = { batchLimit: llamaBatchLimit };
