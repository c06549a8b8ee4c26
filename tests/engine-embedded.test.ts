/**
 * The embedded engine (node-llama-cpp in a child process speaking llama-server's
 * dialect): its own command under the package root, the argv its server takes,
 * identification by build_info "embedded…" (which llama.cpp must not claim),
 * per-response acceptance with per-position counts from SpecTune's own draft
 * loop, and build detection through real processes.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EMBEDDED_DESCRIPTOR, embeddedBuildFromVersion, embeddedEngine, embeddedServerCommand } from '../src/engines/embedded/engine';
import { llamaCppEngine } from '../src/engines/llamacpp';
import { ENGINES } from '../src/engines';
import type { SpecConfig } from '../src/engines/engine';
import { SpecTuneError } from '../src/shared/errors';
import { recordedAsk, scriptDir, settings } from './engine-llamacpp-helpers';

const ROOT = join(__dirname, '..');
const T = '/tmp/gguf/target.gguf';
const D = '/tmp/gguf/draft.gguf';
const BUILD = embeddedBuildFromVersion('version: 1 (embedded)\nbuilt with node-llama-cpp 3.21.1 for linux-x64\n')!;
const base: SpecConfig = { numSpeculativeTokens: 0, draftModel: null, method: null, draftPMin: null };
const k4: SpecConfig = { numSpeculativeTokens: 4, draftModel: D, method: null, draftPMin: null };

describe('command and argv', () => {
  it('runs its server through bin/run-ts.js from the package root, with this Node', () => {
    const cmd = embeddedServerCommand();
    expect(cmd).toEqual([process.execPath, join(ROOT, 'bin', 'run-ts.js'), join(ROOT, 'src', 'engines', 'embedded', 'server', 'main.ts')]);
    expect(existsSync(cmd[1])).toBe(true);
    expect(EMBEDDED_DESCRIPTOR.defaultCommand).toEqual(cmd);
  });

  it('writes exactly the flags its server takes: --model [--model-draft --spec-draft-n-max --draft-p-min] --port --host', () => {
    const cmd = embeddedServerCommand();
    const s = settings({ command: cmd, model: T, draftModel: D, port: 18093 });
    expect(embeddedEngine.launch!.argv(s, k4, BUILD)).toEqual([...cmd, '--model', T, '--model-draft', D, '--spec-draft-n-max', '4', '--draft-p-min', '0', '--port', '18093', '--host', '127.0.0.1']);
    expect(embeddedEngine.launch!.argv(s, base, BUILD)).toEqual([...cmd, '--model', T, '--port', '18093', '--host', '127.0.0.1']);
  });

  it('refuses k > 0 without a draft, and managed flags in extra args', () => {
    const cmd = embeddedServerCommand();
    expect(() => embeddedEngine.launch!.argv(settings({ command: cmd, model: T }), { numSpeculativeTokens: 2, draftModel: null, method: null, draftPMin: null }, BUILD)).toThrow(/needs a draft model/);
    expect(() => embeddedEngine.launch!.argv(settings({ command: cmd, model: T, draftModel: D, extraArgs: ['--draft-max', '3'] }), k4, BUILD)).toThrow(/set by SpecTune/);
  });

  it('reads its version line and nothing else', () => {
    expect(BUILD.raw).toBe('embedded 1 (node-llama-cpp 3.21.1)');
    expect(embeddedBuildFromVersion('version: 7800 (f07d3b6)')).toBeNull();
  });
});

const EMBEDDED_PROPS = {
  default_generation_settings: { n_ctx: 256, params: { 'speculative.n_max': 4 } },
  total_slots: 1,
  model_path: T,
  build_info: 'embedded node-llama-cpp 3.21.1',
};

describe('identify', () => {
  it("is the embedded engine by build_info, before llama.cpp in the registry, never llama.cpp's", async () => {
    const ask = recordedAsk({ '/props': { json: EMBEDDED_PROPS }, '/health': { json: { status: 'ok' } }, '/v1/models': { json: { data: [{ id: 'target.gguf' }] } } });
    expect(await embeddedEngine.identify(ask)).toEqual({ version: 'embedded node-llama-cpp 3.21.1', models: ['target.gguf'], simulated: false, via: '/props' });
    expect(await llamaCppEngine.identify(ask)).toBeNull();
    const order = ENGINES.map((e) => e.descriptor.id);
    expect(order.indexOf('embedded')).toBeLessThan(order.indexOf('llama.cpp'));
    for (const e of ENGINES) {
      if (await e.identify(ask)) {
        expect(e.descriptor.id).toBe('embedded');
        break;
      }
    }
  });

  it('does not claim a real llama-server', async () => {
    expect(await embeddedEngine.identify(recordedAsk({ '/props': { json: { ...EMBEDDED_PROPS, build_info: 'b7800-f07d3b6' } } }))).toBeNull();
  });
});

describe('acceptance', () => {
  it('per response, with per-position counts and drafts from its own draft loop', () => {
    expect(EMBEDDED_DESCRIPTOR.acceptance).toEqual({ kind: 'per-response', note: "counted by SpecTune's own draft loop", perPosition: true });
    if (embeddedEngine.acceptance.kind !== 'per-response') throw new Error('expected per-response');
    const final = { choices: [], usage: { completion_tokens: 40 }, timings: { predicted_n: 40, draft_n: 36, draft_n_accepted: 27, draft_n_accepted_per_pos: [9, 7, 6, 5], draft_n_per_pos: [9, 9, 9, 9], draft_n_drafts: 9 } };
    expect(embeddedEngine.acceptance.fromResponse(final)).toEqual({ draftTokens: 36, acceptedTokens: 27, drafts: 9, acceptedPerPos: [9, 7, 6, 5] });
    expect(embeddedEngine.acceptance.fromResponse({ timings: { predicted_n: 40 } })).toEqual({ draftTokens: 0, acceptedTokens: 0, drafts: null, acceptedPerPos: null });
  });

  it('no drafting at k > 0 is an error; at the baseline it is the point', () => {
    expect(embeddedEngine.noDraftingError!(base, BUILD)).toBeNull();
    expect(embeddedEngine.noDraftingError!(k4, BUILD)).toMatch(/drafted no token.*--model-draft/);
  });

  it('recommends the draft length in llama-server words', () => {
    const s = settings({ command: embeddedServerCommand(), model: T, draftModel: D, port: 18093 });
    const r = embeddedEngine.recommend({ config: k4, settings: s, build: BUILD, url: 'http://127.0.0.1:18093', model: null });
    expect(r.argv).toEqual(embeddedEngine.launch!.argv(s, k4, BUILD));
    expect(r.setting).toMatch(new RegExp(`^--model-draft ${D} --spec-draft-n-max 4 `));
  });
});

describe('detectBuild (real processes)', () => {
  const dir = scriptDir({
    'embedded-server': `[ "$1" = "--version" ] && { echo 'version: 1 (embedded)' >&2; echo 'built with node-llama-cpp 3.21.1 for linux-x64' >&2; exit 0; }; exit 1`,
    'llama-server': `echo 'version: 7800 (f07d3b6)' >&2`,
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads "version: 1 (embedded)" from stderr', async () => {
    const b = await embeddedEngine.launch!.detectBuild([join(dir, 'embedded-server')], {});
    expect(b.raw).toBe('embedded 1 (node-llama-cpp 3.21.1)');
  });

  it('a missing server, or something else answering, is COMMAND_NOT_FOUND with the npm ci hint', async () => {
    for (const cmd of [[process.execPath, join(dir, 'no-such-main.ts')], [join(dir, 'llama-server')]]) {
      const err = (await embeddedEngine.launch!.detectBuild(cmd, {}).catch((e: unknown) => e)) as SpecTuneError;
      expect(err).toBeInstanceOf(SpecTuneError);
      expect(err.code).toBe('COMMAND_NOT_FOUND');
      expect(err.hint).toMatch(/npm ci/);
    }
  });
});
