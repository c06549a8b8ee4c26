/**
 * test_results.json is made to be kept and shared, so secrets a user put in the
 * server's environment (HF_TOKEN, VLLM_API_KEY, …) must not land in it. Values of
 * secret-looking variables are replaced; "Apply" then leaves them out so the
 * server inherits them from SpecTune's own environment, where they came from.
 */
import type { SweepPlan } from './schemas';

export const REDACTED = '<redacted>';
const SECRET_NAME = /TOKEN|KEY|SECRET|PASSW|CREDENTIAL|AUTH/i;

export function redactEnv(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, SECRET_NAME.test(k) ? REDACTED : v]));
}

/** Env entries that were redacted are dropped, not launched with the placeholder. */
export function withoutRedacted(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== REDACTED));
}

export function redactPlan(plan: SweepPlan): SweepPlan {
  return plan.server ? { ...plan, server: { ...plan.server, env: redactEnv(plan.server.env) } } : plan;
}
