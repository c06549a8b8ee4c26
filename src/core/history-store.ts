/**
 * Past runs on disk: `<dataDir>/runs/<runId>/` holds `run.json` (what was
 * started and how it ended), the sweep's `test_results.json` and the JSONL
 * log the sweep appends to as each measurement finishes. A run cut short by a
 * crash of the app has no final report and a `run.json` still saying
 * "running": it lists as partial, rebuilt from its JSONL log.
 */
import { mkdirSync, readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
// Not write-file-atomic: it ignores short writes and can rename a truncated file into place on a full disk.
import { writeFileAtomic } from './report-io';
import { z } from 'zod';
import { SpecTuneError } from '../shared/errors';
import { RunSummarySchema, type RunSummary } from '../shared/ipc-contract';
import { buildReport, type ConfigRun } from '../shared/report-builder';
import { knobFields, launchKey } from '../shared/config-key';
import { BUILTIN_PROMPT_TYPES, BUILTIN_SYSTEM_PROMPTS, resolvePromptTypes, resolveSystemPrompts } from '../shared/prompts';
import {
  AcceptanceStatsSchema,
  effectiveMethod,
  MeasurementSchema,
  ReportSchema,
  SweepPlanSchema,
  type Measurement,
  type Report,
  type SweepPlan,
} from '../shared/schemas';

const REPORT_FILE = 'test_results.json';
const META_FILE = 'run.json';
const RUN_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,80}$/;

const RunMetaSchema = z.object({
  runId: z.string(),
  kind: z.enum(['sweep', 'optimize']),
  createdAt: z.string(),
  finishedAt: z.string().nullable().default(null),
  status: RunSummarySchema.shape.status,
  error: z.string().nullable().default(null),
  model: z.string().nullable().default(null),
  simulated: z.boolean().default(false),
  plan: z.record(z.string(), z.unknown()).default({}),
  toolVersion: z.string().default('0.0.0'),
});
export type RunMeta = z.infer<typeof RunMetaSchema>;

export interface NewRun {
  runId: string;
  dir: string;
  reportPath: string;
}

export class HistoryStore {
  readonly runsDir: string;

  constructor(opts: { dataDir: string }) {
    this.runsDir = join(opts.dataDir, 'runs');
  }

  /** Creates the run directory and its `run.json` before anything is measured. */
  async create(meta: Omit<RunMeta, 'runId' | 'createdAt' | 'finishedAt' | 'status' | 'error'>): Promise<NewRun> {
    const now = new Date();
    const runId = `${now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-')}-${randomBytes(3).toString('hex')}`;
    const dir = join(this.runsDir, runId);
    mkdirSync(dir, { recursive: true });
    await this.writeMeta({ ...meta, runId, createdAt: now.toISOString(), finishedAt: null, status: 'running', error: null });
    return { runId, dir, reportPath: join(dir, REPORT_FILE) };
  }

  async finish(runId: string, end: { status: RunMeta['status']; error?: string | null }): Promise<void> {
    const meta = this.readMeta(runId);
    if (!meta) return;
    await this.writeMeta({ ...meta, status: end.status, error: end.error ?? null, finishedAt: new Date().toISOString() });
  }

  reportPath(runId: string): string {
    return join(this.dirOf(runId), REPORT_FILE);
  }

  /** Newest first. `liveRunId` is the run in progress right now (it alone may list as "running"). */
  list(liveRunId: string | null = null): RunSummary[] {
    if (!existsSync(this.runsDir)) return [];
    const out: RunSummary[] = [];
    for (const name of readdirSync(this.runsDir)) {
      if (!RUN_ID_RE.test(name)) continue;
      const dir = join(this.runsDir, name);
      if (!statSync(dir).isDirectory()) continue;
      const summary = this.summarise(name, liveRunId);
      if (summary) out.push(summary);
    }
    return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** The run's report: the saved one, or one rebuilt from its JSONL log when it never finished. */
  get(runId: string): Report {
    const dir = this.dirOf(runId);
    if (!existsSync(dir)) {
      throw new SpecTuneError('INVALID_INPUT', `runId: no run "${runId}" in ${this.runsDir}`, { hint: 'pick a run from the history list' });
    }
    const saved = this.readReport(runId);
    if (saved) return saved;
    const meta = this.readMeta(runId);
    const report = rebuildReport(meta, readLogRecords(dir));
    if (!report) {
      throw new SpecTuneError('NOTHING_MEASURED', `run ${runId} recorded nothing to show`, { hint: 'it stopped before its first measurement' });
    }
    return report;
  }

  private summarise(runId: string, liveRunId: string | null): RunSummary | null {
    const meta = this.readMeta(runId);
    const report = this.readReport(runId);
    if (!meta && !report) return null;
    let status: RunSummary['status'];
    if (!meta) status = report!.status;
    else if (meta.status !== 'running') status = meta.status;
    else status = runId === liveRunId ? 'running' : 'partial'; // the app died mid-run
    return RunSummarySchema.parse({
      runId,
      createdAt: report?.createdAt ?? meta!.createdAt,
      status,
      model: report?.server.model ?? meta?.model ?? null,
      simulated: report?.server.simulated ?? meta?.simulated ?? false,
      recommendedK: report?.recommendation?.numSpeculativeTokens ?? null,
      speedupPercent: report?.recommendation?.speedupPercent ?? null,
      reportPath: this.reportPath(runId),
    });
  }

  private readReport(runId: string): Report | null {
    const path = this.reportPath(runId);
    if (!existsSync(path)) return null;
    try {
      const r = ReportSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
      return r.success ? r.data : null;
    } catch {
      return null; // half-written by a crash: fall back to the JSONL log
    }
  }

  readMeta(runId: string): RunMeta | null {
    const path = join(this.dirOf(runId), META_FILE);
    if (!existsSync(path)) return null;
    try {
      const r = RunMetaSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
      return r.success ? r.data : null;
    } catch {
      return null;
    }
  }

  private async writeMeta(meta: RunMeta): Promise<void> {
    await writeFileAtomic(join(this.dirOf(meta.runId), META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
  }

  private dirOf(runId: string): string {
    if (!RUN_ID_RE.test(runId)) {
      throw new SpecTuneError('INVALID_INPUT', `runId: "${runId}" is not a run id`, { hint: 'pick a run from the history list' });
    }
    return join(this.runsDir, runId);
  }
}

/**
 * Every record of every `*.jsonl` in the run dir (the sweep's log). A torn last
 * line, written as the app died, is skipped.
 */
function readLogRecords(dir: string): unknown[] {
  const out: unknown[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort()) {
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line));
      } catch {
        continue;
      }
    }
  }
  return out;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Measurements among log records: `{ type: 'measurement', measurement }` lines, or bare measurements. */
function measurementsOf(records: readonly unknown[]): Measurement[] {
  const out: Measurement[] = [];
  for (const rec of records) {
    const candidate = isRecord(rec) && 'measurement' in rec ? rec.measurement : rec;
    const r = MeasurementSchema.safeParse(candidate);
    if (r.success) out.push(r.data);
  }
  return out;
}

/**
 * The configurations' entries among log records. The sweep writes a `config` line whenever an entry
 * changes (measured more, failed), so the last line per (configuration, level) is its state; entries keep
 * the order of their first line.
 */
function configRunsOf(records: readonly unknown[]): ConfigRun[] {
  const byKey = new Map<string, ConfigRun>();
  for (const r of records) {
    if (!isRecord(r) || r.type !== 'config' || !(typeof r.numSpeculativeTokens === 'number' || r.numSpeculativeTokens === null)) continue;
    const acceptance = AcceptanceStatsSchema.safeParse(r.acceptance);
    // Load levels: one entry per (configuration, level); the level keeps them apart.
    const concurrency = typeof r.concurrency === 'number' && r.concurrency > 1 ? r.concurrency : undefined;
    byKey.set(JSON.stringify([r.numSpeculativeTokens, r.draftModel ?? null, r.method ?? null, r.draftPMin ?? null, concurrency ?? 1]), {
      numSpeculativeTokens: r.numSpeculativeTokens,
      draftModel: typeof r.draftModel === 'string' ? r.draftModel : null,
      ...(typeof r.method === 'string' ? { method: r.method } : {}),
      ...(typeof r.draftPMin === 'number' ? { draftPMin: r.draftPMin } : {}),
      failed: r.failed === true,
      error: typeof r.error === 'string' ? r.error : undefined,
      ...(r.cutShort === true ? { cutShort: true } : {}),
      acceptance: acceptance.success ? acceptance.data : undefined,
      ...(concurrency ? { concurrency } : {}),
    });
  }
  return [...byKey.values()];
}

/**
 * The full analysis (medians, speedups, recommendation) over what the log
 * holds, as the sweep itself would have done it. Without the plan (an older or
 * damaged log) a plan is inferred from the measurements. Null when there is
 * neither a plan nor a measurement.
 */
function rebuildReport(meta: RunMeta | null, records: readonly unknown[]): Report | null {
  const start = records.find((r) => isRecord(r) && r.type === 'start') as { plan?: unknown; at?: string } | undefined;
  const measurements = measurementsOf(records);
  const planResult = SweepPlanSchema.safeParse(start?.plan ?? meta?.plan);
  let plan: SweepPlan;
  let inferred = false;
  if (planResult.success) plan = planResult.data;
  else if (measurements.length) {
    inferred = true;
    const uniq = <T>(xs: T[]) => [...new Set(xs)];
    const known = new Set([...BUILTIN_PROMPT_TYPES, ...BUILTIN_SYSTEM_PROMPTS].map((p) => p.id));
    const custom = (ids: string[]) =>
      ids.filter((id) => !known.has(id)).map((id) => ({ id, label: id, description: '', prompt: '(not recorded)' }));
    const promptTypes = uniq(measurements.map((m) => m.promptType));
    const systemPrompts = uniq(measurements.map((m) => m.systemPrompt));
    plan = SweepPlanSchema.parse({
      mode: 'attached',
      url: 'http://127.0.0.1:8000',
      tokens: uniq(measurements.map((m) => m.numSpeculativeTokens)),
      promptTypes,
      systemPrompts,
      customPrompts: custom(promptTypes),
      customSystemPrompts: custom(systemPrompts),
    });
  } else return null;

  const configs = configRunsOf(records);
  // The configuration being measured when the app died has measurements but no config line yet.
  for (const m of measurements) {
    const same = (c: ConfigRun) => launchKey(c) === launchKey(m);
    if (!configs.some(same)) configs.push({ numSpeculativeTokens: m.numSpeculativeTokens, draftModel: m.draftModel ?? null, ...knobFields(m), failed: false });
  }
  const server = plan.server;
  const report = buildReport({
    plan,
    promptTypes: resolvePromptTypes(plan.promptTypes, plan.customPrompts),
    systemPrompts: resolveSystemPrompts(plan.systemPrompts, plan.customSystemPrompts),
    server: {
      // The engine the plan ran on; a log without a plan does not say, and the report does not guess.
      kind: plan.engine ?? server?.engine ?? 'unknown',
      url: inferred ? '' : (plan.url ?? (server ? `http://${server.host}:${server.port}` : '')),
      model: server?.model ?? plan.model ?? meta?.model ?? null,
      draftModel: server?.draftModel ?? null,
      method: server ? (effectiveMethod(server) ?? null) : null,
      engineVersion: null,
      simulated: meta?.simulated ?? false,
      command: server?.command ?? null,
    },
    measurements,
    configs,
    createdAt: meta?.createdAt ?? start?.at ?? new Date().toISOString(),
    finishedAt: null,
    status: 'partial',
    toolVersion: meta?.toolVersion ?? '0.0.0',
    commandFor: () => null,
  });
  report.warnings.unshift({
    kind: 'config-failed',
    message: `This run was interrupted before it finished: ${measurements.length} measurement(s) recovered from its log${inferred ? ' (its plan was not recorded)' : ''}.`,
  });
  return ReportSchema.parse(report);
}
