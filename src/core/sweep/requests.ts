/** One prompt cell as a request: the engine's request shape and dialect reader, the plan's limits (every level uses this path). */
import { describeError } from '../../shared/errors';
import { knobFields } from '../../shared/config-key';
import type { Engine, SpecConfig } from '../../engines/engine';
import type { Measurement, SweepPlan } from '../../shared/schemas';
import { sendRequest, type StreamDetails } from '../bench-client';
import type { Cell, MatrixCell } from './setup';
import type { StepPace } from './step-pace';

export interface RequestTarget {
  plan: SweepPlan;
  engine: Engine;
  config: SpecConfig;
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** The pace measured so far, for each request's deadline (absent: the request's own first tokens set it). */
  pace?: StepPace;
}

/** Sends one cell; `own` aborts that request alone (a closed loop's drain), `signal` every request. */
export type SendCell = (cell: MatrixCell, own?: AbortSignal) => Promise<StreamDetails>;

export function requestSender(t: RequestTarget, signal: AbortSignal, level = 1): SendCell {
  const { plan, engine, config } = t;
  return (cell, own) =>
    sendRequest({
      baseUrl: t.baseUrl,
      shape: engine.shapeRequest(
        {
          model: t.model,
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
      stepMsHint: t.pace?.hint(level) ?? null,
      connectTimeoutMs: plan.connectTimeoutMs,
      stallTimeoutMs: plan.stallTimeoutMs,
      signal: own ? AbortSignal.any([signal, own]) : signal,
      apiKey: t.apiKey,
      engineUsage: engine.engineUsage?.bind(engine),
    });
}

/** A finished request as recorded: its answer's metrics, or why it failed. One at a time records no concurrency. */
export function measurementOf(config: SpecConfig, cell: Cell, concurrency: number | null, startedAt: string, outcome: { details: StreamDetails } | { error: unknown }): Measurement {
  const base = {
    numSpeculativeTokens: config.numSpeculativeTokens,
    draftModel: config.draftModel,
    ...knobFields(config),
    promptType: cell.pt.id,
    systemPrompt: cell.sp.id,
    repeat: cell.repeat,
    ...(concurrency !== null ? { concurrency } : {}),
    startedAt,
  };
  return 'details' in outcome ? { ...base, ok: true, metrics: outcome.details.metrics } : { ...base, ok: false, error: describeError(outcome.error) };
}
