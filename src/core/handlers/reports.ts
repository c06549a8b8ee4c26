/** Saving a run's report elsewhere, applying its recommendation, and the run history. */
import { SpecTuneError } from '../../shared/errors';
import { applyRecommendation } from '../apply';
import { saveReportWithDialog } from '../report-save';
import type { HandlerContext, Handlers } from './context';
import { withSimulatorEnv } from './context';
import { ServerSettingsSchema } from '../../shared/schemas';
import { exportReport } from '../../shared/report-export';
import { applyAttached } from '../apply-attached';

export function reportHandlers(
  ctx: HandlerContext,
  liveRunId: () => string | null,
): Pick<Handlers, 'report:save' | 'report:export' | 'report:apply' | 'report:applyAttached' | 'history:list' | 'history:get'> {
  return {
    'report:save': async ({ runId }) => ({ path: await saveReportWithDialog(ctx, runId, () => ctx.history.get(runId)) }),

    'report:export': async ({ report, format }) => exportReport(report, format),

    'report:apply': async ({ runId }) => {
      const report = ctx.history.get(runId);
      if (!report.recommendation) {
        throw new SpecTuneError('INVALID_INPUT', `runId: run ${runId} has no recommendation to apply`, {
          hint: 'it measured nothing usable; run a sweep that finishes at least the baseline and one k',
        });
      }
      const server = ServerSettingsSchema.safeParse(report.plan.server);
      if (!server.success) {
        throw new SpecTuneError('INVALID_INPUT', `runId: run ${runId} measured a server SpecTune did not launch (attached mode)`, {
          hint: `restart that server yourself with: ${report.recommendation.command ?? `k = ${report.recommendation.numSpeculativeTokens}`}`,
        });
      }
      // Reports written by the CLI lack the app's simulator environment; add it back.
      const plan = { ...report.plan, server: withSimulatorEnv(ctx, server.data) };
      return applyRecommendation({ ...report, plan }, ctx.server);
    },

    'report:applyAttached': async ({ runId, confirm }) => applyAttached(ctx.history.get(runId), confirm),

    'history:list': async () => ctx.history.list(liveRunId()),
    'history:get': async ({ runId }) => ctx.history.get(runId),
  };
}
