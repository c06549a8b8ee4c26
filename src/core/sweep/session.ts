/**
 * One configuration's measurements, over as many calls as the strategy asks
 * for: `measureRounds(level, fromRound, rounds)` measures that many more rounds
 * on the server it is bound to (level 1 one request at a time, above it the
 * closed loop), under one failure policy. Its report entry per level (ConfigRun)
 * keeps every call: the rounds' measurements, the acceptance summed (./acceptance.ts),
 * failed once a call failed. An uncounted warm-up comes first after each launch or
 * reload of the configuration: it pays for lazy initialisation and, for engines that
 * reload on a k change, for the reload.
 */
import { isBaselineConfig, type CounterSnapshot, type Engine, type EngineBuild, type SpecConfig } from '../../engines/engine';
import type { ConfigRun } from '../../shared/report-builder';
import { knobFields } from '../../shared/config-key';
import type { AcceptanceStats, Measurement, SweepPlan } from '../../shared/schemas';
import { addAcceptance, DraftTally } from './acceptance';
import { FailurePolicy } from './failure-policy';
import { ClosedLoop, type LoopFigures } from './load';
import { measureOneAtATime, type PathContext } from './one-at-a-time';
import { requestSender, type SendCell } from './requests';
import type { StepPace } from './step-pace';
import { roundCells, type Cell, type MatrixCell } from './setup';

export type MeasurePhase = 'warmup' | 'reading-metrics' | 'measuring';

/** Where the configuration runs: a new object after each launch of it or switch to it (the target hands them out). */
export interface Connection {
  baseUrl: string;
  model: string;
  /** SpecTune launched this server (its crash is reported by the launcher). */
  launched: boolean;
  /** Which launch of the server this is (attached: 0): a configuration switched back to on the same launch needs no new warm-up. */
  launch: number;
  /** Aborted when the launched server dies. */
  abort: AbortSignal;
  /** Why the server is gone, once it is. */
  crashed: () => string | null;
}

export interface SessionContext {
  plan: SweepPlan;
  engine: Engine;
  build: EngineBuild | null;
  config: SpecConfig;
  /** The prompt matrix, in the sweep's order. */
  matrix: readonly MatrixCell[];
  apiKey?: string;
  /** The sweep's measured pace, for request deadlines. */
  pace?: StepPace;
  signal?: AbortSignal;
  record: (m: Measurement, requestSeconds: number) => Promise<void>;
  onPhase: (level: number, phase: MeasurePhase, cell?: Cell) => void;
  /** Called once a call's warm-up and first counter read are behind (the ETA counts set-up cost apart). */
  onSetUp?: () => void;
}

export interface RoundsResult {
  /** This call's measurements. */
  measurements: Measurement[];
  /** The (configuration, level) entry, every call so far in it. */
  run: ConfigRun;
  /** Above level 1: the closed loop's window, CPU and in-flight figures. */
  loop: LoopFigures | null;
}

export interface MeasureOptions {
  closedLoop?: boolean;
}

/** One level's entry and what it sums over calls. */
interface LevelState {
  run: ConfigRun;
  tally: DraftTally;
  counted: AcceptanceStats | undefined;
  measurements: Measurement[];
  /** The configuration answered at this level before (a 4xx later is a failed request, not a refusal). */
  answered: boolean;
}

export class ConfigSession {
  private conn: Connection | null = null;
  private warmupDue = false;
  private readonly levels = new Map<number, LevelState>();

  constructor(private readonly ctx: SessionContext) {}

  /**
   * The server runs this configuration at `conn`. The warm-up is due on a reload engine whenever the
   * configuration was switched to (the switch reloads the model), otherwise (plan.warmup) once per launch.
   * `warmup` overrides the rule.
   */
  bind(conn: Connection, warmup?: boolean): void {
    if (conn === this.conn) return;
    const { plan, engine } = this.ctx;
    this.warmupDue = warmup ?? (engine.descriptor.kChange === 'reload' || (plan.warmup && conn.launch !== this.conn?.launch));
    this.conn = conn;
  }

  /** The configuration could not be put on the server: its entry (the launch's, whatever the level) fails. */
  setUpFailed(error: string): ConfigRun {
    const { run } = this.level(1);
    run.failed = true;
    run.error = error;
    return run;
  }

  /**
   * `closedLoop`: level 1 through the closed loop too (one request in flight, ramp-up and all).
   */
  async measureRounds(level: number, fromRound: number, rounds: number, opts: MeasureOptions = {}): Promise<RoundsResult> {
    const conn = this.conn;
    if (!conn) throw new Error('measureRounds before bind: the session has no server');
    const { engine, signal } = this.ctx;
    const st = this.level(level);
    const abort = signal ? AbortSignal.any([conn.abort, signal]) : conn.abort;
    const send = requestSender({ ...this.ctx, baseUrl: conn.baseUrl, model: conn.model }, abort, level);
    const onPhase = (phase: MeasurePhase, cell?: Cell) => this.ctx.onPhase(level, phase, cell);
    const before = await this.setUp(conn, send, abort, onPhase);

    const policy = new FailurePolicy({ label: engine.descriptor.label, baseUrl: conn.baseUrl, launched: conn.launched, abort, crashed: conn.crashed, answered: st.answered });
    const path: PathContext = {
      config: this.ctx.config,
      send,
      policy,
      answer: (d) => {
        if (engine.acceptance.kind === 'per-response') st.tally.add(engine.acceptance.fromResponse(d.finalObject), d.metrics.completionTokens);
      },
      record: this.ctx.record,
      onMeasuring: (cell) => onPhase('measuring', cell),
    };
    const oneAtATime = level === 1 && !opts.closedLoop;
    const { measurements, figures } = oneAtATime
      ? { measurements: await measureOneAtATime(path, roundCells(this.ctx.matrix, fromRound, rounds)), figures: null }
      : await new ClosedLoop({ ...path, concurrency: level, matrix: this.ctx.matrix, fromRound, rounds }).run();
    st.measurements.push(...measurements);
    st.answered = policy.answered;

    await this.settle(st, { failure: policy.verdict ?? conn.crashed(), cutShort: !policy.refused, before, conn, onPhase });
    if (oneAtATime) this.checkDrafting(st);
    return { measurements, run: st.run, loop: figures };
  }

  /** The warm-up a new connection is due, then the counters before (read after it, so its drafts do not count). */
  private async setUp(conn: Connection, send: SendCell, abort: AbortSignal, onPhase: (phase: MeasurePhase) => void): Promise<CounterSnapshot | null> {
    if (this.warmupDue) {
      this.warmupDue = false;
      onPhase('warmup');
      await send(this.ctx.matrix[0]).catch(() => undefined);
    }
    const { acceptance } = this.ctx.engine;
    const before = acceptance.kind === 'server-counters' && !abort.aborted ? await acceptance.read(conn.baseUrl, this.ctx.apiKey) : null;
    this.ctx.onSetUp?.();
    return before;
  }

  private level(level: number): LevelState {
    let st = this.levels.get(level);
    if (!st) {
      const { config, engine } = this.ctx;
      // Level 1's entry carries no level: it stands for the launch (what the report shows without load levels).
      const run: ConfigRun = { numSpeculativeTokens: config.numSpeculativeTokens, draftModel: config.draftModel, ...knobFields(config), engine: engine.descriptor.id, failed: false, ...(level > 1 ? { concurrency: level } : {}) };
      this.levels.set(level, (st = { run, tally: new DraftTally(), counted: undefined, measurements: [], answered: false }));
    }
    return st;
  }

  /**
   * Ends a call: failed with why the server is gone or refused, or (unless cancelled) the acceptance from
   * where the engine keeps it: counters read again now, the answers' own counts, or the reason there is none.
   */
  private async settle(st: LevelState, o: { failure: string | null; cutShort: boolean; before: CounterSnapshot | null; conn: Connection; onPhase: (phase: MeasurePhase) => void }): Promise<void> {
    const { run } = st;
    if (o.failure) {
      run.failed = true;
      run.error = o.failure;
      if (o.cutShort) run.cutShort = true;
      return;
    }
    if (this.ctx.signal?.aborted) return;
    const acceptance = this.ctx.engine.acceptance;
    if (acceptance.kind === 'none') {
      run.acceptanceSource = acceptance.reason;
      return;
    }
    if (acceptance.kind === 'server-counters') {
      o.onPhase('reading-metrics');
      st.counted = addAcceptance(st.counted, acceptance.between(o.before, await acceptance.read(o.conn.baseUrl, this.ctx.apiKey)));
      run.acceptance = st.counted;
    } else run.acceptance = st.tally.stats();
    run.acceptanceSource = this.ctx.engine.descriptor.acceptance.note;
  }

  /** A draft configuration on a per-response engine that answered without drafting at all: the engine says why it failed. */
  private checkDrafting(st: LevelState): void {
    const { config, engine, build, signal } = this.ctx;
    if (st.run.failed || signal?.aborted || engine.acceptance.kind !== 'per-response') return;
    const noDrafting = !isBaselineConfig(config) && st.tally.draftTokens === 0 && st.measurements.some((m) => m.ok);
    const why = noDrafting ? (engine.noDraftingError?.(config, build) ?? null) : null;
    if (why) {
      st.run.failed = true;
      st.run.error = why;
    }
  }
}
