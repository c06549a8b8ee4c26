/**
 * The mlx_lm engine against the simulator's mlx_lm.server persona as a real
 * process: detected from its --help (it has no --version), launched once with
 * the draft, identified over HTTP by its bare /health, and every k (the baseline
 * unloading the draft) chosen per request on that one server.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectMlxBuild } from '../src/engines/mlx/detect';
import { mlxEngine } from '../src/engines/mlx';
import { ENGINES } from '../src/engines';
import type { PromptRequest, SpecConfig } from '../src/engines/engine';
import { freePort } from '../src/node/port-check';
import { launchAndWait, makeHttpAsk, settings, streamChunks, type Launched } from './engine-llamacpp-helpers';

const ROOT = join(__dirname, '..');
const SIM = [process.execPath, join(ROOT, 'bin', 'spectune.js'), 'sim', 'mlx_lm.server', '--sim-startup-ms', '0', '--sim-step-ms', '1', '--sim-reload-ms', '0'];
const M = 'mlx-community/Qwen2.5-7B-Instruct-4bit';
const D = 'mlx-community/Qwen2.5-0.5B-Instruct-4bit';
const REQ: PromptRequest = { model: M, api: 'chat', system: '', prompt: 'Name three rivers.', maxTokens: 32, temperature: 0, seed: 3, ignoreEos: true };

let server: Launched | null = null;
afterAll(async () => {
  await server?.stop();
});

describe('mlx_lm.server persona', { timeout: 60_000 }, () => {
  it('one launch serves the baseline and every k, chosen per request', async () => {
    const build = await detectMlxBuild(SIM);
    expect(build.facts.draftModel).toBe(true);
    const port = await freePort();
    const s = settings({ command: SIM, model: M, draftModel: D, port });
    const configs = mlxEngine.configurations({ tokens: [0, 2, 5], draftModels: [], settings: s });
    expect(configs.map((c) => c.numSpeculativeTokens)).toEqual([0, 2, 5]);
    // The sweep launches a per-request engine once, from its first configuration (the baseline).
    const argv = mlxEngine.launch!.argv(s, configs[0], build);
    expect(argv).toContain('--draft-model');
    server = await launchAndWait(argv, port);

    const ask = makeHttpAsk(server.url);
    let first: string | null = null;
    for (const e of ENGINES) if (await e.identify(ask)) { first = e.descriptor.id; break; }
    expect(first).toBe('mlx');
    expect((await mlxEngine.identify(ask))?.simulated).toBe(true); // by the simulator's header: /health has no field for it

    for (const config of configs as SpecConfig[]) {
      const shape = mlxEngine.shapeRequest(REQ, config);
      const chunks = await streamChunks(server.url, shape.path, shape.body);
      const last = chunks.at(-1) as { choices?: unknown[]; usage?: { completion_tokens?: number } };
      expect(last.choices).toEqual([]);
      expect(last.usage?.completion_tokens).toBe(32);
    }
    // Reloads the server logged (mlx_lm's ModelProvider): the baseline's plain model, then the draft again for k > 0.
    const loads = server.log().split('\n').filter((l) => l.includes('Loading model'));
    expect(loads.map((l) => l.includes(`with draft model ${D}`))).toEqual([false, true]);
    expect(server.log()).not.toMatch(/Traceback/);
  });
});
