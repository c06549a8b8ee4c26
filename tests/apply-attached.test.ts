/**
 * Apply for an engine the user runs: LM Studio's own `lms` reloads the model with the winning
 * draft, shown first and run only on confirmation. A stand-in `lms` on PATH records what it is
 * asked, answers `load --help` like the real one, and can fail like it.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyAttached } from '../src/core/apply-attached';
import { ReportSchema, type Report } from '../src/shared/schemas';
import fixture from './renderer/fixtures/report.json';

const dir = mkdtempSync(join(tmpdir(), 'spectune-lms-'));
const calls = join(dir, 'calls.jsonl');
const PATH = process.env.PATH;

function fakeLms(opts: { failLoad?: boolean } = {}) {
  writeFileSync(
    join(dir, 'lms'),
    `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
if (args[0] === 'load' && args[1] === '--help') {
  console.log('Usage: lms load [options] [path]\\n  --speculative-draft-simple  use a draft model\\n  --speculative-draft-model <model>\\n  --speculative-draft-max-tokens <n>');
  process.exit(0);
}
fs.appendFileSync(${JSON.stringify(calls)}, JSON.stringify(args) + '\\n');
if (${opts.failLoad === true} && args[0] === 'load') { console.error('Error: not enough memory to load the draft model'); process.exit(1); }
`,
  );
  chmodSync(join(dir, 'lms'), 0o755);
}

function attachedReport(kind: string, over: Partial<NonNullable<Report['recommendation']>> = {}): Report {
  const r = ReportSchema.parse(structuredClone(fixture));
  return {
    ...r,
    plan: { ...r.plan, mode: 'attached', url: 'http://127.0.0.1:1234' },
    server: { ...r.server, kind: kind as Report['server']['kind'], model: 'qwen2.5-7b-instruct', simulated: false },
    recommendation: { ...r.recommendation!, numSpeculativeTokens: null, draftModel: 'qwen2.5-0.5b-instruct', setting: 'draft model qwen2.5-0.5b-instruct', ...over },
  };
}

beforeEach(() => {
  writeFileSync(calls, '');
  process.env.PATH = `${dir}:${PATH}`;
});
afterEach(() => {
  process.env.PATH = PATH;
});

const ran = () => readFileSync(calls, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]);

describe('apply on an attached engine with its own tool', () => {
  it('LM Studio: shows unload + load with the winning draft first, runs them only when confirmed', async () => {
    fakeLms();
    const preview = await applyAttached(attachedReport('lmstudio'), false);
    expect(preview.ran).toBe(false);
    expect(preview.commands).toEqual([
      'lms unload qwen2.5-7b-instruct',
      'lms load qwen2.5-7b-instruct --identifier qwen2.5-7b-instruct --yes --speculative-draft-simple --speculative-draft-model qwen2.5-0.5b-instruct',
    ]);
    expect(ran()).toEqual([]);
    const done = await applyAttached(attachedReport('lmstudio'), true);
    expect(done.ran).toBe(true);
    expect(ran()).toEqual([
      ['unload', 'qwen2.5-7b-instruct'],
      ['load', 'qwen2.5-7b-instruct', '--identifier', 'qwen2.5-7b-instruct', '--yes', '--speculative-draft-simple', '--speculative-draft-model', 'qwen2.5-0.5b-instruct'],
    ]);
  });

  it("a failing load says what lms said and how to set it by hand", async () => {
    fakeLms({ failLoad: true });
    await expect(applyAttached(attachedReport('lmstudio'), true)).rejects.toMatchObject({
      code: 'IO_ERROR',
      message: expect.stringContaining('not enough memory to load the draft model'),
      hint: expect.stringContaining('draft model qwen2.5-0.5b-instruct'),
    });
  });

  it("on the simulator, Apply says it is for a real LM Studio, not that lms is missing, and runs nothing", async () => {
    process.env.PATH = '/nonexistent';
    const simulated = { ...attachedReport('lmstudio'), server: { ...attachedReport('lmstudio').server, simulated: true } };
    const err = (await applyAttached(simulated, true).catch((e: unknown) => e)) as { code: string; message: string; hint?: string };
    expect(err).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/^Apply is for a real LM Studio/) });
    expect(`${err.message} ${err.hint}`).not.toMatch(/not found|install/);
    expect(err.hint).toContain('draft model qwen2.5-0.5b-instruct');
  });

    it('an engine with no such tool (Ollama) or a launched run is refused, saying what to do instead', async () => {
    await expect(applyAttached(attachedReport('ollama', { numSpeculativeTokens: 4, draftModel: null, setting: 'PARAMETER draft_num_predict 4' }), false)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      hint: expect.stringContaining('PARAMETER draft_num_predict 4'),
    });
    const launched = { ...attachedReport('vllm'), plan: { ...attachedReport('vllm').plan, mode: 'managed' } };
    await expect(applyAttached(launched, false)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('use Apply') });
  });
});
