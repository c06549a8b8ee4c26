/**
 * The programs the desktop app starts, run from the BUILT output (out/main) with plain
 * Node: the simulator standalone as every engine persona, and the embedded engine's
 * server on a generated model pair, each measured by a real sweep. Electron runs these
 * same files in its Node mode (ELECTRON_RUN_AS_NODE); the tests run on Node 24, the
 * Node inside Electron 45. NODE_OPTIONS turns off Node's own TypeScript type stripping
 * in every process started, so a bundle that still reaches for a .ts source fails here
 * instead of in the packaged app, which has no sources.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../src/engines';
import type { Engine } from '../src/engines/engine';
import { EMBEDDED_SERVER_PROGRAM } from '../src/engines/embedded/engine';
import { startDemoServer, type DemoServer } from '../src/core/demo-server';
import { runSweep } from '../src/core/sweep';
import { SIMULATOR_PROGRAM } from '../src/core/simulator-command';
import type { Report, SweepPlanInput } from '../src/shared/schemas';
import { isBaseline } from '../src/shared/config-key';
import { ensureBuilt, ROOT } from './fixtures/electron-stub/ensure-built';
import { freePort } from './helpers/processes';
import { ensureGgufPair } from '../src/engines/embedded/gguf/cached-pair';

const OUT_MAIN = join(ROOT, 'out', 'main');
const SIMULATOR = join(OUT_MAIN, SIMULATOR_PROGRAM.built);
const EMBEDDED_SERVER = join(OUT_MAIN, EMBEDDED_SERVER_PROGRAM.built);
const dir = mkdtempSync(join(tmpdir(), 'spectune-built-'));
/** One prompt, one draft: what is checked is that the program runs and answers, not the decision. */
const SMALL = { promptTypes: ['code'], systemPrompts: ['direct'], repeats: 1, maxTokens: 24, warmup: false };

let savedNodeOptions: string | undefined;
beforeAll(() => {
  ensureBuilt();
  // Inherited by every process a sweep starts, and by the children they start in turn.
  savedNodeOptions = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = '--no-experimental-strip-types';
}, 300_000);
afterAll(() => {
  if (savedNodeOptions === undefined) delete process.env.NODE_OPTIONS;
  else process.env.NODE_OPTIONS = savedNodeOptions;
});

/** Every measurement answered with tokens, under the engine and server identity it claims. */
function expectAnswered(report: Report, engine: string, simulated: boolean): void {
  expect(report.status).toBe('complete');
  expect(report.server.kind).toBe(engine);
  expect(report.server.simulated).toBe(simulated);
  expect(report.configurations.some((c) => !isBaseline(c))).toBe(true);
  expect(report.measurements.length).toBeGreaterThanOrEqual(report.configurations.length);
  for (const m of report.measurements) {
    expect(m.ok, m.error ?? '').toBe(true);
    expect(m.metrics?.completionTokens).toBeGreaterThan(0);
  }
}

const sweep = (name: string, plan: SweepPlanInput) => runSweep({ plan, outPath: join(dir, name, 'test_results.json') });

describe('out/main/simulator.js with plain Node, as every persona', { timeout: 90_000 }, () => {
  const withPersona = ENGINES.filter((e): e is Engine & { descriptor: { demo: { persona: string } } } => e.descriptor.demo.persona !== null);
  // Each persona once: the generic OpenAI-compatible engine's demo is the vLLM persona, already run as vLLM.
  const personas = withPersona.filter((e, i) => withPersona.findIndex((o) => o.descriptor.demo.persona === e.descriptor.demo.persona) === i);

  it('covers every persona the engines name', () => {
    expect(personas.map((e) => e.descriptor.demo.persona).sort()).toEqual(['', 'llama-server', 'lmstudio', 'mlx_lm.server', 'ollama']);
    expect(new Set(withPersona.map((e) => e.descriptor.demo.persona)).size).toBe(personas.length);
  });

  for (const engine of personas) {
    const d = engine.descriptor;
    const word = d.demo.persona || 'serve';
    it(`${word} (${d.id}): started from the bundle, identified by its API and measured`, async () => {
      let report: Report;
      if (d.lifecycle === 'launched') {
        const command = [process.execPath, SIMULATOR, ...(d.demo.persona ? [d.demo.persona] : [])];
        report = await sweep(d.id, {
          mode: 'managed',
          tokens: [0, 3],
          draftModels: d.demo.draftModels.slice(0, 1),
          server: { engine: d.id, command, model: d.demo.model, draftModel: d.demo.draftModels[0], port: await freePort(), startupTimeoutMs: 30_000, stopGraceMs: 3000 },
          ...SMALL,
        });
        expect(report.server.command?.slice(0, 2)).toEqual([process.execPath, SIMULATOR]);
      } else {
        let demo: DemoServer | null = null;
        try {
          demo = await startDemoServer(engine, '127.0.0.1', await freePort(), 30_000, { command: [process.execPath, SIMULATOR], env: {} });
          report = await sweep(d.id, { mode: 'attached', url: demo.url, engine: d.id, model: d.demo.model, draftModels: d.demo.draftModels.slice(0, 1), tokens: [0, 3], attachedChangesK: true, ...SMALL });
        } finally {
          await demo?.stop();
        }
      }
      expectAnswered(report, d.id, true);
    });
  }
});

describe('out/main/embedded-server.js with plain Node', () => {
  it('serves a generated pair (written as the app’s demo writes it) and is measured with acceptance', async () => {
    // The packaged app writes the pair in-process (the embedded engine's prepareDemo); `spectune sim gguf` is a
    // source-tree command, not part of the bundle.
    const models = join(dir, 'models');
    await ensureGgufPair({ dir: models });
    const report = await sweep('embedded', {
      mode: 'managed',
      tokens: [0, 2],
      server: {
        engine: 'embedded',
        command: [process.execPath, EMBEDDED_SERVER],
        model: join(models, 'target.gguf'),
        draftModel: join(models, 'draft.gguf'),
        port: await freePort(),
        startupTimeoutMs: 60_000,
        stopGraceMs: 5000,
      },
      ...SMALL,
    });
    expectAnswered(report, 'embedded', false);
    expect(report.server.engineVersion).toMatch(/^embedded .*node-llama-cpp/);
    const drafted = report.configurations.find((c) => !isBaseline(c))!;
    expect(drafted.acceptance?.source).toBe('per-response');
    expect(drafted.acceptanceRate).toBeGreaterThan(0);
  }, 120_000);
});
