/**
 * The llama.cpp engine against the simulator's llama-server persona as real
 * processes, for every flag generation it impersonates: the build is detected
 * from its --version/--help, the argv SpecTune builds must start it (the persona
 * refuses removed flags and, on June 2026 builds, drafts only with --spec-type
 * draft-simple, as llama.cpp does), identification goes over real HTTP, and the
 * final chunk's timings say whether drafting happened.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildLlamaArgv } from '../src/engines/common/llama-server/argv';
import { llamaFlagsOf, toEngineBuild } from '../src/engines/common/llama-server/build';
import { detectLlamaBuild } from '../src/engines/llamacpp/detect';
import { llamaCppEngine } from '../src/engines/llamacpp';
import { ENGINES } from '../src/engines';
import type { PromptRequest, SpecConfig } from '../src/engines/engine';
import { freePort } from '../src/node/port-check';
import { launchAndWait, makeHttpAsk, settings, streamChunks, type Launched } from './engine-llamacpp-helpers';

const ROOT = join(__dirname, '..');
const sim = (build: string) => [process.execPath, join(ROOT, 'bin', 'spectune.js'), 'sim', 'llama-server', '--sim-build', build, '--sim-startup-ms', '0', '--sim-step-ms', '1'];
const REQ: PromptRequest = { model: 'target.gguf', api: 'chat', system: '', prompt: 'Explain speculative decoding in one paragraph.', maxTokens: 48, temperature: 0, seed: 7, ignoreEos: true };
const base: SpecConfig = { numSpeculativeTokens: 0, draftModel: null, method: null, draftPMin: null };
const k4: SpecConfig = { numSpeculativeTokens: 4, draftModel: '/models/draft.gguf', method: null, draftPMin: null };

const detected = new Map<string, ReturnType<typeof detectLlamaBuild>>();
const detect = (id: string) => {
  if (!detected.has(id)) detected.set(id, detectLlamaBuild(sim(id)));
  return detected.get(id)!;
};

let running: Launched[] = [];
afterEach(async () => {
  await Promise.all(running.map((r) => r.stop()));
  running = [];
});

async function run(argv: string[], port: number) {
  const server = await launchAndWait(argv, port);
  running.push(server);
  return server;
}

function drafted(final: Record<string, unknown> | undefined) {
  if (llamaCppEngine.acceptance.kind !== 'per-response') throw new Error('expected per-response acceptance');
  return llamaCppEngine.acceptance.fromResponse(final ?? null);
}

describe('llama-server persona, every flag generation', { timeout: 90_000 }, () => {
  it.each([
    ['old', { draftLength: '--draft-max', specType: 'absent' }],
    ['new', { draftLength: '--spec-draft-n-max', specType: 'absent' }],
    ['2026-06', { draftLength: '--spec-draft-n-max', specType: 'draft-simple' }],
    ['2026-08', { draftLength: '--spec-draft-n-max', specType: 'draft-simple' }],
  ])('build %s: detected, started at k = 4, identified, drafting reported', async (id, facts) => {
    const build = await detect(id);
    expect(llamaFlagsOf(build)).toMatchObject(facts);
    const port = await freePort();
    const s = settings({ command: sim(id), model: '/models/target.gguf', draftModel: '/models/draft.gguf', port });
    const server = await run(llamaCppEngine.launch!.argv(s, k4, build), port);

    const ask = makeHttpAsk(server.url);
    let first: string | null = null;
    for (const e of ENGINES) if (await e.identify(ask)) { first = e.descriptor.id; break; }
    expect(first).toBe('llama.cpp');
    const id2 = await llamaCppEngine.identify(ask);
    expect(id2?.version).toBe(build.raw);
    expect(id2?.simulated).toBe(true);

    const shape = llamaCppEngine.shapeRequest(REQ, k4);
    const chunks = await streamChunks(server.url, shape.path, shape.body);
    const counts = drafted(chunks.at(-1));
    expect(counts?.draftTokens).toBeGreaterThan(0);
    expect(counts!.acceptedTokens).toBeLessThanOrEqual(counts!.draftTokens);
  });

  it('June 2026 baseline (--spec-type none) drafts nothing, and timings say so', async () => {
    const build = await detect('2026-06');
    const port = await freePort();
    const s = settings({ command: sim('2026-06'), model: '/models/target.gguf', port });
    const server = await run(buildLlamaArgv(s, base, build), port);
    const shape = llamaCppEngine.shapeRequest(REQ, base);
    const counts = drafted((await streamChunks(server.url, shape.path, shape.body)).at(-1));
    expect(counts).toEqual({ draftTokens: 0, acceptedTokens: 0, drafts: null, acceptedPerPos: null });
  });

  it('a draft model without --spec-type draft-simple on a June build loads but never drafts: the no-drafting error names why', async () => {
    const real = await detect('2026-06');
    // What an argv builder that missed the June change would write (-md and a length, no --spec-type).
    const misread = toEngineBuild({ ...llamaFlagsOf(real), specType: 'absent' });
    const port = await freePort();
    const s = settings({ command: sim('2026-06'), model: '/models/target.gguf', draftModel: '/models/draft.gguf', port });
    const server = await run(buildLlamaArgv(s, k4, misread), port);
    const shape = llamaCppEngine.shapeRequest(REQ, k4);
    const counts = drafted((await streamChunks(server.url, shape.path, shape.body)).at(-1));
    expect(counts?.draftTokens).toBe(0);
    expect(llamaCppEngine.noDraftingError!(k4, real)).toMatch(/speculation is off.*--spec-type draft-simple/);
  });
});
