/** `spectune sim gguf`: the command users and the demo run to get a model pair. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureGgufPair } from '../src/engines/embedded/gguf/cached-pair';

let dir: string;

function spectune(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/spectune.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'spectune-gguf-cli-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('spectune sim gguf', () => {
  it('writes a GGUF v3 target and draft, and says an oracle is one', async () => {
    const r = await spectune(['sim', 'gguf', '--out', dir, '--draft-divergence', '0', '--seed', '5']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('oracle');
    for (const f of ['target.gguf', 'draft.gguf']) {
      const head = await readFile(path.join(dir, f));
      expect(head.subarray(0, 4).toString('latin1')).toBe('GGUF');
      expect(head.readUInt32LE(4)).toBe(3);
    }
  });

  it('names the bad option and exits 2', async () => {
    const r = await spectune(['sim', 'gguf', '--out', dir, '--size', 'huge', '--draft-divergence=-1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--size: must be one of tiny, small');
    expect(r.stderr).toContain('--draft-divergence: must be 0 (oracle) or more');
  });

  it('reuses a cached pair made with the same parameters, and regenerates for others', async () => {
    const cache = path.join(dir, 'cache');
    expect((await ensureGgufPair({ dir: cache })).generated).toBe(true);
    expect((await ensureGgufPair({ dir: cache })).generated).toBe(false);
    expect((await ensureGgufPair({ dir: cache, divergence: 0 })).generated).toBe(true);
    expect((await ensureGgufPair({ dir: cache, divergence: 0 })).generated).toBe(false);
  });
});
