/**
 * `--prompts FILE` as a hostile or careless file meets it: an id that would silently
 * replace a built-in prompt or another entry is refused with the id named, a huge file
 * is refused before it is read, and the report and its log keep only the prompts the
 * sweep used. Real CLI processes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ReportSchema } from '../src/shared/schemas';

const BIN = resolve(import.meta.dirname, '..', 'bin', 'spectune.js');
const dir = mkdtempSync(join(tmpdir(), 'spectune-prompts-'));
const run = (args: string[]) => execa(process.execPath, [BIN, ...args], { reject: false, env: { NO_COLOR: '1' }, timeout: 120_000 });

function promptsFile(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const entry = (id: string, prompt = `Prompt ${id}`) => ({ id, label: id.toUpperCase(), prompt });

describe('--prompts FILE', { timeout: 120_000 }, () => {
  it.each([
    ['a built-in prompt type id', { promptTypes: [entry('code', 'Something else entirely')] }, /--prompts .*prompt type "code" is already a built-in/],
    ['a built-in system prompt id', { systemPrompts: [entry('direct')] }, /--prompts .*system prompt "direct" is already a built-in/],
    ['the same id twice in the file', { promptTypes: [entry('sql'), entry('sql', 'Another')] }, /--prompts .*prompt type "sql" appears twice/],
  ])('refuses %s, naming the id (exit 2, nothing launched)', async (_what, content, message) => {
    const r = await run(['sweep', '--demo', '--prompts', promptsFile(`dup-${Math.random()}.json`, content)]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/Server Status Check/);
  });

  it('refuses a file far larger than any prompts file, before reading it', async () => {
    // Valid JSON with prompts of legal size: only the cap stops it.
    const big = { promptTypes: Array.from({ length: 260 }, (_, i) => entry(`p${i}`, 'x'.repeat(19_000))) };
    const r = await run(['sweep', '--demo', '--prompts', promptsFile('big.json', big)]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--prompts .*big\.json is \d+(\.\d)? MB; a prompts file may be at most 2 MB/);
  });

  it('the report and the JSONL keep only the prompts the sweep used', async () => {
    const file = promptsFile('three.json', { promptTypes: [entry('sql'), entry('unused-a', 'A'.repeat(5000)), entry('unused-b')], systemPrompts: [entry('pirate'), entry('unused-c')] });
    const out = join(dir, 'r.json');
    const r = await run(['sweep', '--demo', '--prompts', file, '--prompt-types', 'sql', '--system-prompts', 'pirate', '--tokens', '0', '--repeats', '1', '--max-tokens', '8', '--out', out]);
    expect(r.exitCode, r.stderr).toBe(0);
    const report = ReportSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    const plan = report.plan as { customPrompts: { id: string }[]; customSystemPrompts: { id: string }[] };
    expect(plan.customPrompts.map((p) => p.id)).toEqual(['sql']);
    expect(plan.customSystemPrompts.map((p) => p.id)).toEqual(['pirate']);
    const jsonl = readFileSync(out.replace(/\.json$/, '.jsonl'), 'utf8');
    for (const unused of ['unused-a', 'unused-b', 'unused-c']) {
      expect(JSON.stringify(report)).not.toContain(unused);
      expect(jsonl).not.toContain(unused);
    }
  });
});
