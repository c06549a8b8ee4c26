/** What the sweep hands the report builder: its configurations, its notes and its schedule check. */
import type { EngineId } from '../engine-descriptor';
import type { ConfigKeyed } from '../config-key';
import type { SearchFacts } from './decide';
import type { AcceptanceStats, Measurement, Prediction, PromptDef, Report, ScheduleEntry, SweepPlan, SystemPromptDef, Warning } from '../schemas';

/** What the sweep knows about one configuration besides its measurements. */
export interface ConfigRun {
  /** null: the engine's own draft length (LM Studio), not set by SpecTune. */
  numSpeculativeTokens: number | null;
  draftModel?: string | null;
  /** The method in the engine's words; absent or null: the engine's default. */
  method?: string | null;
  /** The draft's confidence cut-off; absent or null: none. */
  draftPMin?: number | null;
  engine?: EngineId;
  failed: boolean;
  error?: string;
  /**
   * The failure cut the run short (the server crashed or stopped answering), rather than being the
   * configuration's result (the engine refused it, it could not launch, it drafted nothing).
   */
  cutShort?: boolean;
  acceptance?: AcceptanceStats;
  /** Where acceptance came from, or why there is none. */
  acceptanceSource?: string;
  /** Adaptive sweeps: false = measured; true = never measured, its figure is `prediction` (see src/core/sweep/adaptive.ts). */
  predicted?: boolean;
  prediction?: Prediction;
  /**
   * Set when this record is about one load level only (e.g. acceptance counted at that level, or the level
   * failed); absent: the launch, whatever the level.
   */
  concurrency?: number;
}

export interface BuildReportInput {
  plan: SweepPlan;
  promptTypes: readonly PromptDef[];
  systemPrompts: readonly SystemPromptDef[];
  server: Report['server'];
  measurements: readonly Measurement[];
  /** Configurations started so far, in sweep order. */
  configs: readonly ConfigRun[];
  createdAt: string;
  /** Names the run in the report, as every line of its JSONL log does. */
  runId?: string;
  finishedAt: string | null;
  status: Report['status'];
  toolVersion: string;
  /** The engine's exact line or setting for a configuration (null command: nothing to launch, or unknown). */
  commandFor: (c: ConfigKeyed) => { argv: string[] | null; command: string | null; setting?: string } | null;
  /** Warnings only the sweep can know (client CPU, batch limits, levels an engine refuses, schedule launches). */
  notes?: readonly Warning[];
  /** Load levels: the per-batch-size schedule and its confirmation run, where the engine takes one. */
  scheduleCheck?: ScheduleCheck;
  /** How the sweep searched (looks, first rounds, why it stopped); absent: taken from the plan (a report rebuilt from a log). */
  search?: SearchFacts;
}

/** A schedule the sweep built from the level picks and tried (or could not). */
export interface ScheduleCheck {
  entries: ScheduleEntry[];
  numSpeculativeTokens: number;
  /** confirmed: one round per level held up; slower: it cost speed somewhere (note says where); refused: the launch refused it; unsupported: this build or method takes none. */
  outcome: 'confirmed' | 'slower' | 'refused' | 'unsupported' | 'not-run';
  note: string;
  argv: string[] | null;
  command: string | null;
}
