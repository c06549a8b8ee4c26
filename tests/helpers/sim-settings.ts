import type { ServerSettingsInput } from '../../src/shared/schemas';
import { simulatorCommand } from '../../src/core/simulator-command';

/**
 * Launch settings for the simulated vLLM serving a target with a draft model on `port`, as the tests
 * sweep it: a 30 s start-up bound, a short stop grace, and `simArgs` (--sim-* knobs).
 */
export function simulatedVllmSettings(port: number, simArgs: readonly string[]): ServerSettingsInput {
  return { command: simulatorCommand(), model: 'sim/target-7b', draftModel: 'sim/draft-0.5b', port, startupTimeoutMs: 30_000, stopGraceMs: 3_000, extraArgs: [...simArgs] };
}
