/**
 * A configuration measured in several calls, against the simulated vLLM
 * launched as a real process: `measureRounds` continues the configuration's
 * round numbering and sums its acceptance over the calls, also after the
 * server ran another configuration and was relaunched on this one (its
 * counters start again at zero); the warm-up comes once per launch.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { engineById } from '../src/engines';
import { simulatedVllmSettings } from './helpers/sim-settings';
import { ServerProcess } from '../src/core/server-process';
import { ConfigSession, type Connection } from '../src/core/sweep/session';
import type { MatrixCell } from '../src/core/sweep/setup';
import { resolvePromptTypes, resolveSystemPrompts } from '../src/shared/prompts';
import { SweepPlanSchema, type Measurement, type ServerSettingsInput } from '../src/shared/schemas';
import { freePort } from './helpers/processes';

const servers: ServerProcess[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

const engine = engineById('vllm');

let launches = 0;
async function launch(server: ServerProcess, settings: ServerSettingsInput): Promise<Connection> {
  const state = await server.restart(settings);
  return { baseUrl: state.url!, model: settings.model, launched: true, launch: ++launches, abort: new AbortController().signal, crashed: () => null };
}

describe('measureRounds across calls and a relaunch', { timeout: 90_000 }, () => {
  it('continues the rounds and sums the acceptance of both launches', async () => {
    const server = new ServerProcess();
    servers.push(server);
    const base = simulatedVllmSettings(await freePort(), ['--sim-startup-ms', '50', '--sim-step-ms', '2']);
    const onK = (k: number): ServerSettingsInput => ({ ...base, numSpeculativeTokens: k });
    const plan = SweepPlanSchema.parse({ mode: 'managed', server: onK(3), tokens: [3, 5], promptTypes: ['code', 'creative'], systemPrompts: ['direct'], repeats: 1, maxTokens: 24, warmup: false });
    const matrix: MatrixCell[] = resolvePromptTypes(plan.promptTypes, plan.customPrompts).flatMap((pt) => resolveSystemPrompts(plan.systemPrompts, plan.customSystemPrompts).map((sp) => ({ pt, sp })));
    const recorded: Measurement[] = [];
    const sessionOn = (k: number, warmup = false) =>
      new ConfigSession({ plan: { ...plan, warmup }, engine, build: null, config: { numSpeculativeTokens: k, draftModel: base.draftModel!, method: null, draftPMin: null }, matrix, record: async (m) => void recorded.push(m), onPhase: () => {} });
    const k3 = sessionOn(3);

    k3.bind(await launch(server, onK(3)));
    const first = await k3.measureRounds(1, 0, 1);
    expect(first.measurements.map((m) => m.repeat)).toEqual([0, 0]);
    const once = { ...first.run.acceptance! };
    expect(once.drafts).toBeGreaterThan(0);

    // Another configuration runs on the server in between.
    const k5 = sessionOn(5);
    k5.bind(await launch(server, onK(5)));
    expect((await k5.measureRounds(1, 0, 1)).run.failed).toBe(false);

    // Back on k=3: a new launch, its counters from zero. Two more rounds, numbered on.
    const again = await launch(server, onK(3));
    k3.bind(again);
    const second = await k3.measureRounds(1, 1, 2);
    expect(second.measurements.map((m) => m.repeat)).toEqual([1, 1, 2, 2]);
    expect(second.measurements.every((m) => m.ok && m.numSpeculativeTokens === 3)).toBe(true);
    expect(recorded.filter((m) => m.numSpeculativeTokens === 3).map((m) => m.repeat)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(second.run).toBe(first.run);
    expect(second.run.failed).toBe(false);

    // Without a warm-up, the relaunched server's own lifetime counters are exactly the second call's.
    const counters = engine.acceptance.kind === 'server-counters' ? engine.acceptance : null;
    const lifetime = (await counters!.read(again.baseUrl))!;
    expect(lifetime.drafts).toBeGreaterThan(0);
    const total = second.run.acceptance!;
    expect(total.drafts).toBe(once.drafts! + lifetime.drafts!);
    expect(total.draftTokens).toBe(once.draftTokens! + lifetime.draftTokens!);
    expect(total.acceptedTokens).toBe(once.acceptedTokens! + lifetime.accepted!);
    expect(total.acceptanceRate).toBeCloseTo(total.acceptedTokens! / total.draftTokens!, 12);
    expect(total.meanAcceptanceLength).toBeCloseTo(1 + total.acceptedTokens! / total.drafts!, 12);
    const perPos = once.perPositionAcceptance.map((share, i) => (Math.round(share * once.drafts!) + lifetime.acceptedPerPos[i]) / total.drafts!);
    expect(perPos).toHaveLength(3);
    total.perPositionAcceptance.forEach((share, i) => expect(share).toBeCloseTo(perPos[i], 12));
  });

  it('warms up once per launch of the configuration, not once per call or per switch back', async () => {
    const server = new ServerProcess();
    servers.push(server);
    const settings: ServerSettingsInput = { ...simulatedVllmSettings(await freePort(), ['--sim-startup-ms', '50', '--sim-step-ms', '2']), numSpeculativeTokens: 2 };
    const plan = SweepPlanSchema.parse({ mode: 'managed', server: settings, tokens: [2], promptTypes: ['code'], systemPrompts: ['direct'], repeats: 1, maxTokens: 12, warmup: true });
    const matrix: MatrixCell[] = resolvePromptTypes(plan.promptTypes, plan.customPrompts).map((pt) => ({ pt, sp: resolveSystemPrompts(plan.systemPrompts, plan.customSystemPrompts)[0] }));
    const phases: string[] = [];
    const session = new ConfigSession({ plan, engine, build: null, config: { numSpeculativeTokens: 2, draftModel: settings.draftModel!, method: null, draftPMin: null }, matrix, record: async () => {}, onPhase: (_l, phase) => phases.push(phase) });
    const warmups = () => phases.filter((p) => p === 'warmup').length;

    const conn = await launch(server, settings);
    session.bind(conn);
    await session.measureRounds(1, 0, 1);
    session.bind(conn);
    await session.measureRounds(1, 1, 1);
    // Switched back to on the same launch (as on an engine that takes k per request): a new connection, no reload.
    session.bind({ ...conn });
    await session.measureRounds(1, 2, 1);
    expect(warmups()).toBe(1);
    session.bind(await launch(server, settings));
    const after = await session.measureRounds(1, 3, 1);
    expect(warmups()).toBe(2);
    expect(after.run.failed).toBe(false);
    expect(after.measurements.map((m) => m.repeat)).toEqual([3]);
  });
});
