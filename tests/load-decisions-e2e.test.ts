/**
 * Load levels end to end, as a user runs them: `spectune sweep --concurrency 1,32` launching the
 * simulator (a real vLLM-shaped server whose step cost grows with batch × (k+1)). A broken sweep
 * would recommend the single-user k at 32 in flight, mis-measure per-request speed under load,
 * put the per-batch-size schedule on a vLLM that refuses it, or leave servers running.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ReportSchema, type Report } from '../src/shared/schemas';
import { personaBestKAtLoad, personaExpectedLoadTokensPerSecond } from '../src/simulator/personas/expected';
import { freePort, liveProcesses } from './helpers/processes';

const BIN = resolve(import.meta.dirname, '..', 'bin', 'spectune.js');
const dir = mkdtempSync(join(tmpdir(), 'spectune-load-e2e-'));
const ALPHA = 0.75;
const TOKENS = 48;
/** Slow steps keep the simulator's own CPU use low (32 streams on a busy 2-core machine must not fall behind its timing model). */
const STEP_MS = 20;

async function sweep(name: string, simVersion: string): Promise<{ report: Report; port: number; stdout: string }> {
  const port = await freePort();
  const out = join(dir, `${name}.json`);
  const r = await execa(
    process.execPath,
    [
      BIN,
      'sweep',
      '--server-command', `${process.execPath} ${BIN} sim --sim-version ${simVersion}`,
      '--model', 'sim/target-7b',
      '--draft-model', 'sim/draft-0.5b',
      '--tokens', '0,4',
      '--concurrency', '1,32',
      '--repeats', '3',
      '--max-tokens', String(TOKENS),
      '--ignore-eos',
      '--prompt-types', 'code',
      '--system-prompts', 'direct',
      '--port', String(port),
      '--extra-args', `--sim-startup-ms 100 --sim-jitter 0 --sim-step-ms ${STEP_MS} --sim-alpha ${ALPHA}`,
      '--out', out,
    ],
    { reject: false, env: { NO_COLOR: '1' }, timeout: 170_000 },
  );
  expect(r.exitCode, r.stderr).toBe(0);
  return { report: ReportSchema.parse(JSON.parse(readFileSync(out, 'utf8'))), port, stdout: r.stdout };
}

const cell = (report: Report, k: number, level: number) => report.configurations.find((c) => c.numSpeculativeTokens === k && (c.concurrency ?? 1) === level)!;

describe('load levels through the CLI', () => {
  it('picks k > 0 for one user and k = 0 for 32, measures per-request speed within 8% of the server, and puts the schedule on vLLM 0.24', { timeout: 180_000 }, async () => {
    const { report, port, stdout } = await sweep('new', '0.24.1');
    const promptTokens = report.measurements.find((m) => m.ok)!.metrics!.promptTokens ?? 40;
    const truth = (level: number) => personaBestKAtLoad({ persona: 'vllm', alpha: ALPHA, stepMs: STEP_MS, completionTokens: TOKENS, promptTokens, concurrency: level }, [0, 4]);
    // The scenario itself: speculation pays alone and costs at 32 in flight.
    expect(truth(1).k).toBe(4);
    expect(truth(32).k).toBe(0);

    const picks = new Map(report.recommendation!.byConcurrency!.map((p) => [p.concurrency, p.numSpeculativeTokens]));
    expect(picks.get(1)).toBe(4);
    expect(picks.get(32)).toBe(0);
    expect(report.recommendation!.concurrency).toBe(1);
    expect(report.recommendation!.numSpeculativeTokens).toBe(4);
    expect(report.recommendation!.reason).toMatch(/At 32 in flight k=4 is \d+% slower than k=0/);

    // Per-request tokens/s under load agrees with what the server really does.
    for (const k of [0, 4]) {
      const expected = personaExpectedLoadTokensPerSecond({ persona: 'vllm', alpha: ALPHA, stepMs: STEP_MS, completionTokens: TOKENS, promptTokens, concurrency: 32, k });
      const measured = cell(report, k, 32);
      expect(measured.requests).toBeGreaterThanOrEqual(3 * 32);
      expect(Math.abs(measured.tokensPerSecond! / expected.perRequest - 1)).toBeLessThan(0.08);
      expect(measured.steadyWindowSeconds).toBeGreaterThan(0);
      expect(measured.latency?.ttftP99).toBeGreaterThanOrEqual(measured.latency!.ttftP50!);
      expect(measured.roundScores).toHaveLength(3);
    }
    // No output-mismatch warning from batched levels.
    expect(report.warnings.filter((w) => w.kind === 'output-mismatch')).toEqual([]);

    // 0.24 takes the per-batch-size schedule: confirmed by a launch, and it is the recommended line.
    expect(report.recommendation!.schedule).toMatchObject({ entries: [[1, 5, 4], [6, 32, 0]], numSpeculativeTokens: 4, confirmed: true });
    expect(report.recommendation!.command).toContain('"num_speculative_tokens_per_batch_size":[[1,5,4],[6,32,0]]');
    expect(report.recommendation!.command).not.toMatch(/disable_by_batch_size/);
    expect(stdout).toMatch(/Per-batch-size schedule \(confirmed\)/);
    expect(liveProcesses().filter((p) => p.cmd.includes(`--port ${port}`))).toEqual([]);
  });

  it('on vLLM 0.23 recommends one k with its cost at 32 and never sends the schedule key', { timeout: 180_000 }, async () => {
    const { report, port, stdout } = await sweep('old', '0.23.0');
    const rec = report.recommendation!;
    expect(rec.numSpeculativeTokens).toBe(4);
    expect(rec.schedule?.confirmed ?? null).toBeNull();
    expect(rec.schedule?.note ?? '').toMatch(/0\.23\.0 has no per-batch-size draft length/);
    expect(rec.command).not.toMatch(/num_speculative_tokens_per_batch_size/);
    // Every launch the sweep made: none carried the key (the simulator would have refused it at start-up).
    expect(JSON.stringify(report.plan)).not.toMatch(/per_batch_size/);
    expect(report.configurations.filter((c) => c.failed)).toEqual([]);
    expect(stdout).toMatch(/One k for 1 in flight/);
    expect(stdout).toMatch(/At 32 in flight k=4 is \d+% slower than k=0/);
    expect(liveProcesses().filter((p) => p.cmd.includes(`--port ${port}`))).toEqual([]);
  });
});
