/**
 * "Apply": restart the managed server on a report's recommended k, with the
 * same launch settings the sweep used.
 */
import { SpecTuneError } from '../shared/errors';
import { withoutRedacted } from '../shared/redact';
import { ServerSettingsSchema, type Report, type ServerSettings, type ServerState } from '../shared/schemas';
import type { ServerProcess } from './server-process';

/** Launch settings for the recommendation, or a clear error when the report cannot say. */
export function recommendedSettings(report: Report): ServerSettings {
  if (!report.recommendation) {
    throw new SpecTuneError('NOTHING_MEASURED', 'this run has no recommendation', { hint: 'run a sweep that measures at least one configuration' });
  }
  const server = (report.plan as { server?: unknown }).server;
  const parsed = ServerSettingsSchema.safeParse(server);
  if (!parsed.success) {
    throw new SpecTuneError('INVALID_INPUT', 'this run measured an attached server, so SpecTune does not know how to launch it', {
      hint: `apply it yourself: ${report.recommendation.setting ?? `k = ${report.recommendation.numSpeculativeTokens} draft tokens`}`,
    });
  }
  const rec = report.recommendation;
  const out: ServerSettings = {
    ...parsed.data,
    env: withoutRedacted(parsed.data.env),
    numSpeculativeTokens: rec.numSpeculativeTokens ?? parsed.data.numSpeculativeTokens,
    draftModel: rec.draftModel ?? parsed.data.draftModel,
  };
  // The whole setting: the recommended method and cut-off, and no draft where the method takes none.
  if (rec.method != null) out.method = rec.method;
  if (rec.draftPMin != null) out.draftPMin = rec.draftPMin;
  if (rec.method != null && rec.draftModel == null && (rec.numSpeculativeTokens ?? 0) > 0) delete out.draftModel;
  return out;
}

export async function applyRecommendation(report: Report, server: ServerProcess): Promise<ServerState> {
  return server.restart(recommendedSettings(report));
}
