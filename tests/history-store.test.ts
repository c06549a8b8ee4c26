import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryStore } from '../src/core/history-store';
import { writeReport, jsonlPathFor } from '../src/core/report-io';
import { BUILTIN_PROMPT_TYPES, BUILTIN_SYSTEM_PROMPTS } from '../src/shared/prompts';
import { buildReport } from '../src/shared/report-builder';
import { ReportSchema, SweepPlanSchema, type Measurement } from '../src/shared/schemas';
import { SpecTuneError } from '../src/shared/errors';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'spectune-history-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const plan = SweepPlanSchema.parse({
  mode: 'managed',
  server: { command: ['vllm'], model: 'Qwen/Qwen2.5-7B-Instruct', draftModel: 'Qwen/Qwen2.5-0.5B-Instruct', port: 8123 },
  tokens: [0, 3],
  promptTypes: ['code'],
  systemPrompts: ['direct'],
  repeats: 3,
});

/** Real-shaped measurements: k=3 runs 1.5× the baseline's tokens/s. */
function measurement(k: number, repeat: number): Measurement {
  const tps = (k === 0 ? 40 : 60) + repeat * 0.5;
  return {
    numSpeculativeTokens: k,
    // As a sweep records them: the configuration's draft model on every measurement of it.
    draftModel: k > 0 ? 'd' : null,
    promptType: 'code',
    systemPrompt: 'direct',
    repeat,
    startedAt: new Date().toISOString(),
    ok: true,
    metrics: {
      ttftSeconds: 0.05,
      totalSeconds: 200 / tps,
      completionTokens: 200,
      promptTokens: 30,
      tokensEstimated: false,
      tokensPerSecond: tps,
      decodeTokensPerSecond: tps,
      chunkCount: 120,
      interChunk: { count: 119, medianSeconds: 0.01, p95Seconds: 0.02, maxSeconds: 0.03 },
      finishReason: 'length',
      outputHash: 'same-text',
      outputChars: 800,
    },
  };
}

const all = [0, 1, 2].map((r) => measurement(0, r)).concat([0, 1, 2].map((r) => measurement(3, r)));

function completeReport(createdAt: string) {
  return buildReport({
    plan,
    promptTypes: BUILTIN_PROMPT_TYPES.filter((p) => p.id === 'code'),
    systemPrompts: BUILTIN_SYSTEM_PROMPTS.filter((p) => p.id === 'direct'),
    server: { kind: 'vllm', url: 'http://127.0.0.1:8123', model: plan.server!.model, draftModel: plan.server!.draftModel!, method: 'draft_model', engineVersion: '0.15.1', simulated: true, command: ['vllm'] },
    measurements: all,
    configs: [
      { numSpeculativeTokens: 0, failed: false },
      { numSpeculativeTokens: 3, draftModel: 'd', failed: false },
    ],
    createdAt,
    finishedAt: new Date().toISOString(),
    status: 'complete',
    toolVersion: '0.1.0',
    commandFor: (k) => ({ argv: ['vllm', 'serve', 'm', String(k)], command: `vllm serve m ${k}` }),
  });
}

describe('HistoryStore', () => {
  it('lists finished runs newest first with their recommendation', async () => {
    const store = new HistoryStore({ dataDir });
    expect(store.list()).toEqual([]);
    const first = await store.create({ kind: 'sweep', plan: plan as never, model: 'Qwen/Qwen2.5-7B-Instruct', simulated: true, toolVersion: '0.1.0' });
    const meta = store.readMeta(first.runId)!;
    await writeReport(first.reportPath, completeReport(meta.createdAt));
    await store.finish(first.runId, { status: 'complete' });
    await new Promise((r) => setTimeout(r, 5));
    const second = await store.create({ kind: 'optimize', plan: plan as never, model: 'other', simulated: false, toolVersion: '0.1.0' });
    await store.finish(second.runId, { status: 'failed', error: 'vllm not found' });

    const list = store.list();
    expect(list.map((r) => r.runId)).toEqual([second.runId, first.runId]);
    expect(list[1]).toMatchObject({ status: 'complete', model: 'Qwen/Qwen2.5-7B-Instruct', simulated: true, recommendedK: 3, reportPath: first.reportPath });
    expect(list[1].speedupPercent).toBeGreaterThan(40);
    expect(list[0]).toMatchObject({ status: 'failed', model: 'other', recommendedK: null });
    expect(store.get(first.runId).recommendation?.numSpeculativeTokens).toBe(3);
  });

  it('a run the app never finished lists as partial and is rebuilt from its JSONL log (torn last line skipped)', async () => {
    const store = new HistoryStore({ dataDir });
    const run = await store.create({ kind: 'sweep', plan: plan as never, model: plan.server!.model, simulated: true, toolVersion: '0.1.0' });
    // What the sweep runner's log holds when the app died during k=3: baseline done, two k=3 requests in.
    const log = jsonlPathFor(run.reportPath);
    const lines = [
      { type: 'start', at: new Date().toISOString(), plan },
      ...all.slice(0, 3).map((m) => ({ type: 'measurement', measurement: m })),
      { type: 'config', numSpeculativeTokens: 0, failed: false },
      ...all.slice(3, 5).map((m) => ({ type: 'measurement', measurement: m })),
    ];
    writeFileSync(log, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    appendFileSync(log, '{"type":"measurement","measurement":{"numSpec'); // died mid-write

    // While it runs, it is "running"; once the app restarted (no live run), "partial".
    expect(store.list(run.runId)[0].status).toBe('running');
    const [summary] = store.list(null);
    expect(summary.status).toBe('partial');

    const report = store.get(run.runId);
    expect(() => ReportSchema.parse(report)).not.toThrow();
    expect(report.status).toBe('partial');
    expect(report.measurements).toHaveLength(5);
    expect(report.configurations.map((c) => c.numSpeculativeTokens)).toEqual([0, 3]);
    expect(report.configurations[1].speedupPercent).toBeGreaterThan(40);
    expect(report.server.model).toBe(plan.server!.model);
  });

  it('a configuration measured over several steps is rebuilt from its last config line, once', async () => {
    const store = new HistoryStore({ dataDir });
    const run = await store.create({ kind: 'sweep', plan: plan as never, model: plan.server!.model, simulated: true, toolVersion: '0.1.0' });
    const acceptance = (drafts: number, accepted: number) => ({
      source: 'v1-counters',
      drafts,
      draftTokens: drafts * 3,
      acceptedTokens: accepted,
      acceptanceRate: accepted / (drafts * 3),
      meanAcceptanceLength: 1 + accepted / drafts,
      perPositionAcceptance: [],
    });
    // k=3 measured one round, then two more later: each step wrote its entry's new state.
    const lines = [
      { type: 'start', at: new Date().toISOString(), plan },
      ...all.slice(0, 3).map((m) => ({ type: 'measurement', measurement: m })),
      { type: 'config', numSpeculativeTokens: 0, draftModel: null, failed: false },
      { type: 'measurement', measurement: all[3] },
      { type: 'config', numSpeculativeTokens: 3, draftModel: 'd', failed: false, acceptance: acceptance(10, 12) },
      ...all.slice(4).map((m) => ({ type: 'measurement', measurement: m })),
      { type: 'config', numSpeculativeTokens: 3, draftModel: 'd', failed: false, acceptance: acceptance(30, 45) },
    ];
    writeFileSync(jsonlPathFor(run.reportPath), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');

    const report = store.get(run.runId);
    expect(report.configurations.map((c) => c.numSpeculativeTokens)).toEqual([0, 3]);
    const k3 = report.configurations[1];
    expect(k3.requests).toBe(3);
    expect(k3.acceptance?.drafts).toBe(30);
    expect(k3.meanAcceptanceLength).toBeCloseTo(2.5, 9);
  });

  it('a recovered run keeps the engine it ran on (llama.cpp launched, Ollama attached), never vLLM by default', async () => {
    const store = new HistoryStore({ dataDir });
    const llamaPlan = SweepPlanSchema.parse({ ...plan, engine: 'llama.cpp', server: { ...plan.server, engine: 'llama.cpp', command: ['llama-server'], model: '/models/t.gguf', draftModel: '/models/d.gguf' } });
    const ollamaPlan = SweepPlanSchema.parse({ mode: 'attached', url: 'http://127.0.0.1:11434', engine: 'ollama', tokens: [0, 3], attachedChangesK: true, promptTypes: ['code'], systemPrompts: ['direct'], repeats: 3 });
    for (const [p, kind, url] of [[llamaPlan, 'llama.cpp', 'http://127.0.0.1:8123'], [ollamaPlan, 'ollama', 'http://127.0.0.1:11434']] as const) {
      const run = await store.create({ kind: 'sweep', plan: p as never, model: 'm', simulated: false, toolVersion: '0.1.0' });
      const lines = [{ type: 'start', at: new Date().toISOString(), plan: p }, ...all.slice(0, 4).map((m) => ({ type: 'measurement', measurement: m }))];
      writeFileSync(jsonlPathFor(run.reportPath), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
      const report = store.get(run.runId);
      expect(report.status).toBe('partial');
      expect(report.server).toMatchObject({ kind, url });
    }
    // No plan at all: the engine is not known, and the report does not guess one.
    const bare = await store.create({ kind: 'sweep', plan: {}, model: 'm', simulated: false, toolVersion: '0.1.0' });
    writeFileSync(jsonlPathFor(bare.reportPath), JSON.stringify({ type: 'measurement', measurement: all[0] }) + '\n');
    expect(store.get(bare.runId).server.kind).toBe('unknown');
  });

  it('opens a run whose report SpecTune wrote as schema version 1 (server.vllmVersion), as the current version', async () => {
    const store = new HistoryStore({ dataDir });
    const run = await store.create({ kind: 'sweep', plan: plan as never, model: 'm', simulated: true, toolVersion: '0.1.0' });
    writeFileSync(run.reportPath, readFileSync(join(import.meta.dirname, 'fixtures', 'report-v1.json'), 'utf8'));
    await store.finish(run.runId, { status: 'complete' });
    const report = store.get(run.runId);
    expect(report.schemaVersion).toBe(3);
    expect(report.server).toMatchObject({ kind: 'vllm', engineVersion: '0.15.1' });
    expect(report.status).toBe('complete');
    expect(store.list()[0]).toMatchObject({ runId: run.runId, status: 'complete', recommendedK: report.recommendation?.numSpeculativeTokens });
  });

  it('without a usable plan it still recovers the measurements, with a warning', async () => {
    const store = new HistoryStore({ dataDir });
    const run = await store.create({ kind: 'sweep', plan: {}, model: 'm', simulated: false, toolVersion: '0.1.0' });
    writeFileSync(jsonlPathFor(run.reportPath), JSON.stringify({ type: 'measurement', measurement: all[0] }) + '\n');
    const report = store.get(run.runId);
    expect(report.measurements).toHaveLength(1);
    expect(report.warnings[0].message).toMatch(/interrupted/);
  });

  it('a half-written report falls back to the log; bad or unknown run ids are refused', async () => {
    const store = new HistoryStore({ dataDir });
    const run = await store.create({ kind: 'sweep', plan: plan as never, model: 'm', simulated: false, toolVersion: '0.1.0' });
    writeFileSync(run.reportPath, '{"schemaVersion": 1, "created');
    writeFileSync(jsonlPathFor(run.reportPath), JSON.stringify({ type: 'start', at: 'x', plan }) + '\n');
    expect(store.get(run.runId).measurements).toEqual([]);
    expect(JSON.parse(readFileSync(join(run.dir, 'run.json'), 'utf8')).status).toBe('running');

    for (const bad of ['../../etc', 'a/b', '']) {
      expect(() => store.get(bad)).toThrow(SpecTuneError);
    }
    expect(() => store.get('20990101-000000-abcdef')).toThrow(/no run "20990101-000000-abcdef"/);
  });
});
