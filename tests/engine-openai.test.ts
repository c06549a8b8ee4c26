/**
 * The generic OpenAI-compatible engine: a server SpecTune cannot name is measured as it runs and
 * reported as what it is — never as vLLM. Against a plain OpenAI-compatible HTTP server (no
 * /version, no engine API) and against the simulator started as this engine's demo.
 */
import { stripVTControlCharacters } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../src/core/demo-server';
import { probeEndpoint } from '../src/core/probes';
import { runSweep } from '../src/core/sweep';
import { engineById } from '../src/engines';
import { openAiEngine } from '../src/engines/openai';
import { reportToMarkdown } from '../src/shared/report-export';
import { formatStatus } from '../src/cli/output';
import { freePort } from './helpers/processes';

let dir = '';
let plain: Server;
let plainUrl = '';
const asked: string[] = [];

/** What a small OpenAI-compatible server answers: a model list and streamed chat completions with usage. */
function plainOpenAiServer(): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    asked.push(`${req.method} ${path}`);
    if (req.method === 'GET' && path === '/v1/models') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"object":"list","data":[{"id":"local-model"}]}');
    if (req.method !== 'POST' || path !== '/v1/chat/completions') return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Not Found"}');
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const word of ['Hello', ' there', ' friend']) res.write(`data: {"choices":[{"index":0,"delta":{"content":"${word}"}}]}\n\n`);
      res.write('data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3}}\n\n');
      res.end('data: [DONE]\n\n');
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spectune-openai-'));
  plain = plainOpenAiServer();
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => plain.close(() => r()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const plan = (url: string, extra: Record<string, unknown> = {}) => ({
  mode: 'attached' as const,
  url,
  tokens: [0],
  promptTypes: ['code'],
  systemPrompts: ['empty'],
  repeats: 2,
  maxTokens: 8,
  ...extra,
});

describe('the generic OpenAI-compatible engine', () => {
  it('is what a status probe calls a server that only lists models, by its own label', async () => {
    const s = await probeEndpoint({ name: 'x', url: plainUrl });
    expect(s).toMatchObject({ running: true, kind: 'openai', models: ['local-model'] });
    expect(engineById(s.kind).descriptor).toMatchObject({ label: 'OpenAI-compatible server', lifecycle: 'attached', kChange: 'fixed' });
    expect(openAiEngine.launch).toBeNull();
    // Colours on (CI=true turns them on) must not change what the line says.
    expect(stripVTControlCharacters(formatStatus([s]))).toMatch(/RUNNING — OpenAI-compatible server · local-model/);
  });

  it('measures an unnamed server as it runs: reported as that server, acceptance not reported, nothing engine-specific recommended', async () => {
    asked.length = 0;
    const report = await runSweep({ plan: plan(plainUrl), outPath: join(dir, 'plain', 'test_results.json') });
    expect(report.server.kind).toBe('openai');
    expect(report.plan.engine).toBe('openai');
    expect(report.measurements.map((m) => m.ok)).toEqual([true, true]);
    expect(report.configurations[0].acceptanceRate).toBeNull();
    expect(report.configurations[0].acceptanceSource).toMatch(/not reported/);
    // Plain OpenAI requests only, and no engine's statistics asked for (vLLM's /metrics).
    expect(new Set(asked.filter((a) => a.startsWith('POST')))).toEqual(new Set(['POST /v1/chat/completions']));
    expect(asked).not.toContain('GET /metrics');
    expect(report.recommendation?.command ?? null).toBeNull();
    const md = reportToMarkdown(report);
    expect(md).toContain('OpenAI-compatible server');
    expect(md).not.toMatch(/vLLM/);
  });

  it('refuses a k list (it cannot change k) and a launch (SpecTune does not start it)', async () => {
    await expect(runSweep({ plan: plan(plainUrl, { tokens: [0, 4], attachedChangesK: true }), outPath: join(dir, 'klist', 'test_results.json') })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('OpenAI-compatible server'),
    });
  });

  it('a plan naming another engine is refused when that engine does not answer there', async () => {
    await expect(runSweep({ plan: plan(plainUrl, { engine: 'vllm' }), outPath: join(dir, 'wrong', 'test_results.json') })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/--engine says vLLM, but OpenAI-compatible server answers/),
    });
  });

  describe('its demo: the simulator as an attached server', () => {
    let demo: DemoServer | null = null;
    afterAll(async () => {
      await demo?.stop();
    });

    it('starts, and a plan naming the generic engine measures it the plain way even though it is vLLM-shaped', async () => {
      demo = await startDemoServer(openAiEngine, '127.0.0.1', await freePort(), 30_000);
      expect((await probeEndpoint({ name: 'demo', url: demo.url })).kind).toBe('vllm');
      const report = await runSweep({ plan: plan(demo.url, { engine: 'openai' }), outPath: join(dir, 'demo', 'test_results.json') });
      expect(report.server).toMatchObject({ kind: 'openai', simulated: true });
      expect(report.configurations[0].acceptanceSource).toMatch(/not reported/);
    }, 60_000);
  });
});
