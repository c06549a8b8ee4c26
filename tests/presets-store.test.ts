import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PresetsStore, PRESETS_FORMAT_VERSION } from '../src/core/presets-store';
import { SpecTuneError } from '../src/shared/errors';
import { PresetSchema } from '../src/shared/ipc-contract';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'spectune-presets-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const settings = { command: ['vllm'], model: 'Qwen/Qwen2.5-7B-Instruct', draftModel: 'Qwen/Qwen2.5-0.5B-Instruct', numSpeculativeTokens: 5, port: 8000 };

function expectError(fn: () => unknown, code: string, text: RegExp): SpecTuneError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SpecTuneError);
    expect((err as SpecTuneError).code).toBe(code);
    expect((err as SpecTuneError).message).toMatch(text);
    return err as SpecTuneError;
  }
  throw new Error('expected an error');
}

describe('PresetsStore', () => {
  it('saves, lists, renames and deletes, persisting to presets.json', () => {
    const store = new PresetsStore({ dataDir: dir });
    expect(store.list()).toEqual([]);
    const a = store.save({ name: 'Fast code', settings, note: 'sweep +38%' });
    const b = store.save({ name: 'Baseline', settings: { ...settings, numSpeculativeTokens: 0 } });
    expect(a.id).not.toBe(b.id);
    expect(a.settings.extraArgs).toEqual([]); // defaults filled in by the schema

    // A second instance (the next app launch) reads the same file.
    const again = new PresetsStore({ dataDir: dir });
    expect(again.list().map((p) => p.name)).toEqual(['Fast code', 'Baseline']);
    const onDisk = JSON.parse(readFileSync(join(dir, 'presets.json'), 'utf8'));
    expect(onDisk.presets).toHaveLength(2);
    expect(onDisk.__internal__.migrations.version).toBe(PRESETS_FORMAT_VERSION);

    const renamed = again.rename(a.id, '  Code, k=5  ');
    expect(renamed.name).toBe('Code, k=5');
    expect(renamed.createdAt).toBe(a.createdAt);
    expect(store.get(a.id).name).toBe('Code, k=5');

    expect(again.delete(b.id)).toBe(true);
    expect(new PresetsStore({ dataDir: dir }).list().map((p) => p.id)).toEqual([a.id]);
  });

  it('refuses unknown ids and bad names with errors that name the field', () => {
    const store = new PresetsStore({ dataDir: dir });
    store.save({ name: 'One', settings });
    const e = expectError(() => store.rename('nope', 'x'), 'INVALID_INPUT', /id: no preset with id "nope"/);
    expect(e.hint).toMatch(/reload/);
    expectError(() => store.delete('nope'), 'INVALID_INPUT', /no preset with id "nope"/);
    expectError(() => store.get('nope'), 'INVALID_INPUT', /no preset/);
    expectError(() => store.save({ name: '   ', settings }), 'INVALID_INPUT', /preset\.name: give the preset a name/);
    expectError(() => store.save({ name: 'x'.repeat(81), settings }), 'INVALID_INPUT', /name: keep the name under 80/);
    expect(store.list()).toHaveLength(1);
  });

  it('migrates a v0 file (flat settings, no ids) to v1 and validates every entry', () => {
    const file = join(dir, 'presets.json');
    copyFileSync(join(import.meta.dirname, 'fixtures', 'presets-v0.json'), file);
    const store = new PresetsStore({ dataDir: dir });
    const list = store.list();
    expect(list).toHaveLength(2);
    for (const p of list) expect(() => PresetSchema.parse(p)).not.toThrow();
    const [qwen, llama] = list;
    expect(qwen.name).toBe('Qwen 7B + 0.5B draft, k=5');
    expect(qwen.settings).toMatchObject({ command: ['vllm'], model: 'Qwen/Qwen2.5-7B-Instruct', draftModel: 'Qwen/Qwen2.5-0.5B-Instruct', numSpeculativeTokens: 5, gpuMemoryUtilization: 0.9 });
    expect(qwen.createdAt).toBe(new Date(1764340000000).toISOString());
    expect(llama.settings).toMatchObject({ method: 'ngram', numSpeculativeTokens: 3, ngramPromptLookupMax: 4, port: 8001, command: ['vllm'] });
    expect(llama.note).toBe('from a sweep on the A100');
    expect(llama.id).toMatch(/^[0-9a-f-]{36}$/);
    // Migrated once and recorded: ids stay stable on the next launch.
    const disk = JSON.parse(readFileSync(file, 'utf8'));
    expect(disk.__internal__.migrations.version).toBe(PRESETS_FORMAT_VERSION);
    expect(new PresetsStore({ dataDir: dir }).list().map((p) => p.id)).toEqual([qwen.id, llama.id]);
  });

  it('skips an invalid entry instead of losing the others, and reports a corrupt file without wiping it', () => {
    const store = new PresetsStore({ dataDir: dir });
    const ok = store.save({ name: 'Good', settings });
    const file = join(dir, 'presets.json');
    const disk = JSON.parse(readFileSync(file, 'utf8'));
    disk.presets.push({ id: 'bad', name: 'Bad', settings: { model: '' }, createdAt: 'x', updatedAt: 'x' });
    writeFileSync(file, JSON.stringify(disk));
    const reopened = new PresetsStore({ dataDir: dir });
    expect(reopened.list().map((p) => p.id)).toEqual([ok.id]);
    // Saving, renaming and deleting the valid ones writes the invalid one back as it was: fixable by hand, not gone.
    const other = reopened.save({ name: 'Other', settings });
    reopened.rename(ok.id, 'Good, renamed');
    reopened.delete(other.id);
    const after = JSON.parse(readFileSync(file, 'utf8')).presets as { id: string; name: string }[];
    expect(after.map((p) => [p.id, p.name])).toEqual([
      [ok.id, 'Good, renamed'],
      ['bad', 'Bad'],
    ]);

  });

  it.each([
    ['broken JSON', '{ "presets": [ oops', /it is not valid JSON/],
    ['a report saved over it', JSON.stringify({ schemaVersion: '1', tool: { name: 'spectune' }, measurements: [] }), /holds no "presets" but "schemaVersion", "tool", "measurements"/],
    ['a list', '[]', /not a JSON object/],
  ])('keeps a damaged presets file aside (%s), says so once, then starts empty', (_what, content, why) => {
    const file = join(dir, 'presets.json');
    writeFileSync(file, content);
    const e = expectError(() => new PresetsStore({ dataDir: dir }), 'IO_ERROR', why);
    const kept = /kept as (\S+) and presets start empty/.exec(e.message)?.[1] as string;
    expect(kept).toMatch(/presets\.corrupt-\d{4}-\d\d-\d\dT[\d-]+Z\.json$/);
    expect(readFileSync(kept, 'utf8')).toBe(content);
    expect(readdirSync(dir).sort()).toEqual([kept.split('/').at(-1)]);
    // Not silently an empty list over the old content: the next open starts a new file beside the kept one.
    const store = new PresetsStore({ dataDir: dir });
    expect(store.list()).toEqual([]);
    store.save({ name: 'New', settings });
    expect(readFileSync(kept, 'utf8')).toBe(content);
  });
});

describe('presets file mode (presets may hold HF_TOKEN or an API key in their env)', () => {
  it('is written owner-only (0600), and an older world-readable file is tightened on open', () => {
    const store = new PresetsStore({ dataDir: dir });
    store.save({ name: 'With token', settings: { ...settings, env: { HF_TOKEN: 'hf_abcdefgh123' } } });
    const file = join(dir, 'presets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);

    chmodSync(file, 0o644); // as SpecTune before this fix left it
    new PresetsStore({ dataDir: dir });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
