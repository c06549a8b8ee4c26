/** The recommendation of a launched engine: its exact startup line where the argv builder can make one. */
import { formatCommand } from '../../shared/shell-words';
import type { ServerSettings } from '../../shared/schemas';
import type { EngineBuild, Recommended, RecommendInput, SpecConfig } from '../engine';

/** The exact startup line for a configuration, from an argv builder that may refuse it. */
export function recommendLaunch(input: RecommendInput, argvOf: (s: ServerSettings, c: SpecConfig, b: EngineBuild) => string[], setting: (c: SpecConfig, b: EngineBuild | null) => string): Recommended {
  const { config, settings, build } = input;
  const text = setting(config, build);
  if (!settings || !build) return { command: null, argv: null, setting: text };
  try {
    const argv = argvOf(settings, config, build);
    return { command: formatCommand(argv), argv, setting: text };
  } catch {
    return { command: null, argv: null, setting: text };
  }
}
