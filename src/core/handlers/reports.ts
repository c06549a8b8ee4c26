/** Saving a run's report elsewhere, applying its recommendation, and the run history. */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { SpecTuneError } from '../../shared/errors';
import { applyRecommendation } from '../apply';
import { writeReport } from '../report-io';
import type { HandlerContext, Handlers } from './context';
import { withSimulatorEnv } from './context';
import { ServerSettingsSchema } from '../../shared/schemas';
import { exportReport } from '../../shared/report-export';

export function reportHandlers(
  ctx: HandlerContext,
  liveRunId: () => string | null,
): Pick<Handlers, 'report:save' | 'report:export' | 'report:apply' | 'history:list' | 'history:get'> {
  return {
    'report:save': async ({ runId, path }) => {
      // A path typed in the page (browser mode) or sent by a misbehaving renderer must not overwrite a dotfile or a binary.
      if (path && !/\.json$/i.test(path.trim())) {
        throw new SpecTuneError('INVALID_INPUT', `path: "${path}" does not end in .json`, { hint: 'save the report as a .json file, e.g. ~/test_results.json' });
      }
      const report = ctx.history.get(runId);
      let target = path ?? null;
      if (!target) {
        if (!ctx.saveDialog) {
          throw new SpecTuneError('INVALID_INPUT', 'path: give the file to save test_results.json to', {
            hint: 'browser mode has no save dialog; type a path such as ~/test_results.json',
          });
        }
        target = await ctx.saveDialog(join(homedir(), `test_results-${runId}.json`));
        if (!target) return { path: null }; // the user closed the dialog
      }
      const expanded = target.startsWith('~/') ? join(homedir(), target.slice(2)) : target;
      const abs = isAbsolute(expanded) ? expanded : resolve(expanded);
      try {
        await writeReport(abs, report);
      } catch (err) {
        // writeReport's hint speaks of the CLI's --out, and a failed mkdir reaches us as a bare Error: say it for the app.
        const message = err instanceof SpecTuneError ? err.message : `cannot write the report to ${abs}: ${(err as Error).message}`;
        throw new SpecTuneError('IO_ERROR', message, { hint: 'pick a folder you can write to on the machine running SpecTune', cause: err });
      }
      return { path: abs };
    },

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

    'history:list': async () => ctx.history.list(liveRunId()),
    'history:get': async ({ runId }) => ctx.history.get(runId),
  };
}
