/**
 * The sweep: for each k, (re)start vLLM (managed mode) or use the running server
 * (attached mode), read the spec-decode counters, warm up, measure every
 * prompt type × system prompt × repeat, read the counters again. Each finished
 * measurement goes to the JSONL log at once and the report is rewritten after
 * every configuration, so a crash, a cancel or a dead server loses nothing that
 * finished. A configuration whose server fails is marked failed; the sweep goes on.
 */
import { streamCompletion } from './bench-client';
import { readSpecDecodeSnapshot } from '../engines/vllm/metrics-client';
import { listModels, probeEndpoint } from './probes';
import { assertReportPath, jsonlPathFor, MeasurementLog, writeReport } from './report-io';
import { VllmServer, type ServerExitEvent } from './vllm-server';
import { SpecTuneError, describeError } from '../shared/errors';
import { resolvePromptTypes, resolveSystemPrompts } from '../shared/prompts';
import { redactArgv, redactPlan } from '../shared/redact';
import { VLLM_SECRET_PLACEHOLDERS } from '../engines/vllm/secrets';
import { buildReport, type ConfigRun } from '../shared/report-builder';
import { acceptanceBetween } from '../shared/spec-decode-metrics';
import {
  effectiveMethod,
  parseOrThrow,
  SweepPlanSchema,
  type Measurement,
  type Report,
  type SweepPlan,
  type SweepPlanInput,
  type SweepProgress,
} from '../shared/schemas';
import { buildVllmArgv, parseVllmVersion } from '../engines/vllm/argv';
import { formatCommand } from '../shared/shell-words';
import { TOOL_VERSION } from '../node/tool-version';

export type SweepEvent =
  | { type: 'progress'; progress: SweepProgress }
  | { type: 'measurement'; measurement: Measurement }
  | { type: 'report'; report: Report };

export interface SweepOptions {
  plan: SweepPlanInput;
  /** test_results.json; the JSONL log is written beside it. */
  outPath: string;
  /** Managed mode: the server manager to (re)start per k. Default: a new one, stopped at the end. */
  server?: VllmServer;
  signal?: AbortSignal;
  onEvent?: (e: SweepEvent) => void;
  /** Managed mode: leave the last configuration's server running. */
  keepServerRunning?: boolean;
}

/** Managed-mode failures that mean this configuration cannot run, not that the sweep must stop. */
const CONFIG_FAILURES = new Set(['EXITED_BEFORE_READY', 'STARTUP_TIMEOUT', 'UNSUPPORTED_DRAFT_MODEL', 'PORT_IN_USE']);

/** Request failures that a server dying would also cause (an HTTP error status would not). */
const CONNECTION_LOSS = new Set(['CONNECT_FAILED', 'CONNECT_TIMEOUT', 'BAD_STREAM', 'STREAM_STALLED']);

/**
 * How long a lost connection waits for the launcher to report a crash. The client sees the
 * reset before the launcher reaps the process and collects its last log lines (up to 250 ms);
 * without this wait, the cut request and every quick "connection refused" after it would be
 * recorded as failed requests of a server that is simply gone.
 */
const CRASH_NOTICE_MS = 1500;

/** Resolves when the signal aborts or after ms, whichever is first; leaves no timer behind. */
function abortedOrAfter(signal: AbortSignal, ms: number): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

export async function runSweep(opts: SweepOptions): Promise<Report> {
  const plan: SweepPlan = parseOrThrow(SweepPlanSchema, opts.plan, 'plan');
  // What the report, the JSONL and events may show: secret env values and flag values redacted.
  const shownPlan = redactPlan(plan, VLLM_SECRET_PLACEHOLDERS);
  const promptTypes = resolvePromptTypes(plan.promptTypes, plan.customPrompts);
  const systemPrompts = resolveSystemPrompts(plan.systemPrompts, plan.customSystemPrompts);
  // Baseline first: every later configuration is compared with it.
  const tokens = plan.mode === 'managed' ? [...plan.tokens].sort((a, b) => a - b) : plan.tokens;
  const signal = opts.signal;
  // vLLM takes its --api-key default from VLLM_API_KEY, and a launched server inherits this
  // environment: send the same key. Read here, never stored in the plan or the report.
  const apiKey = process.env.VLLM_API_KEY || undefined;
  const emit = opts.onEvent ?? (() => {});
  const server = plan.mode === 'managed' ? (opts.server ?? new VllmServer()) : null;
  const ownServer = plan.mode === 'managed' && !opts.server;

  const cells = [];
  for (let repeat = 0; repeat < plan.repeats; repeat++)
    for (const pt of promptTypes) for (const sp of systemPrompts) cells.push({ pt, sp, repeat });
  const total = tokens.length * cells.length;

  const createdAt = new Date().toISOString();
  const started = performance.now();
  const measurements: Measurement[] = [];
  const configs: ConfigRun[] = [];
  let done = 0;
  let serverInfo: Report['server'] = {
    kind: 'vllm',
    url: plan.mode === 'managed' ? `http://${plan.server!.host}:${plan.server!.port}` : plan.url!,
    model: plan.model ?? plan.server?.model ?? null,
    draftModel: plan.server?.draftModel ?? null,
    method: plan.server ? (effectiveMethod(plan.server) ?? null) : null,
    vllmVersion: null,
    simulated: false,
    command: shownPlan.server?.command ?? null,
  };


  /** Wall time spent inside measured requests; the rest of the elapsed time is per-configuration overhead. */
  let requestSeconds = 0;
  /** Configurations whose restart and warm-up are behind them (or that failed trying). */
  let setUp = 0;
  /**
   * Requests left × time per request, plus configurations still to set up × what a restart, warm-up
   * and metric reads cost so far. One pace for both would charge a real vLLM's minutes-long startup
   * to every remaining request, and count the skipped cells of a failed configuration as fast ones.
   */
  const eta = (elapsed: number): number | null => {
    const measured = measurements.length;
    if (measured === 0 || setUp === 0) return null;
    const perConfig = (elapsed - requestSeconds) / setUp;
    return Math.round((requestSeconds / measured) * (total - done) + perConfig * (tokens.length - setUp));
  };

  const progress = (p: Partial<SweepProgress> & Pick<SweepProgress, 'phase'>, configIndex: number) => {
    const elapsed = (performance.now() - started) / 1000;
    emit({
      type: 'progress',
      progress: {
        done,
        total,
        etaSeconds: eta(elapsed),
        elapsedSeconds: Math.round(elapsed * 10) / 10,
        numSpeculativeTokens: tokens[configIndex] ?? null,
        configIndex,
        configCount: tokens.length,
        promptType: null,
        systemPrompt: null,
        repeat: null,
        ...p,
      },
    });
  };

  let versionForCommand = null as ReturnType<typeof parseVllmVersion>;
  const commandFor = (k: number) => {
    if (plan.mode !== 'managed' || !versionForCommand) return null;
    try {
      const argv = redactArgv(buildVllmArgv({ ...plan.server!, numSpeculativeTokens: k }, versionForCommand), VLLM_SECRET_PLACEHOLDERS);
      return { argv, command: formatCommand(argv) };
    } catch {
      return null;
    }
  };

  await assertReportPath(opts.outPath);
  if (server) {
    // Whatever a later configuration would be refused for (vllm missing, draft models on 0.10–0.14,
    // a method this version lacks) is refused now, before the baseline has run for minutes.
    versionForCommand = await server.detectVersion(plan.server!.command, { signal });
    serverInfo = { ...serverInfo, vllmVersion: versionForCommand.raw };
    for (const k of tokens) await server.argvFor({ ...plan.server!, numSpeculativeTokens: k }, { signal });
  }

  const log = await MeasurementLog.create(jsonlPathFor(opts.outPath));
  await log.append({ type: 'start', at: createdAt, plan: shownPlan });

  const snapshot = (status: Report['status'], finished: boolean) =>
    buildReport({
      plan: shownPlan,
      promptTypes,
      systemPrompts,
      server: serverInfo,
      measurements,
      configs,
      createdAt,
      finishedAt: finished ? new Date().toISOString() : null,
      status,
      toolVersion: TOOL_VERSION,
      commandFor,
    });

  const saveReport = async (status: Report['status'], finished: boolean) => {
    const report = snapshot(status, finished);
    await writeReport(opts.outPath, report);
    emit({ type: 'report', report });
    return report;
  };

  // One listener for the whole sweep, removed in `finally`: the caller's server outlives the sweep.
  let onServerExit: ((e: ServerExitEvent) => void) | null = null;
  const exitListener = (e: ServerExitEvent) => onServerExit?.(e);
  server?.on('exit', exitListener);

  try {
    for (let ci = 0; ci < tokens.length && !signal?.aborted; ci++) {
      const k = tokens[ci];
      const run: ConfigRun = { numSpeculativeTokens: k, failed: false };
      configs.push(run);
      // Aborted when the server dies, so a request in flight fails fast instead of waiting for a stall timeout.
      const configAbort = new AbortController();
      const abortAll = AbortSignal.any([configAbort.signal, ...(signal ? [signal] : [])]);
      let crashed: string | null = null;
      const onExit = (e: ServerExitEvent) => {
        if (!e.afterReady) return;
        crashed = `server exited during the measurements (code ${e.code ?? 'none'}, signal ${e.signal ?? 'none'})`;
        configAbort.abort();
      };

      let baseUrl: string;
      let model: string;
      try {
        if (server) {
          progress({ phase: 'starting-server' }, ci);
          const state = await server.restart({ ...plan.server!, numSpeculativeTokens: k }, { signal });
          onServerExit = onExit;
          baseUrl = state.url!;
          model = plan.model ?? state.models[0] ?? plan.server!.model;
          versionForCommand = state.version ? parseVllmVersion(state.version) : versionForCommand;
          serverInfo = { ...serverInfo, url: baseUrl, model, vllmVersion: state.version, simulated: state.simulated };
        } else {
          baseUrl = plan.url!.replace(/\/+$/, '');
          const status = await probeEndpoint({ name: 'target', url: baseUrl });
          if (!status.running) {
            throw new SpecTuneError('CONNECT_FAILED', `no server answers at ${baseUrl}: ${status.reason ?? 'not running'}`, {
              hint: 'start the server first, or check the URL and port',
            });
          }
          model = plan.model ?? (await listModels(baseUrl, undefined, apiKey))[0] ?? '';
          if (!model) throw new SpecTuneError('INVALID_INPUT', `${baseUrl}/v1/models lists no model`, { hint: 'pass --model' });
          serverInfo = {
            ...serverInfo,
            kind: status.kind,
            model,
            vllmVersion: status.kind === 'vllm' ? status.version : null,
            simulated: status.simulated,
          };
        }
      } catch (err) {
        if (signal?.aborted || (err instanceof SpecTuneError && err.code === 'CANCELLED')) break;
        if (plan.mode === 'managed' && !(err instanceof SpecTuneError && CONFIG_FAILURES.has(err.code))) throw err;
        run.failed = true;
        run.error = describeError(err);
        done += cells.length;
        setUp++;
        await log.append({ type: 'config', numSpeculativeTokens: k, failed: true, error: run.error });
        await saveReport('partial', false);
        continue;
      }

      const request = (pt: (typeof promptTypes)[number], sp: (typeof systemPrompts)[number]) =>
        streamCompletion({
          baseUrl,
          model,
          api: plan.api,
          system: sp.prompt,
          prompt: pt.prompt,
          maxTokens: plan.maxTokens,
          temperature: plan.temperature,
          seed: plan.seed,
          ignoreEos: plan.ignoreEos,
          connectTimeoutMs: plan.connectTimeoutMs,
          stallTimeoutMs: plan.stallTimeoutMs,
          signal: abortAll,
          apiKey,
        });

      if (plan.warmup) {
        progress({ phase: 'warmup' }, ci);
        // Not counted: the first request pays for lazy initialisation and cache warm-up.
        await request(cells[0].pt, cells[0].sp).catch(() => undefined);
      }
      // Read after the warm-up, so its drafts do not count in this configuration's acceptance.
      const before = await readSpecDecodeSnapshot(baseUrl);
      setUp++;

      let consecutiveFailures = 0;
      for (const cell of cells) {
        if (signal?.aborted || crashed) break;
        progress({ phase: 'measuring', promptType: cell.pt.id, systemPrompt: cell.sp.id, repeat: cell.repeat }, ci);
        const startedAt = new Date().toISOString();
        const base = { numSpeculativeTokens: k, promptType: cell.pt.id, systemPrompt: cell.sp.id, repeat: cell.repeat, startedAt };
        let m: Measurement;
        const sent = performance.now();
        try {
          const { text: _text, ...metrics } = await request(cell.pt, cell.sp);
          m = { ...base, ok: true, metrics };
          consecutiveFailures = 0;
        } catch (err) {
          // A cancel is not a failed measurement: nothing is recorded for it.
          if (signal?.aborted) break;
          if (server && err instanceof SpecTuneError && CONNECTION_LOSS.has(err.code)) await abortedOrAfter(abortAll, CRASH_NOTICE_MS);
          if (signal?.aborted || crashed) break;
          m = { ...base, ok: false, error: describeError(err) };
          consecutiveFailures++;
        }
        requestSeconds += (performance.now() - sent) / 1000;
        measurements.push(m);
        done++;
        await log.append({ type: 'measurement', measurement: m });
        emit({ type: 'measurement', measurement: m });
        // An attached server that stopped answering will not come back by itself.
        if (consecutiveFailures >= 3 && server === null) {
          const alive = await probeEndpoint({ name: 'target', url: baseUrl });
          if (!alive.running) {
            crashed = `the server at ${baseUrl} stopped answering (${alive.reason ?? 'not running'})`;
            break;
          }
        }
      }
      onServerExit = null;

      if (crashed) {
        run.failed = true;
        run.error = crashed;
        done = (ci + 1) * cells.length;
      } else if (!signal?.aborted) {
        progress({ phase: 'reading-metrics' }, ci);
        run.acceptance = acceptanceBetween(before, await readSpecDecodeSnapshot(baseUrl));
      }
      await log.append({ type: 'config', numSpeculativeTokens: k, failed: run.failed, error: run.error, acceptance: run.acceptance });
      await saveReport('partial', false);
    }
  } catch (err) {
    // Nothing was measurable (e.g. vllm not found): keep what the log has, then report the cause.
    await log.append({ type: 'end', at: new Date().toISOString(), status: 'failed' }).catch(() => undefined);
    await log.close().catch(() => undefined);
    throw err;
  } finally {
    server?.off('exit', exitListener);
    if (server && (ownServer || !opts.keepServerRunning || signal?.aborted)) await server.stop().catch(() => undefined);
  }

  const cancelled = signal?.aborted === true;
  const incomplete = configs.some((c) => c.failed) || measurements.some((m) => !m.ok) || done < total;
  const status: Report['status'] = cancelled ? 'cancelled' : incomplete ? 'partial' : 'complete';
  progress({ phase: cancelled ? 'cancelled' : 'done' }, Math.max(0, configs.length - 1));
  const report = await saveReport(status, true);
  await log.append({ type: 'end', at: report.finishedAt!, status });
  await log.close();
  return report;
}
