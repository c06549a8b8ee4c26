/**
 * The real CLI lists the simulator's personas: `spectune sim --help` gives each
 * word one line, `spectune --help`'s sim line names them all.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const run = promisify(execFile);
const spectune = (args: string[]) => run(process.execPath, [path.join(ROOT, 'bin/spectune.js'), ...args], { cwd: ROOT, timeout: 30_000 });

const WORDS = ['serve', 'llama-server', 'mlx_lm.server', 'lmstudio', 'ollama', 'gguf'];

describe('spectune sim --help', () => {
  it('lists serve (vLLM), llama-server, mlx_lm.server, lmstudio, ollama and gguf, one line each saying what it is', async () => {
    const { stdout } = await spectune(['sim', '--help']);
    const lines = stdout.split('\n');
    for (const word of WORDS) {
      const line = lines.find((l) => l.trimStart().startsWith(`${word} `));
      expect(line, `no line for ${word} in:\n${stdout}`).toBeDefined();
      // The word, its arguments, then what it is.
      expect(line!.trim().split(/\s{2,}/).length, line).toBe(2);
    }
    expect(lines.find((l) => l.trimStart().startsWith('serve '))).toContain('vLLM');
  });

  it("every persona's --help documents the drafting knobs: per-draft quality, the confidence spread, n-gram drafting", async () => {
    const helps = await Promise.all(['serve', 'llama-server', 'mlx_lm.server', 'lmstudio', 'ollama'].map((word) => spectune(['sim', word, '--help'])));
    for (const { stdout } of helps) {
      expect(stdout).toContain('--sim-draft NAME:ALPHA:COST');
      expect(stdout).toMatch(/--sim-confidence-spread S +the draft's confidence per token is Beta/);
      expect(stdout).toMatch(/a 1\.5b draft accepts more than a 0\.5b one/);
      expect(stdout).toMatch(/n-gram and suffix\s+draft only where the text repeats/);
    }
  });

  it("spectune --help's sim line names every persona and gguf", async () => {
    const { stdout } = await spectune(['--help']);
    const simLine = stdout.slice(stdout.indexOf('\n  sim '), stdout.indexOf('\n  help ')).replace(/\s+/g, ' ');
    for (const word of WORDS) expect(simLine).toContain(word);
  });

});
