/**
 * One sweep at a time, run in the background: the request returns its run id
 * at once, progress and results arrive as events, `sweep:done` ends it.
 * `sweep:optimize` is the one-click path: sweep, then restart the server on
 * the recommended k.
 */
import { SpecTuneError, describeError } from '../../shared/errors';
import type { SweepState } from '../../shared/ipc-contract';
import type { Report, SweepPlan } from '../../shared/schemas';
import { redactPlan } from '../../shared/redact';
import { placeholdersFor } from '../../engines';
import { applyRecommendation } from '../apply';
import { runSweep, type SweepEvent } from '../sweep';
import type { HandlerContext, Handlers } from './context';
import { isSimulatorCommand, planWithSimulatorEnv } from './context';
import { existsSync } from 'node:fs';
import type { RunningSweep } from './sweep-guard';
import { checkLaunchCommand } from './command-check';

type Kind = 'sweep' | 'optimize';

export interface SweepController {
  handlers: Pick<Handlers, 'sweep:start' | 'sweep:optimize' | 'sweep:cancel' | 'sweep:state'>;
  liveRunId(): string | null;
  /** The sweep that owns the server now (starting or running), for the server-control guard. */
  current(): RunningSweep | null;
  /** Cancel the running sweep and wait for it to wind down. */
  dispose(): Promise<void>;
}

export function sweepController(ctx: HandlerContext): SweepController {
  let state: SweepState = { running: false, runId: null, kind: null, progress: null, report: null };
  let abort: AbortController | null = null;
  let running: Promise<void> | null = null;

  /** Set before the first await: a second request arriving while the run directory is written must be refused too. */
  let claimed: Kind | null = null;

  async function start(rawPlan: SweepPlan, kind: Kind): Promise<{ runId: string }> {
    if (state.running || claimed) {
      const what = state.running ? `a ${state.kind} is already running (run ${state.runId})` : `a ${claimed} is starting`;
      throw new SpecTuneError('ALREADY_RUNNING', what, {
        hint: 'wait for it to finish or cancel it first',
      });
    }
    claimed = kind;
    const plan = planWithSimulatorEnv(ctx, kind === 'optimize' ? withBaseline(rawPlan) : rawPlan);
    let run: Awaited<ReturnType<typeof ctx.history.create>>;
    try {
      // A command that cannot start the engine is refused here, before History has a row for it.
      if (plan.mode === 'managed' && plan.server) await checkLaunchCommand(ctx.server, plan.server);
      run = await ctx.history.create({
        kind,
        plan: redactPlan(plan, placeholdersFor(plan.server?.engine ?? plan.engine)) as unknown as Record<string, unknown>,
        model: plan.server?.model ?? plan.model ?? null,
        simulated: isSimulatorCommand(ctx, plan.server?.command),
        toolVersion: ctx.appVersion,
      });
    } finally {
      claimed = null;
    }
    const controller = new AbortController();
    abort = controller;
    state = { running: true, runId: run.runId, kind, progress: null, report: null };

    const onEvent = (e: SweepEvent) => {
      switch (e.type) {
        case 'progress':
          state = { ...state, progress: e.progress };
          ctx.emit('sweep:progress', e.progress);
          break;
        case 'measurement':
          ctx.emit('sweep:measurement', e.measurement);
          break;
        case 'report':
          state = { ...state, report: e.report };
          ctx.emit('sweep:report', e.report);
          break;
      }
    };

    running = (async () => {
      let status: 'complete' | 'cancelled' | 'partial' | 'failed' = 'failed';
      let error: string | null = null;
      try {
        const report: Report = await runSweep({
          plan,
          outPath: run.reportPath,
          runId: run.runId,
          server: plan.mode === 'managed' ? ctx.server : undefined,
          signal: controller.signal,
          onEvent,
          // One click restarts on the winner next; no point stopping the server in between.
          keepServerRunning: kind === 'optimize',
        });
        state = { ...state, report };
        status = report.status;
        if (kind === 'optimize' && report.status !== 'cancelled') {
          if (!report.recommendation) error = 'the sweep measured nothing usable, so there is no k to restart on';
          else if (plan.mode !== 'managed') error = 'attached mode: SpecTune did not launch this server, so it cannot restart it';
          else {
            try {
              await applyRecommendation(report, ctx.server);
            } catch (err) {
              error = `restart on k=${report.recommendation.numSpeculativeTokens} failed: ${describeError(err)}`;
            }
          }
        }
      } catch (err) {
        status = controller.signal.aborted ? 'cancelled' : 'failed';
        error = status === 'cancelled' ? null : describeError(err);
      }
      await ctx.history.finish(run.runId, { status, error }).catch(() => undefined);
      state = { ...state, running: false };
      abort = null;
      ctx.emit('sweep:done', { runId: run.runId, status, reportPath: existsSync(run.reportPath) ? run.reportPath : null, error });
    })();
    return { runId: run.runId };
  }

  return {
    handlers: {
      'sweep:start': (plan) => start(plan, 'sweep'),
      'sweep:optimize': (plan) => start(plan, 'optimize'),
      'sweep:cancel': async () => {
        if (!state.running || !abort) return { cancelled: false };
        abort.abort();
        return { cancelled: true };
      },
      'sweep:state': async () => state,
    },
    liveRunId: () => (state.running ? state.runId : null),
    current: () => (state.running && state.kind ? { kind: state.kind, runId: state.runId } : claimed ? { kind: claimed, runId: null } : null),
    dispose: async () => {
      abort?.abort();
      await running?.catch(() => undefined);
    },
  };
}

/** "Optimal" means faster than no speculation: one click always measures the baseline too, whatever k list it was given. */
function withBaseline(plan: SweepPlan): SweepPlan {
  return plan.tokens.includes(0) ? plan : { ...plan, tokens: [0, ...plan.tokens] };
}
