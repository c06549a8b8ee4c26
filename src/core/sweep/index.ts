/**
 * The sweep: set up (plan → configurations, every launch checked), then for each
 * configuration put the server on it the engine's way (restart a launched server,
 * or only change the request), measure it, and decide (the report builder).
 * Each finished measurement goes to the JSONL log at once and the report is
 * rewritten after every configuration, so a crash, a cancel or a dead server
 * loses nothing that finished. A configuration whose server fails is marked
 * failed; the sweep goes on.
 */
import { dirname } from 'node:path';
import { SpecTuneError, describeError } from '../../shared/errors';
import { redactArgv, redactPlan, replacerFor, textRedactor } from '../../shared/redact';
import { knownSecrets } from '../server-secrets';
import { withUsedPromptsOnly } from '../../shared/prompts';
import { formatCommand } from '../../shared/shell-words';
import { placeholdersFor } from '../../engines';
import { buildReport, type ConfigKeyed, type ConfigRun } from '../../shared/report-builder';
import type { Measurement, Report, ServerSettings, SweepPlanInput, SweepProgress } from '../../shared/schemas';
import type { SpecConfig } from '../../engines/engine';
import { TOOL_VERSION } from '../../node/tool-version';
import { assertReportPath, writeReport } from '../report-io';
import { startRunFiles, type KeptEvent } from '../report-keeper';
import { ServerProcess, type ServerExitEvent } from '../server-process';
import { identifyWith } from '../probes';
import { EtaClock } from './eta';
import { StepPace } from './step-pace';
import { measureConfiguration } from './measure';
import { measureLevel, requestsPerConfiguration, type MatrixCell } from './load';
import { batchLimitNote, clientCpuNote, refusalNote, SweepNotes } from './level-notes';
import { confirmSchedule } from './schedule-check';
import type { ScheduleCheck } from '../../shared/report-builder';
import { chooseStrategy } from './adaptive';
import { modelToRequest, setUpSweep, type SweepSetup } from './setup';

export type SweepEvent =
  | { type: 'progress'; progress: SweepProgress }
  | { type: 'measurement'; measurement: Measurement }
  | { type: 'report'; report: Report }
  /** The report's folder (or its log) was removed during the run: both were written again there. */
  | { type: 'recreated'; folder: string }
  | KeptEvent;

export interface SweepOptions {
  plan: SweepPlanInput;
  /** test_results.json; the JSONL log is written beside it. */
  outPath: string;
  /** Managed mode: the server manager to (re)start per configuration. Default: a new one, stopped at the end. */
  server?: ServerProcess;
  signal?: AbortSignal;
  onEvent?: (e: SweepEvent) => void;
  /** Managed mode: leave the last configuration's server running. */
  keepServerRunning?: boolean;
  /** Names this run in every JSONL line and in the report (the app passes its history id). */
  runId?: string;
}

/** Managed-mode failures that mean this configuration cannot run, not that the sweep must stop. */
const CONFIG_FAILURES = new Set(['EXITED_BEFORE_READY', 'STARTUP_TIMEOUT', 'UNSUPPORTED_DRAFT_MODEL', 'PORT_IN_USE']);

const sameLaunch = (a: ServerSettings | null, b: ServerSettings | null) => a !== null && b !== null && JSON.stringify(a) === JSON.stringify(b);

/** The adaptive summary, with why every k was measured when load levels overrode the adaptive strategy. */
function withReason(summary: Report['adaptive'], because: string | null): Report['adaptive'] {
  return because && summary ? { ...summary, decidedBecause: because } : summary;
}

/**
 * The sweep's own notes in the report's warnings, each once: a report builder that already appends
 * BuildReportInput.notes keeps its copies, one that does not yet still shows them.
 */
function withNotes(warnings: Report['warnings'], notes: readonly Report['warnings'][number][]): Report['warnings'] {
  const seen = new Set(warnings.map((w) => `${w.kind}\u0000${w.message}`));
  return [...warnings, ...notes.filter((n) => !seen.has(`${n.kind}\u0000${n.message}`))];
}

export async function runSweep(opts: SweepOptions): Promise<Report> {
  const signal = opts.signal;
  const emit = opts.onEvent ?? (() => {});
  const managed = opts.plan.mode === 'managed';
  const server = managed ? (opts.server ?? new ServerProcess()) : null;
  const ownServer = managed && !opts.server;

  await assertReportPath(opts.outPath);
  let setup: SweepSetup;
  try {
    setup = await setUpSweep(opts.plan, server, signal);
  } catch (err) {
    if (ownServer) await server!.stop().catch(() => undefined);
    throw err;
  }
  const { plan, engine, configs, cells } = setup;
  // Load levels, lowest first: level 1 is today's sequential path, each level above it a closed loop.
  const levels = [...plan.concurrency].sort((a, b) => a - b);
  const loadLevels = levels.length > 1 || levels[0] !== 1;
  const matrix: MatrixCell[] = cells.filter((c) => c.repeat === 0).map(({ pt, sp }) => ({ pt, sp }));
  const perConfig = requestsPerConfiguration(levels, matrix.length, plan.repeats);
  const strategyInput = {
    configs,
    cellsPerConfig: cells.length,
    cellsPerRound: setup.promptTypes.length * setup.systemPrompts.length,
    launchFor: setup.launchFor,
  };
  // Which configuration comes next: all in order (exhaustive) or what the predicted k-curve leaves open (adaptive).
  let strategy = chooseStrategy({ requested: plan.strategy, ...strategyInput });
  // The adaptive predictor models single-stream speed only: under load every k is measured at every level.
  let exhaustiveBecause: string | null = null;
  if (loadLevels && strategy.kind === 'adaptive') {
    strategy = chooseStrategy({ requested: 'exhaustive', ...strategyInput });
    exhaustiveBecause = `load levels ${levels.join(',')}: every k measured at every level (the adaptive predictor models single-stream speed only)`;
  }
  const notes = new SweepNotes();
  let scheduleCheck: ScheduleCheck | undefined;
  let launches = 0;
  // What is written or shown: secret flag values replaced by the engine's own variable or <redacted>, and every
  // secret value this run knows (the launch's, SpecTune's own VLLM_API_KEY…, the key it sends) wherever it appears.
  const placeholders = placeholdersFor(engine.descriptor.id);
  const known = [...knownSecrets(plan.server), ...(setup.apiKey ? [setup.apiKey] : [])];
  const redact = textRedactor(known, placeholders);
  const shownPlan = redactPlan(withUsedPromptsOnly(plan), placeholders, known);
  // Adaptive: at most its budget of configurations (the rest are predicted), so progress does not stall at 40%.
  let total = strategy.plannedConfigs() * perConfig;
  const createdAt = new Date().toISOString();
  const started = performance.now();
  const measurements: Measurement[] = [];
  const runs: ConfigRun[] = [];
  const eta = new EtaClock(strategy.plannedConfigs());
  const pace = new StepPace();
  let done = 0;
  let serverInfo: Report['server'] = {
    kind: engine.descriptor.id,
    url: managed ? `http://${plan.server!.host}:${plan.server!.port}` : plan.url!,
    model: plan.model ?? plan.server?.model ?? null,
    draftModel: plan.server?.draftModel ?? plan.draftModels[0] ?? null,
    method: plan.server?.method ?? (plan.server?.draftModel ? 'draft_model' : null),
    vllmVersion: setup.build?.raw ?? null,
    simulated: false,
    command: shownPlan.server?.command ?? null,
  };

  const progress = (p: Partial<SweepProgress> & Pick<SweepProgress, 'phase'>, configIndex: number) => {
    const elapsed = (performance.now() - started) / 1000;
    emit({
      type: 'progress',
      progress: {
        done,
        total,
        etaSeconds: eta.secondsLeft(elapsed, total - done),
        elapsedSeconds: Math.round(elapsed * 10) / 10,
        numSpeculativeTokens: configs[configIndex]?.numSpeculativeTokens ?? null,
        configIndex,
        configCount: configs.length,
        promptType: null,
        systemPrompt: null,
        repeat: null,
        ...p,
      },
    });
  };

  const commandFor = (c: ConfigKeyed) => {
    const config: SpecConfig = { numSpeculativeTokens: c.numSpeculativeTokens, draftModel: c.draftModel ?? null };
    const r = engine.recommend({ config, settings: setup.launchFor(config) ?? plan.server ?? null, build: setup.build, url: serverInfo.url, model: serverInfo.model });
    const argv = r.argv && redactArgv(r.argv, placeholders, known);
    return { argv, command: argv ? formatCommand(argv) : r.command && redact(r.command), setting: r.setting && redact(r.setting) };
  };

  const { log, runId, kept } = await startRunFiles(opts.outPath, opts.runId, redact);
  if (kept) emit({ type: 'kept', kept });
  // The log notices its name is gone before its next line; the report is written again right after.
  let reportLost = false;
  log.onRecreated = () => {
    reportLost = true;
    emit({ type: 'recreated', folder: dirname(opts.outPath) });
  };
  await log.append({ type: 'start', at: createdAt, plan: shownPlan });

  const snapshot = (status: Report['status'], finished: boolean): Report => {
    const built = buildReport({
      plan: shownPlan,
      promptTypes: setup.promptTypes,
      systemPrompts: setup.systemPrompts,
      server: serverInfo,
      measurements,
      // Adaptive: measured and predicted configurations together, by k (predicted ones carry no measurement).
      configs: strategy.kind === 'adaptive' ? [...runs, ...strategy.predictedRuns()].sort((a, b) => (a.numSpeculativeTokens ?? 0) - (b.numSpeculativeTokens ?? 0)) : runs,
      createdAt,
      finishedAt: finished ? new Date().toISOString() : null,
      status,
      toolVersion: TOOL_VERSION,
      runId,
      commandFor,
      notes: notes.list(),
      scheduleCheck,
      decidedPick: strategy.pick(),
    });
    return {
      ...built,
      warnings: withNotes(built.warnings, notes.list()),
      adaptive: withReason(strategy.summary(launches, measurements.length), exhaustiveBecause),
    };
  };

  const saveReport = async (status: Report['status'], finished: boolean) => {
    // What is shown (the CLI prints it, the app draws it) is what is written: redacted the same way.
    const report = JSON.parse(JSON.stringify(snapshot(status, finished), replacerFor(redact))) as Report;
    reportLost = false;
    await writeReport(opts.outPath, report, redact);
    emit({ type: 'report', report });
    return report;
  };

  const finishConfig = async (run: ConfigRun) => {
    runs.push(run);
    const concurrency = (run as { concurrency?: number }).concurrency;
    await log.append({ type: 'config', numSpeculativeTokens: run.numSpeculativeTokens, draftModel: run.draftModel, ...(concurrency ? { concurrency } : {}), failed: run.failed, error: run.error, acceptance: run.acceptance });
    await saveReport('partial', false);
  };

  // One listener for the whole sweep, removed in `finally`: the caller's server outlives the sweep.
  let onServerExit: ((e: ServerExitEvent) => void) | null = null;
  const exitListener = (e: ServerExitEvent) => onServerExit?.(e);
  server?.on('exit', exitListener);
  let running: ServerSettings | null = null;

  try {
    for (let next = strategy.next(); next !== null && !signal?.aborted; next = strategy.next()) {
      const ci = next;
      const config = configs[ci];
      const configAbort = new AbortController();
      let crashed: string | null = null;
      let baseUrl: string;
      let model: string;
      try {
        if (server) {
          const settings = setup.launchFor(config)!;
          let listed: string[] = [];
          if (!sameLaunch(running, settings) || server.state().phase !== 'ready') {
            progress({ phase: 'starting-server' }, ci);
            running = null;
            launches++;
            const state = await server.restart(settings, { signal });
            running = settings;
            listed = state.models;
            serverInfo = { ...serverInfo, url: state.url!, vllmVersion: state.version ?? serverInfo.vllmVersion, simulated: state.simulated };
          } else listed = server.state().models;
          baseUrl = server.state().url!;
          // The launched model by name; a server listing only one (vLLM's --served-model-name) by that name.
          // mlx_lm lists every model in its cache, so its first entry can be another model.
          model = plan.model ?? (listed.includes(settings.model) || listed.length !== 1 ? settings.model : listed[0]);
          serverInfo = { ...serverInfo, model };
        } else {
          baseUrl = plan.url!.replace(/\/+$/, '');
          const id = await identifyWith(engine, baseUrl);
          model = await modelToRequest(plan, baseUrl, id?.models ?? [], setup.apiKey);
          serverInfo = { ...serverInfo, model, vllmVersion: id?.version ?? null, simulated: id?.simulated ?? false };
        }
      } catch (err) {
        if (signal?.aborted || (err instanceof SpecTuneError && err.code === 'CANCELLED')) break;
        if (managed && !(err instanceof SpecTuneError && CONFIG_FAILURES.has(err.code))) throw err;
        if (!managed && ci === 0) throw err;
        done += perConfig;
        eta.configSetUp();
        const failedRun: ConfigRun = { numSpeculativeTokens: config.numSpeculativeTokens, draftModel: config.draftModel, engine: engine.descriptor.id, failed: true, error: describeError(err) };
        strategy.observe(ci, failedRun, []);
        await finishConfig(failedRun);
        continue;
      }
      onServerExit = (e) => {
        if (!e.afterReady) return;
        crashed = `server exited during the measurements (code ${e.code ?? 'none'}, signal ${e.signal ?? 'none'})`;
        configAbort.abort();
      };

      const doneBefore = done;
      const settings = server ? setup.launchFor(config) : null;
      const record = async (m: Measurement, seconds: number) => {
        eta.request(seconds);
        pace.observe(m);
        measurements.push(m);
        done++;
        await log.append({ type: 'measurement', measurement: m });
        emit({ type: 'measurement', measurement: m });
      };
      // What every level's measurement shares: this configuration on this server.
      const common = { plan, engine, build: setup.build, config, baseUrl, model, apiKey: setup.apiKey, pace, launched: server !== null, signal, configAbort, crashed: () => crashed, record };
      const phaseAt =
        (level: number) =>
        (phase: 'warmup' | 'reading-metrics' | 'measuring', cell?: { pt: { id: string }; sp: { id: string }; repeat: number }) =>
          progress(cell ? { phase, promptType: cell.pt.id, systemPrompt: cell.sp.id, repeat: cell.repeat, concurrency: level } : { phase, concurrency: level }, ci);
      let warmed = false;
      let setUpCounted = false;
      for (const level of levels) {
        if (signal?.aborted) break;
        const levelRequests = requestsPerConfiguration([level], matrix.length, plan.repeats);
        const levelDoneBefore = done;
        if (level === 1) {
          const { run, measurements: configMeasurements } = await measureConfiguration({
            ...common,
            cells,
            onSetUp: () => {
              setUpCounted = true;
              eta.configSetUp();
            },
            shouldStop: (ms) => strategy.shouldStop(ci, ms),
            onPhase: phaseAt(1),
          });
          warmed = true;
          if (run.failed) {
            // The configuration failed (crash, refusal, no drafting): its other levels are not measured either.
            done = doneBefore + perConfig;
            if (server && crashed) running = null;
          }
          if (run.failed || !signal?.aborted) {
            strategy.observe(ci, run, configMeasurements);
            await finishConfig(run);
          }
          if (run.failed) break;
          continue;
        }
        const refused = await refusalNote(engine, { config, settings, baseUrl, model }, level).catch(() => null);
        if (refused) {
          notes.add(refused);
          done = levelDoneBefore + levelRequests;
          continue;
        }
        const limitNote = batchLimitNote(engine, settings, setup.build, level);
        if (limitNote) notes.add(limitNote);
        const result = await measureLevel({
          ...common,
          matrix,
          concurrency: level,
          warmup: !warmed && (plan.warmup || engine.descriptor.kChange === 'reload'),
          onPhase: phaseAt(level),
        });
        warmed = true;
        if (!setUpCounted) {
          setUpCounted = true;
          eta.configSetUp();
        }
        const cpu = clientCpuNote(result.clientCpuSeconds, result.steadyWindowSeconds, level);
        if (cpu) notes.add(cpu.note, cpu.share);
        if (result.run.failed) {
          done = doneBefore + perConfig;
          if (server && crashed) running = null;
        }
        if (result.run.failed || !signal?.aborted) await finishConfig(result.run);
        if (result.run.failed) break;
      }
      onServerExit = null;
    }
    // Load levels on an engine that takes a per-batch-size draft length: launch the schedule the picks make and measure it once per level.
    if (server && !signal?.aborted && levels.length >= 2 && engine.load?.schedule && setup.build !== null) {
      // The per-level picks come from the report builder (recommendation.byConcurrency).
      const picks = snapshot('partial', false).recommendation?.byConcurrency ?? [];
      progress({ phase: 'starting-server' }, Math.max(0, runs.length - 1));
      scheduleCheck = await confirmSchedule({ plan, engine, build: setup.build, server, launchFor: setup.launchFor, picks, matrix, apiKey: setup.apiKey, signal }).catch(
        (err: unknown): ScheduleCheck => ({ entries: [], numSpeculativeTokens: 0, outcome: 'not-run', note: `schedule check failed: ${describeError(err)}`, argv: null, command: null }),
      );
      running = null;
    }
  } catch (err) {
    // Nothing was measurable (e.g. the engine binary not found): keep what the log has, then report the cause.
    await log.append({ type: 'end', at: new Date().toISOString(), status: 'failed' }).catch(() => undefined);
    await log.close().catch(() => undefined);
    throw err;
  } finally {
    server?.off('exit', exitListener);
    if (server && (ownServer || !opts.keepServerRunning || signal?.aborted)) await server.stop().catch(() => undefined);
  }

  const cancelled = signal?.aborted === true;
  // Adaptive sweeps leave configurations unmeasured by design (they are reported as predicted).
  const incomplete = runs.some((c) => c.failed) || measurements.some((m) => !m.ok) || (strategy.kind === 'exhaustive' && done < total);
  const status: Report['status'] = cancelled ? 'cancelled' : incomplete ? 'partial' : 'complete';
  // An adaptive sweep that decided early is done: the last progress event says so (done = total).
  if (strategy.kind === 'adaptive' && !cancelled) total = done;
  progress({ phase: cancelled ? 'cancelled' : 'done' }, Math.max(0, runs.length - 1));
  const report = await saveReport(status, true);
  await log.append({ type: 'end', at: report.finishedAt!, status });
  await log.close();
  if (reportLost) await writeReport(opts.outPath, report, redact);
  return report;
}
