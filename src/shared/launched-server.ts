/**
 * What the run registry says about a server SpecTune launched, as `spectune status`,
 * `spectune stop` and the app's `runs:list` / `runs:stop` show it. Pure: the registry
 * itself (files, /proc, signals) lives in src/core/run-registry.ts.
 */
import { z } from 'zod';

export const LaunchedServerSchema = z.object({
  /** The server process; it leads its own process group (launched detached). */
  pid: z.number().int().positive(),
  pgid: z.number().int().positive(),
  port: z.number().int().min(1).max(65535),
  url: z.string(),
  /** Engine id, e.g. "vllm". */
  engine: z.string(),
  /** The launch command with secret values replaced. */
  command: z.array(z.string()),
  /** The SpecTune process (CLI or app) that launched it. */
  ownerPid: z.number().int().positive(),
  createdAt: z.string(),
  /** The owner is gone: nothing will ever stop this server unless the user does. */
  orphan: z.boolean(),
  /** Live processes of its group (the server and its engine/worker children). */
  pids: z.array(z.number().int()),
  /** Set when nothing proves the entry's processes are the server SpecTune launched: why. Never signalled. */
  unverified: z.string().optional(),
});
export type LaunchedServer = z.infer<typeof LaunchedServerSchema>;

const StoppedServerSchema = z.object({
  pid: z.number().int(),
  port: z.number().int(),
  /** SIGTERM was not enough within the grace period. */
  forced: z.boolean(),
  /** Pids still alive afterwards (should be empty; another user's process, say). */
  survivors: z.array(z.number().int()),
});
export type StoppedServer = z.infer<typeof StoppedServerSchema>;

const RefusedServerSchema = z.object({
  pid: z.number().int(),
  port: z.number().int(),
  /** Why nothing proves the entry names the server SpecTune launched. */
  why: z.string(),
  /** The registry file, kept for the user to look at. */
  file: z.string(),
});
export type RefusedServer = z.infer<typeof RefusedServerSchema>;

export const StopRunsResultSchema = z.object({
  stopped: z.array(StoppedServerSchema),
  /** Entries without proof of identity: nothing was signalled. */
  refused: z.array(RefusedServerSchema),
  /** Registry entries proven dead (process gone, or its pid now another process's): removed, never signalled. */
  dropped: z.number().int(),
});
export type StopRunsResult = z.infer<typeof StopRunsResultSchema>;
