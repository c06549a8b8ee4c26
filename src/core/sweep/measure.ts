/**
 * One configuration's measurements: an uncounted warm-up (it pays for lazy
 * initialisation, and for engines that reload on a k change, for the reload),
 * acceptance counters before and after where the engine keeps them, then every
 * prompt cell in order. Each measurement is handed to `record` the moment it
 * finishes, so nothing that finished is lost.
 */
import { describeError, SpecTuneError } from '../../shared/errors';
import type { AcceptanceStats, Measurement } from '../../shared/schemas';
import type { ConfigRun } from '../../shared/report-builder';
import { isBaselineConfig, type CounterSnapshot, type Engine, type EngineBuild, type ResponseDraftCounts, type SpecConfig } from '../../engines/engine';
import { sendRequest } from '../bench-client';
import { probeEndpoint } from '../probes';
import type { Cell } from './setup';
import type { StepPace } from './step-pace';
import type { SweepPlan } from '../../shared/schemas';

/** Request failures that a server dying would also cause (an HTTP error status would not). */
export const CONNECTION_LOSS = new Set(['CONNECT_FAILED', 'CONNECT_TIMEOUT', 'BAD_STREAM', 'STREAM_STALLED']);

/**
 * How long a lost connection waits for the launcher to report a crash. The client sees the
 * reset before the launcher reaps the process and collects its last log lines (up to 250 ms);
 * without this wait, the cut request and every quick "connection refused" after it would be
 * recorded as failed requests of a server that is simply gone.
 */
export const CRASH_NOTICE_MS = 1500;

/** Resolves when the signal aborts or after ms, whichever is first; leaves no timer behind. */
export function abortedOrAfter(signal: AbortSignal, ms: number): Promise<void> {
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

export interface MeasureContext {
  plan: SweepPlan;
  engine: Engine;
  build: EngineBuild | null;
  config: SpecConfig;
  cells: readonly Cell[];
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** The pace measured so far, for each request's deadline (absent: the request's own first tokens set it). */
  pace?: StepPace;
  /** True when SpecTune launched the server (a lost connection may be a crash it will hear about). */
  launched: boolean;
  signal?: AbortSignal;
  /** Aborted by the sweep when the launched server dies. */
  configAbort: AbortController;
  /** Why the server is gone, once it is (set by the sweep's exit listener). */
  crashed: () => string | null;
  onPhase: (phase: 'warmup' | 'reading-metrics' | 'measuring', cell?: Cell) => void;
  record: (m: Measurement, requestSeconds: number) => Promise<void>;
  /** Called once the warm-up and the first counter read are behind (the ETA counts set-up cost). */
  onSetUp: () => void;
  /** After each request: true = measured enough (the adaptive strategy's sequential rule). */
  shouldStop?: (measurements: readonly Measurement[]) => boolean;
}

/** Draft counts summed over a configuration's answers (engines that report per response). */
export class DraftTally {
  drafts = 0;
  draftsKnown = true;
  draftTokens = 0;
  accepted = 0;
  perPos: number[] = [];
  perPosKnown = true;
  responses = 0;

  add(c: ResponseDraftCounts | null): void {
    if (!c) return;
    this.responses++;
    this.draftTokens += c.draftTokens;
    this.accepted += c.acceptedTokens;
    if (c.drafts === null) this.draftsKnown = false;
    else this.drafts += c.drafts;
    if (!c.acceptedPerPos) this.perPosKnown = false;
    else c.acceptedPerPos.forEach((n, i) => (this.perPos[i] = (this.perPos[i] ?? 0) + n));
  }

  stats(): AcceptanceStats {
    const drafts = this.draftsKnown && this.responses ? this.drafts : null;
    return {
      source: 'per-response',
      drafts,
      draftTokens: this.responses ? this.draftTokens : null,
      acceptedTokens: this.responses ? this.accepted : null,
      acceptanceRate: this.draftTokens > 0 ? this.accepted / this.draftTokens : null,
      meanAcceptanceLength: drafts ? 1 + this.accepted / drafts : null,
      perPositionAcceptance: drafts && this.perPosKnown ? this.perPos.map((n) => n / drafts) : [],
    };
  }
}

/** One prompt cell through the engine's request shape and dialect reader (every level uses this path). */
export function requestSender(ctx: Pick<MeasureContext, 'plan' | 'engine' | 'config' | 'baseUrl' | 'model' | 'apiKey' | 'pace'>, signal: AbortSignal, level = 1) {
  const { plan, engine, config } = ctx;
  return (cell: Pick<Cell, 'pt' | 'sp'>, own?: AbortSignal) =>
    sendRequest({
      baseUrl: ctx.baseUrl,
      shape: engine.shapeRequest(
        {
          model: ctx.model,
          api: plan.api,
          system: cell.sp.prompt,
          prompt: cell.pt.prompt,
          maxTokens: plan.maxTokens,
          temperature: plan.temperature,
          seed: plan.seed,
          ignoreEos: plan.ignoreEos,
        },
        config,
      ),
      maxTokens: plan.maxTokens,
      stepMsHint: ctx.pace?.hint(level) ?? null,
      connectTimeoutMs: plan.connectTimeoutMs,
      stallTimeoutMs: plan.stallTimeoutMs,
      signal: own ? AbortSignal.any([signal, own]) : signal,
      apiKey: ctx.apiKey,
      engineUsage: engine.engineUsage?.bind(engine),
    });
}

/**
 * Ends a run: failed with why the server is gone, or (unless cancelled) its acceptance from where the
 * engine keeps it: counters read again now, the answers' own counts, or the reason there is none.
 */
export async function settleRun(
  run: ConfigRun,
  o: { crashed: string | null; cancelled: boolean; engine: Engine; before: CounterSnapshot | null; tally: DraftTally; baseUrl: string; apiKey?: string; onReading: () => void },
): Promise<void> {
  if (o.crashed) {
    run.failed = true;
    run.error = o.crashed;
    return;
  }
  if (o.cancelled) return;
  const acceptance = o.engine.acceptance;
  if (acceptance.kind === 'server-counters') {
    o.onReading();
    run.acceptance = acceptance.between(o.before, await acceptance.read(o.baseUrl, o.apiKey));
    run.acceptanceSource = o.engine.descriptor.acceptance.note;
  } else if (acceptance.kind === 'per-response') {
    run.acceptance = o.tally.stats();
    run.acceptanceSource = o.engine.descriptor.acceptance.note;
  } else {
    run.acceptanceSource = acceptance.reason;
  }
}

export async function measureConfiguration(ctx: MeasureContext): Promise<{ run: ConfigRun; measurements: Measurement[] }> {
  const { plan, engine, config, signal } = ctx;
  const run: ConfigRun = { numSpeculativeTokens: config.numSpeculativeTokens, draftModel: config.draftModel, engine: engine.descriptor.id, failed: false };
  const abortAll = AbortSignal.any([ctx.configAbort.signal, ...(signal ? [signal] : [])]);
  const acceptance = engine.acceptance;
  const tally = new DraftTally();
  const measurements: Measurement[] = [];

  const request = requestSender(ctx, abortAll);

  // Always for engines that reload on a change (the reload must not land in a measured request).
  if (plan.warmup || engine.descriptor.kChange === 'reload') {
    ctx.onPhase('warmup');
    await request(ctx.cells[0]).catch(() => undefined);
  }
  // Read after the warm-up, so its drafts do not count in this configuration's acceptance.
  const before = acceptance.kind === 'server-counters' ? await acceptance.read(ctx.baseUrl, ctx.apiKey) : null;
  ctx.onSetUp();

  let consecutiveFailures = 0;
  let crashed: string | null = null;
  for (const cell of ctx.cells) {
    if (signal?.aborted || (crashed = ctx.crashed())) break;
    ctx.onPhase('measuring', cell);
    const base = {
      numSpeculativeTokens: config.numSpeculativeTokens,
      draftModel: config.draftModel,
      promptType: cell.pt.id,
      systemPrompt: cell.sp.id,
      repeat: cell.repeat,
      startedAt: new Date().toISOString(),
    };
    let m: Measurement;
    const sent = performance.now();
    try {
      const d = await request(cell);
      if (acceptance.kind === 'per-response') tally.add(acceptance.fromResponse(d.finalObject));
      m = { ...base, ok: true, metrics: d.metrics };
      consecutiveFailures = 0;
    } catch (err) {
      // A cancel is not a failed measurement: nothing is recorded for it.
      if (signal?.aborted) break;
      if (ctx.launched && err instanceof SpecTuneError && CONNECTION_LOSS.has(err.code)) await abortedOrAfter(abortAll, CRASH_NOTICE_MS);
      if (signal?.aborted || (crashed = ctx.crashed())) break;
      m = { ...base, ok: false, error: describeError(err) };
      consecutiveFailures++;
      // A configuration the engine refuses outright (LM Studio: a draft with another vocabulary) fails as a whole.
      if (measurements.length === 0 && err instanceof SpecTuneError && err.code === 'HTTP_ERROR' && /HTTP 4\d\d/.test(err.message)) {
        crashed = `${engine.descriptor.label} refused this configuration: ${err.message}`;
      }
    }
    measurements.push(m);
    await ctx.record(m, (performance.now() - sent) / 1000);
    if (crashed) break;
    if (ctx.shouldStop?.(measurements)) break;
    // An attached server that stopped answering will not come back by itself.
    if (consecutiveFailures >= 3 && !ctx.launched) {
      const alive = await probeEndpoint({ name: 'target', url: ctx.baseUrl });
      if (!alive.running) {
        crashed = `the server at ${ctx.baseUrl} stopped answering (${alive.reason ?? 'not running'})`;
        break;
      }
    }
  }

  await settleRun(run, { crashed, cancelled: signal?.aborted === true, engine, before, tally, baseUrl: ctx.baseUrl, apiKey: ctx.apiKey, onReading: () => ctx.onPhase('reading-metrics') });
  if (!run.failed && !signal?.aborted && acceptance.kind === 'per-response') {
    const noDrafting = !isBaselineConfig(config) && tally.draftTokens === 0 && measurements.some((m) => m.ok);
    const why = noDrafting ? (engine.noDraftingError?.(config, ctx.build) ?? null) : null;
    if (why) {
      run.failed = true;
      run.error = why;
    }
  }
  return { run, measurements };
}
