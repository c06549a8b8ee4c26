/**
 * What a sweep writes and tells as it goes: each measurement appended to the
 * JSONL log (fsync) the moment it finishes, a `config` line whenever a
 * configuration's entry changes (the last line per configuration and level is
 * its state), the report rewritten atomically after each, the sweep's own notes,
 * and the events the CLI and the app draw from. A crash, a cancel or a dead
 * server loses nothing that finished.
 */
import { formatCommand } from '../../shared/shell-words';
import { dirname } from 'node:path';
import { redactArgv, redactPlan, replacerFor, textRedactor } from '../../shared/redact';
import { withUsedPromptsOnly } from '../../shared/prompts';
import { knownSecrets } from '../server-secrets';
import { placeholdersFor } from '../../engines';
import { buildReport, type ConfigKeyed, type ConfigRun, type ScheduleCheck } from '../../shared/report-builder';
import type { Measurement, Report, SweepPlan, SweepProgress } from '../../shared/schemas';
import type { SpecConfig } from '../../engines/engine';
import { knobFields, settingOf } from '../../shared/config-key';
import { TOOL_VERSION } from '../../node/tool-version';
import { writeReport, type MeasurementLog } from '../report-io';
import { startRunFiles, type KeptEvent } from '../report-keeper';
import { SweepNotes } from './level-notes';
import type { SweepSetup } from './setup';
import type { SweepStrategy } from './strategy';

export type SweepEvent =
  | { type: 'progress'; progress: SweepProgress }
  | { type: 'measurement'; measurement: Measurement }
  | { type: 'report'; report: Report }
  /** The report's folder (or its log) was removed during the run: both were written again there. */
  | { type: 'recreated'; folder: string }
  | KeptEvent;

export interface RecorderInput {
  /** test_results.json; the JSONL log is written beside it. */
  outPath: string;
  runId?: string;
  setup: SweepSetup;
  strategy: SweepStrategy;
  /** Launches so far (the adaptive summary counts them). */
  launches: () => number;
  emit: (e: SweepEvent) => void;
}

export class SweepRecorder {
  readonly notes = new SweepNotes();
  scheduleCheck: ScheduleCheck | undefined;
  private readonly measurements: Measurement[] = [];
  /** One entry per (configuration, level), in the order they were first recorded; updated in place. */
  private readonly runs: ConfigRun[] = [];
  private server: Report['server'];
  /** What is written or shown: secret flag values replaced by the engine's own variable or <redacted>. */
  private readonly shownPlan: SweepPlan;
  private readonly placeholders: ReturnType<typeof placeholdersFor>;
  /** Every secret value this run knows (the launch's, SpecTune's own VLLM_API_KEY…, the key it sends), redacted wherever it appears. */
  private readonly known: string[];
  private readonly redact: (text: string) => string;
  /** The log found its name gone: the report is written again after the next save, and at the end. */
  private reportLost = false;
  private readonly createdAt = new Date().toISOString();

  private constructor(
    private readonly input: RecorderInput,
    private readonly log: MeasurementLog,
    private readonly runId: string,
  ) {
    const { plan, engine, build } = input.setup;
    this.placeholders = placeholdersFor(engine.descriptor.id);
    this.known = [...knownSecrets(plan.server), ...(input.setup.apiKey ? [input.setup.apiKey] : [])];
    this.redact = textRedactor(this.known, this.placeholders);
    this.shownPlan = redactPlan(withUsedPromptsOnly(plan), this.placeholders, this.known);
    this.server = {
      kind: engine.descriptor.id,
      url: plan.mode === 'managed' ? `http://${plan.server!.host}:${plan.server!.port}` : plan.url!,
      model: plan.model ?? plan.server?.model ?? null,
      draftModel: plan.server?.draftModel ?? plan.draftModels[0] ?? null,
      method: plan.server?.method ?? (plan.server?.draftModel ? 'draft_model' : null),
      engineVersion: build?.raw ?? null,
      simulated: false,
      command: this.shownPlan.server?.command ?? null,
    };
  }

  /** Keeps the previous run's files aside, opens the log and writes its start line. */
  static async open(input: RecorderInput): Promise<SweepRecorder> {
    const { engine, plan } = input.setup;
    const known = [...knownSecrets(plan.server), ...(input.setup.apiKey ? [input.setup.apiKey] : [])];
    const { log, runId, kept } = await startRunFiles(input.outPath, input.runId, textRedactor(known, placeholdersFor(engine.descriptor.id)));
    if (kept) input.emit({ type: 'kept', kept });
    const recorder = new SweepRecorder(input, log, runId);
    // The log notices its name is gone before its next line; the report is written again right after.
    log.onRecreated = () => {
      recorder.reportLost = true;
      input.emit({ type: 'recreated', folder: dirname(input.outPath) });
    };
    await log.append({ type: 'start', at: recorder.createdAt, plan: recorder.shownPlan });
    return recorder;
  }

  /** What the server said about itself. */
  seen(info: Partial<Report['server']>): void {
    this.server = { ...this.server, ...info };
  }

  async measurement(m: Measurement): Promise<void> {
    this.measurements.push(m);
    await this.log.append({ type: 'measurement', measurement: m });
    this.input.emit({ type: 'measurement', measurement: m });
  }

  /** A configuration's entry at a level changed (measured more, failed): logged, and the report rewritten. */
  async entry(run: ConfigRun): Promise<void> {
    if (!this.runs.includes(run)) this.runs.push(run);
    const { concurrency } = run;
    await this.log.append({ type: 'config', numSpeculativeTokens: run.numSpeculativeTokens, draftModel: run.draftModel, ...knobFields(run), ...(concurrency ? { concurrency } : {}), failed: run.failed, error: run.error, ...(run.cutShort ? { cutShort: true } : {}), acceptance: run.acceptance });
    await this.save('partial', false);
  }

  snapshot(status: Report['status'], finished: boolean): Report {
    const { setup, strategy } = this.input;
    const measured = strategy.predicts ? this.runs.map((r) => ({ ...r, predicted: false })) : this.runs;
    const built = buildReport({
      plan: this.shownPlan,
      promptTypes: setup.promptTypes,
      systemPrompts: setup.systemPrompts,
      server: this.server,
      measurements: this.measurements,
      // Measured and predicted configurations together, by k (predicted ones carry no measurement).
      configs: strategy.predicts ? [...measured, ...strategy.predictedRuns()].sort((a, b) => (a.numSpeculativeTokens ?? 0) - (b.numSpeculativeTokens ?? 0)) : measured,
      createdAt: this.createdAt,
      finishedAt: finished ? new Date().toISOString() : null,
      status,
      toolVersion: TOOL_VERSION,
      runId: this.runId,
      commandFor: (c) => this.commandFor(c),
      notes: this.notes.list(),
      scheduleCheck: this.scheduleCheck,
      search: strategy.facts(),
    });
    return { ...built, adaptive: strategy.summary(this.input.launches(), this.measurements.length) };
  }

  /** The final report: complete, or partial when something failed or the plan was not measured in full. */
  async finish(o: { cancelled: boolean }): Promise<Report> {
    // Partial is for a run cut short (a crash, a server gone); a refused or unlaunchable setting is a result.
    const incomplete = this.runs.some((c) => c.failed && c.cutShort);
    const status: Report['status'] = o.cancelled ? 'cancelled' : incomplete ? 'partial' : 'complete';
    const report = await this.save(status, true);
    await this.log.append({ type: 'end', at: report.finishedAt!, status });
    await this.log.close();
    if (this.reportLost) await writeReport(this.input.outPath, report, this.redact);
    return report;
  }

  /** Nothing was measurable (e.g. the engine binary not found): the log keeps what it has and says so. */
  async abandon(): Promise<void> {
    await this.log.append({ type: 'end', at: new Date().toISOString(), status: 'failed' }).catch(() => undefined);
    await this.log.close().catch(() => undefined);
  }

  private async save(status: Report['status'], finished: boolean): Promise<Report> {
    // What is shown (the CLI prints it, the app draws it) is what is written: redacted the same way.
    const report = JSON.parse(JSON.stringify(this.snapshot(status, finished), replacerFor(this.redact))) as Report;
    this.reportLost = false;
    await writeReport(this.input.outPath, report, this.redact);
    this.input.emit({ type: 'report', report });
    return report;
  }

  /** The engine's exact line or setting for a configuration, secrets redacted. */
  private commandFor(c: ConfigKeyed) {
    const { engine, plan, build, launchFor } = this.input.setup;
    const config: SpecConfig = settingOf(c);
    const r = engine.recommend({ config, settings: launchFor(config) ?? plan.server ?? null, build, url: this.server.url, model: this.server.model });
    const argv = r.argv && redactArgv(r.argv, this.placeholders, this.known);
    return { argv, command: argv ? formatCommand(argv) : r.command && this.redact(r.command), setting: r.setting && this.redact(r.setting) };
  }
}
