/**
 * Every engine end to end as a user runs it: `spectune sweep --demo --engine <id>` as a real
 * process against that engine's simulator persona, and `spectune status` naming every persona
 * by its API with all of them listening at once. What each engine reports (or does not) must
 * reach the report truthfully, and the recommended setting must be that engine's own.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { ReportSchema, type Report } from '../src/shared/schemas';
import { isBaseline } from '../src/shared/config-key';
import { freePort } from './helpers/processes';

const BIN = resolve(import.meta.dirname, '..', 'bin', 'spectune.js');
const dir = mkdtempSync(join(tmpdir(), 'spectune-engines-'));

/** A clear optimum: k = 3 is far faster than no speculation on every persona's default timing. */
const SMALL = ['--tokens', '0,3', '--repeats', '1', '--prompt-types', 'code', '--system-prompts', 'direct', '--max-tokens', '48', '--json'];

async function demo(engine: string): Promise<Report> {
  const out = join(dir, `${engine}.json`);
  const r = await execa(process.execPath, [BIN, 'sweep', '--demo', '--engine', engine, ...SMALL, '--out', out], {
    reject: false,
    env: { NO_COLOR: '1' },
    timeout: 120_000,
  });
  expect(r.exitCode, r.stderr).toBe(0);
  const report = ReportSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
  expect(report.server.kind).toBe(engine);
  expect(report.server.simulated).toBe(true);
  for (const c of report.configurations) expect(c.engine).toBe(engine);
  return report;
}

const spec = (r: Report) => r.configurations.filter((c) => !isBaseline(c));

describe('each engine through its simulator persona (CLI)', () => {
  it('vLLM: acceptance from /metrics, the vllm serve line with the speculative config', async () => {
    const r = await demo('vllm');
    expect(r.recommendation).toMatchObject({ engine: 'vllm', numSpeculativeTokens: 3 });
    expect(r.recommendation!.command).toContain('"num_speculative_tokens":3');
    expect(spec(r)[0].acceptanceRate).toBeGreaterThan(0);
    expect(spec(r)[0].acceptance?.source).toBe('v1-counters');
  });

  it('llama.cpp: flags of the newest build, acceptance from the timings of each answer', async () => {
    const r = await demo('llama.cpp');
    expect(r.recommendation).toMatchObject({ engine: 'llama.cpp', numSpeculativeTokens: 3 });
    expect(r.recommendation!.argv).toEqual(expect.arrayContaining(['--spec-type', 'draft-simple', '--spec-draft-n-max', '3']));
    const k3 = spec(r)[0];
    expect(k3.acceptance?.source).toBe('per-response');
    expect(k3.acceptanceRate).toBeGreaterThan(0);
    expect(k3.acceptanceRate).toBeLessThanOrEqual(1);
    // The baseline launch said so explicitly: a build whose default may draft must not.
    expect(r.server.command?.join(' ')).toContain('llama-server');
  });

  it('mlx_lm: one launch, k per request, acceptance "not reported", never a number', async () => {
    const r = await demo('mlx');
    expect(r.recommendation).toMatchObject({ engine: 'mlx', numSpeculativeTokens: 3 });
    expect(r.recommendation!.command).toContain('--num-draft-tokens 3');
    for (const c of spec(r)) {
      expect(c.acceptanceRate).toBeNull();
      expect(c.meanAcceptanceLength).toBeNull();
      expect(c.acceptanceSource).toBe('not reported by mlx_lm');
    }
  });

  it('Ollama (attached): draft_num_predict per request, the Modelfile setting, no acceptance invented', async () => {
    const r = await demo('ollama');
    expect(r.plan.mode).toBe('attached');
    expect(r.recommendation).toMatchObject({ engine: 'ollama', numSpeculativeTokens: 3 });
    expect(r.recommendation!.setting).toContain('PARAMETER draft_num_predict 3');
    for (const c of spec(r)) {
      expect(c.acceptanceRate).toBeNull();
      expect(c.acceptanceSource).toBe('not reported by Ollama');
    }
  });

  it('LM Studio (attached): draft models compared per request, a refused draft fails with the reason, the sweep goes on', async () => {
    const r = await demo('lmstudio');
    const byDraft = new Map(r.configurations.map((c) => [c.draftModel ?? 'none', c]));
    expect([...byDraft.keys()]).toEqual(['none', 'qwen2.5-0.5b-instruct', 'qwen2.5-1.5b-instruct', 'llama-3.2-1b-instruct']);
    const refused = byDraft.get('llama-3.2-1b-instruct')!;
    expect(refused.failed).toBe(true);
    expect(refused.error).toMatch(/vocabulary/);
    for (const d of ['qwen2.5-0.5b-instruct', 'qwen2.5-1.5b-instruct']) {
      const c = byDraft.get(d)!;
      expect(c.failed).toBe(false);
      expect(c.numSpeculativeTokens).toBeNull(); // LM Studio's own draft length, not set by SpecTune
      expect(c.acceptanceRate).toBeGreaterThan(0);
    }
    expect(r.recommendation?.engine).toBe('lmstudio');
    expect(['qwen2.5-0.5b-instruct', 'qwen2.5-1.5b-instruct']).toContain(r.recommendation?.draftModel);
    expect(r.recommendation!.setting).toContain(r.recommendation!.draftModel!);
  });
});

describe('spectune status with every persona listening at once', () => {
  const servers: ResultPromise[] = [];
  afterAll(async () => {
    for (const s of servers) s.kill('SIGTERM');
    await Promise.allSettled(servers);
  });

  it('names each server by its API, never by its port', async () => {
    const sim = (args: string[]) => {
      const p = execa(process.execPath, [BIN, 'sim', ...args], { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' });
      servers.push(p);
    };
    const ports = await Promise.all([1, 2, 3, 4, 5].map(() => freePort('127.0.0.1')));
    const [vllm, llama, mlx, lms, ollama] = ports;
    sim(['serve', 'demo-model', '--port', String(vllm), '--sim-startup-ms', '50']);
    sim(['llama-server', '-m', 'demo.gguf', '--port', String(llama), '--sim-startup-ms', '50']);
    sim(['mlx_lm.server', '--model', 'demo-mlx', '--port', String(mlx)]);
    sim(['lmstudio', '--model', 'demo-lms', '--port', String(lms)]);
    sim(['ollama', '--model', 'demo:1b', '--port', String(ollama), '--sim-preloaded']);
    const endpoints = ports.flatMap((p, i) => ['--endpoint', `e${i}=http://127.0.0.1:${p}`]);
    let kinds: string[] = [];
    // The personas take a second or two to boot on a loaded machine: ask until all answer (bounded).
    for (let attempt = 0; attempt < 40; attempt++) {
      const r = await execa(process.execPath, [BIN, 'status', '--json', ...endpoints], { reject: false, env: { NO_COLOR: '1' } });
      const parsed = JSON.parse(r.stdout);
      const list: { name: string; kind: string; running: boolean }[] = Array.isArray(parsed) ? parsed : parsed.endpoints;
      kinds = ['e0', 'e1', 'e2', 'e3', 'e4'].map((n) => list.find((s) => s.name === n)?.kind ?? 'missing');
      if (kinds.every((k) => k !== 'unknown')) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    expect(kinds).toEqual(['vllm', 'llama.cpp', 'mlx', 'lmstudio', 'ollama']);
  }, 60_000);
});
