/**
 * The one contract between the UI and the services: every request channel with
 * its argument and result schema, and every event main sends with its payload
 * schema. Electron IPC handlers, the preload API and the browser-mode HTTP
 * bridge are all generated from this map, so they cannot drift apart.
 */
import { z } from 'zod';
import {
  EndpointSchema,
  EndpointStatusSchema,
  LogLineSchema,
  MeasurementSchema,
  PromptDefSchema,
  ReportSchema,
  ServerSettingsSchema,
  ServerStateSchema,
  SweepPlanSchema,
  SweepProgressSchema,
  SystemPromptDefSchema,
} from './schemas';
import { REPORT_FORMATS } from './report-export';
import { LaunchedServerSchema, StopRunsResultSchema } from './launched-server';
import { ENGINE_IDS, EngineDescriptorSchema, EngineIdSchema } from './engine-descriptor';

export const PresetSchema = z.object({
  id: z.string().min(1),
  name: z.string().trim().min(1, 'give the preset a name').max(80, 'keep the name under 80 characters'),
  settings: ServerSettingsSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Where it came from, e.g. "sweep 2026-11-28 18:40 (+42%)". */
  note: z.string().max(300).default(''),
});
export type Preset = z.infer<typeof PresetSchema>;

export const RunSummarySchema = z.object({
  runId: z.string(),
  createdAt: z.string(),
  status: z.enum(['running', 'complete', 'cancelled', 'partial', 'failed']),
  model: z.string().nullable(),
  simulated: z.boolean(),
  recommendedK: z.number().int().nullable(),
  speedupPercent: z.number().nullable(),
  reportPath: z.string(),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

export const SweepStateSchema = z.object({
  running: z.boolean(),
  runId: z.string().nullable(),
  /** 'sweep' or 'optimize' (sweep, then restart on the winner). */
  kind: z.enum(['sweep', 'optimize']).nullable(),
  progress: SweepProgressSchema.nullable(),
  /** Latest (possibly partial) report of the current or last run. */
  report: ReportSchema.nullable(),
});
export type SweepState = z.infer<typeof SweepStateSchema>;

const EngineInstallSchema = z.object({
  engine: z.enum(ENGINE_IDS),
  /** Its default command answered `--version`; null for an engine the user runs (SpecTune never launches it). */
  installed: z.boolean().nullable(),
  /** As that command printed it. */
  version: z.string().nullable(),
});
export type EngineInstall = z.infer<typeof EngineInstallSchema>;

const AppInfoSchema = z.object({
  version: z.string(),
  platform: z.string(),
  mode: z.enum(['electron', 'browser']),
  /** Per engine: is it installed here (its own `--version` check)? */
  engines: z.array(EngineInstallSchema),
  /** The built-in simulator's command words, for demo mode. */
  simulatorCommand: z.array(z.string()),
  dataDir: z.string(),
});
export type AppInfo = z.infer<typeof AppInfoSchema>;

const none = z.object({}).strict().default({});
const runRef = z.object({ runId: z.string().min(1, 'give the run id') });

export const requests = {
  'app:info': { args: none, result: AppInfoSchema },
  'status:probe': { args: z.object({ endpoints: z.array(EndpointSchema).optional() }), result: z.array(EndpointStatusSchema) },
  'server:state': { args: none, result: ServerStateSchema },
  'server:start': { args: ServerSettingsSchema, result: ServerStateSchema },
  'server:stop': { args: none, result: ServerStateSchema },
  'server:restart': { args: ServerSettingsSchema, result: ServerStateSchema },
  'server:logs': { args: none, result: z.array(LogLineSchema) },
  'prompts:builtin': {
    args: none,
    result: z.object({ promptTypes: z.array(PromptDefSchema), systemPrompts: z.array(SystemPromptDefSchema) }),
  },
  'sweep:start': { args: SweepPlanSchema, result: z.object({ runId: z.string() }) },
  /** Sweep, then restart the server on the recommended k. */
  'sweep:optimize': { args: SweepPlanSchema, result: z.object({ runId: z.string() }) },
  'sweep:cancel': { args: none, result: z.object({ cancelled: z.boolean() }) },
  'sweep:state': { args: none, result: SweepStateSchema },
  /**
   * Electron only: the file comes from the native save dialog, never from the renderer (no path
   * argument exists). Browser mode refuses it; the page downloads the report from history:get.
   * path is null when the user cancelled the dialog.
   */
  'report:save': {
    args: runRef.strict(),
    result: z.object({ path: z.string().nullable() }),
  },
  /** A report as a file to share (HTML, CSV or Markdown); the renderer downloads the content as a Blob. */
  'report:export': {
    args: z.object({ report: ReportSchema, format: z.enum(REPORT_FORMATS, { error: () => `must be one of ${REPORT_FORMATS.join(', ')}` }) }),
    result: z.object({ filename: z.string(), mimeType: z.string(), content: z.string() }),
  },
  /** Restart the managed server on a run's recommendation. */
  'report:apply': { args: runRef, result: ServerStateSchema },
  'history:list': { args: none, result: z.array(RunSummarySchema) },
  'history:get': { args: runRef, result: ReportSchema },
  'presets:list': { args: none, result: z.array(PresetSchema) },
  'presets:save': {
    args: z.object({ name: PresetSchema.shape.name, settings: ServerSettingsSchema, note: z.string().max(300).optional() }),
    result: PresetSchema,
  },
  'presets:rename': { args: z.object({ id: z.string().min(1), name: PresetSchema.shape.name }), result: PresetSchema },
  'presets:delete': { args: z.object({ id: z.string().min(1) }), result: z.object({ deleted: z.boolean() }) },
  'presets:apply': { args: z.object({ id: z.string().min(1) }), result: ServerStateSchema },
  /** Servers SpecTune launched that are still alive (run registry), orphans marked. */
  'runs:list': { args: none, result: z.array(LaunchedServerSchema) },
  /** Stop servers from the registry: by default the orphans; `port` picks one (whoever owns it). */
  'runs:stop': {
    args: z.object({ port: z.number().int().min(1, 'port: 1 to 65535').max(65535, 'port: 1 to 65535').optional() }).strict().default({}),
    result: StopRunsResultSchema,
  },
  /** Every engine as data (fields, lifecycle, defaults, demo): the renderer draws its flow from these, never from names. */
  'engines:list': { args: none, result: z.object({ engines: z.array(EngineDescriptorSchema) }) },
  /** What a running server of this engine serves, and (engines that swap drafts per request) the draft models it could use. */
  'engines:models': {
    args: z.object({ engine: EngineIdSchema, url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL like http://127.0.0.1:1234' }) }),
    result: z.object({ models: z.array(z.string()), draftCandidates: z.array(z.string()) }),
  },
  /** The demo of an engine the user runs themselves (attached): start its simulator persona; stopped by demo:stop or on quit. */
  'demo:start': { args: z.object({ engine: EngineIdSchema }), result: z.object({ url: z.string() }) },
  /**
   * Put an attached engine on a run's recommendation with the engine's own CLI (LM Studio: lms).
   * confirm false: the commands it would run, to show the user; true: runs them.
   */
  'report:applyAttached': {
    args: z.object({ runId: z.string().min(1), confirm: z.boolean() }),
    result: z.object({ commands: z.array(z.string()), ran: z.boolean() }),
  },
  /** The demo of a real engine with no simulator (embedded): models it makes (cached) and the command that runs it. */
  'demo:prepare': {
    args: z.object({ engine: EngineIdSchema }),
    result: z.object({ command: z.array(z.string()), model: z.string(), draftModel: z.string().nullable(), note: z.string() }),
  },
  'demo:stop': { args: none, result: z.object({ stopped: z.boolean() }) },
  'shell:openExternal': {
    args: z.object({ url: z.url().refine((u) => /^https?:\/\//.test(u), 'only http(s) links open') }),
    result: z.object({ opened: z.boolean() }),
  },
} as const;

export const events = {
  'server:state': ServerStateSchema,
  'server:log': LogLineSchema,
  'sweep:progress': SweepProgressSchema,
  'sweep:measurement': MeasurementSchema,
  /** The report so far: after each configuration, and the final one. */
  'sweep:report': ReportSchema,
  'sweep:done': z.object({
    runId: z.string(),
    status: z.enum(['complete', 'cancelled', 'partial', 'failed']),
    reportPath: z.string().nullable(),
    error: z.string().nullable(),
  }),
  'presets:changed': z.array(PresetSchema),
} as const;

export type RequestChannel = keyof typeof requests;
export type EventChannel = keyof typeof events;
export type RequestArgs<C extends RequestChannel> = z.input<(typeof requests)[C]['args']>;
export type RequestResult<C extends RequestChannel> = z.infer<(typeof requests)[C]['result']>;
export type EventPayload<E extends EventChannel> = z.infer<(typeof events)[E]>;

/** The typed API the renderer sees (preload in Electron, HTTP bridge in browser mode). */
export type SpecTuneApi = {
  [C in RequestChannel]: (args: RequestArgs<C>) => Promise<RequestResult<C>>;
} & {
  on<E extends EventChannel>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
};

export const REQUEST_CHANNELS = Object.keys(requests) as RequestChannel[];
export const EVENT_CHANNELS = Object.keys(events) as EventChannel[];
