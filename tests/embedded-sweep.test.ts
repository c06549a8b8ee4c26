/**
 * The embedded engine through the whole sweep, as a user runs it: a real llama.cpp
 * (node-llama-cpp) in a launched child process on generated models. Greedy output
 * must not depend on k, the oracle draft (divergence 0) must have every draft accepted,
 * the default pair some but not all, and the report must not call any of it simulated.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { ReportSchema, type Report } from '../src/shared/schemas';
import { ensureGgufPair } from '../src/engines/embedded/gguf/cached-pair';

const BIN = resolve(import.meta.dirname, '..', 'bin', 'spectune.js');
const dir = mkdtempSync(join(tmpdir(), 'spectune-embedded-sweep-'));
let pairs: { normal: { targetPath: string; draftPath: string }; oracle: { targetPath: string; draftPath: string } };

beforeAll(async () => {
  pairs = {
    normal: await ensureGgufPair({ dir: join(dir, 'normal') }),
    oracle: await ensureGgufPair({ dir: join(dir, 'oracle'), divergence: 0 }),
  };
}, 60_000);

async function sweep(pair: { targetPath: string; draftPath: string }, name: string): Promise<Report> {
  const out = join(dir, `${name}.json`);
  const r = await execa(
    process.execPath,
    [BIN, 'sweep', '--engine', 'embedded', '--model', pair.targetPath, '--draft-model', pair.draftPath, '--tokens', '0,2,4',
      '--repeats', '1', '--prompt-types', 'code,creative', '--system-prompts', 'direct', '--max-tokens', '40', '--json', '--out', out],
    { reject: false, env: { NO_COLOR: '1' }, timeout: 150_000 },
  );
  expect(r.exitCode, r.stderr).toBe(0);
  return ReportSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
}

describe('embedded engine sweep (real llama.cpp on generated models)', () => {
  it('default pair: lossless across k, acceptance counted by SpecTune and below 1, not labelled simulated', async () => {
    const r = await sweep(pairs.normal, 'normal');
    expect(r.server).toMatchObject({ kind: 'embedded', simulated: false });
    expect(r.warnings.map((w) => w.kind)).not.toContain('simulated');
    expect(r.configurations.map((c) => c.failed)).toEqual([false, false, false]);
    for (const c of r.configurations.filter((x) => x.numSpeculativeTokens! > 0)) {
      expect(c.outputMatchRate).toBe(1);
      expect(c.acceptance?.source).toBe('per-response');
      expect(c.acceptanceRate).toBeGreaterThan(0);
      expect(c.acceptanceRate).toBeLessThan(1);
      expect(c.perPositionAcceptance.length).toBe(c.numSpeculativeTokens);
    }
    // Every output equals the baseline's for the same prompt, whatever k.
    const hashes = new Map<string, Set<string>>();
    for (const m of r.measurements) {
      const key = `${m.promptType}/${m.systemPrompt}`;
      hashes.set(key, (hashes.get(key) ?? new Set()).add(m.metrics!.outputHash));
    }
    for (const set of hashes.values()) expect(set.size).toBe(1);
  }, 180_000);

  it('oracle pair (the draft predicts exactly what the target does): every drafted token accepted', async () => {
    const r = await sweep(pairs.oracle, 'oracle');
    for (const c of r.configurations.filter((x) => x.numSpeculativeTokens! > 0)) {
      expect(c.acceptanceRate).toBe(1);
      expect(c.acceptance!.acceptedTokens).toBe(c.acceptance!.draftTokens);
      expect(c.outputMatchRate).toBe(1);
    }
  }, 180_000);
});
