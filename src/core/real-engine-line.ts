/**
 * A simulated run's answer as the real engine takes it: the line a user pastes into a real server
 * (`vllm serve …`, `llama-server …`) for the recommended configuration, built by the engine from
 * the run's settings with its own command and without the simulator's flags. The report carries
 * it beside the simulator's line, so the CLI, the app and the exports show the real one first.
 */
import { ServerSettingsSchema, type Report } from '../shared/schemas';
import { engineById } from '../engines';
import { settingOf } from '../shared/config-key';

export interface RealEngineLine {
  /** The engine's name as users know it: "vLLM". */
  label: string;
  command: string;
}

/** Flags only the simulator reads (`--sim-*` and their values), which mean nothing to the real engine. */
function withoutSimulatorFlags(args: readonly string[]): string[] {
  return args.filter((a, i, all) => !a.startsWith('--sim-') && !(all[i - 1]?.startsWith('--sim-') && !a.startsWith('--')));
}

/** null unless the run was simulated, has a recommendation and the engine has a startup line for it. */
export function realEngineLine(report: Report): RealEngineLine | null {
  const r = report.recommendation;
  const settings = ServerSettingsSchema.safeParse((report.plan as { server?: unknown }).server);
  if (!r || !report.server.simulated || !settings.success) return null;
  const engine = engineById(settings.data.engine);
  // A confirmed per-batch-size schedule is the recommended launch: the real line carries it too.
  const schedule = r.schedule?.confirmed && r.argv ? r.schedule : null;
  try {
    const rec = engine.recommend({
      config: { ...settingOf(r), numSpeculativeTokens: schedule ? schedule.numSpeculativeTokens : r.numSpeculativeTokens },
      settings: {
        ...settings.data,
        command: engine.descriptor.defaultCommand,
        extraArgs: withoutSimulatorFlags(settings.data.extraArgs),
        ...(schedule ? { speculativeSchedule: schedule.entries } : {}),
      },
      build: report.server.engineVersion ? { raw: report.server.engineVersion, facts: {} } : null,
      url: report.server.url,
      model: report.server.model,
    });
    return rec.command ? { label: engine.descriptor.label, command: rec.command } : null;
  } catch {
    return null;
  }
}
