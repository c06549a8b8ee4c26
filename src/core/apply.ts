/**
 * "Apply": restart the managed server on a report's recommended k, with the
 * same launch settings the sweep used.
 */
import { SpecTuneError } from '../shared/errors';
import { withoutRedacted } from '../shared/redact';
import { ServerSettingsSchema, type Report, type ServerSettings, type ServerState } from '../shared/schemas';
import type { VllmServer } from './vllm-server';

/** Launch settings for the recommendation, or a clear error when the report cannot say. */
export function recommendedSettings(report: Report): ServerSettings {
  if (!report.recommendation) {
    throw new SpecTuneError('NOTHING_MEASURED', 'this run has no recommendation', { hint: 'run a sweep that measures at least one configuration' });
  }
  const server = (report.plan as { server?: unknown }).server;
  const parsed = ServerSettingsSchema.safeParse(server);
  if (!parsed.success) {
    throw new SpecTuneError('INVALID_INPUT', 'this run measured an attached server, so SpecTune does not know how to launch it', {
      hint: `restart it yourself with num_speculative_tokens = ${report.recommendation.numSpeculativeTokens}, or run a managed sweep`,
    });
  }
  return { ...parsed.data, env: withoutRedacted(parsed.data.env), numSpeculativeTokens: report.recommendation.numSpeculativeTokens };
}

export async function applyRecommendation(report: Report, server: VllmServer): Promise<ServerState> {
  return server.restart(recommendedSettings(report));
}
