/**
 * A per-batch-size draft length (ServerSettings.speculativeSchedule) is a vLLM >= 0.24 setting. Engines
 * without one refuse it when building the argv, rather than launch one k silently in its place.
 */
import { SpecTuneError } from '../../shared/errors';
import type { ServerSettings } from '../../shared/schemas';

export function refuseSchedule(settings: ServerSettings, server: string): void {
  if (!settings.speculativeSchedule) return;
  throw new SpecTuneError('INVALID_INPUT', `${server} takes no per-batch-size draft length (speculativeSchedule is a vLLM 0.24+ setting)`, {
    hint: 'launch one k: the pick at the load you serve most (see the per-level table of the report)',
  });
}
