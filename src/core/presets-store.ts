/**
 * Named server settings, kept in `<dataDir>/presets.json` through `conf`
 * (the store electron-store is built on, so the same file works in Electron
 * and in browser mode without Electron). Every entry is validated with
 * PresetSchema when read and written; the file format is versioned with
 * conf's migrations so older files keep working.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, statSync } from 'node:fs';
import Conf from 'conf';
import { PresetSchema, type Preset } from '../shared/ipc-contract';
import { SpecTuneError } from '../shared/errors';
import { ServerSettingsSchema, formatZodError, type ServerSettingsInput } from '../shared/schemas';
import { join } from 'node:path';
import { moveAside, presetsFileProblem } from './presets-file-check';

/** Owner read/write only; conf applies it to every (atomic) write. */
const PRESETS_FILE_MODE = 0o600;

/** A file written by an older SpecTune (0644) is tightened at once, not at the next save. */
function restrictMode(path: string): void {
  try {
    if ((statSync(path).mode & 0o777) !== PRESETS_FILE_MODE) chmodSync(path, PRESETS_FILE_MODE);
  } catch {
    // No file yet: the first save creates it with PRESETS_FILE_MODE.
  }
}

/** Bump with a new entry in MIGRATIONS whenever the stored shape changes. */
export const PRESETS_FORMAT_VERSION = '1.0.0';

interface PresetsFile {
  presets: unknown[];
}

/**
 * v0 (SpecTune 0.0.x) kept flat entries without ids:
 * `{ name, model, draftModel?, method?, numSpeculativeTokens | k, port, ..., savedAt }`.
 * v1 nests the server settings, adds an id, timestamps and a note.
 */
function migratePresetV0toV1(entry: unknown, now = new Date().toISOString()): unknown {
  if (!entry || typeof entry !== 'object') return entry;
  const old = entry as Record<string, unknown>;
  if ('settings' in old && 'id' in old) return old; // already v1
  const { name, savedAt, note, k, id: _ignored, ...settings } = old;
  if (settings.numSpeculativeTokens === undefined && typeof k === 'number') settings.numSpeculativeTokens = k;
  if (typeof settings.command === 'string') settings.command = [settings.command];
  const stamp = typeof savedAt === 'string' ? savedAt : typeof savedAt === 'number' ? new Date(savedAt).toISOString() : now;
  return {
    id: randomUUID(),
    name: typeof name === 'string' ? name : 'Unnamed preset',
    settings,
    createdAt: stamp,
    updatedAt: stamp,
    note: typeof note === 'string' ? note : '',
  };
}

const MIGRATIONS = {
  '1.0.0': (store: Conf<PresetsFile>) => {
    const raw = store.get('presets', []);
    // v0 also allowed a map keyed by preset name.
    const list = Array.isArray(raw) ? raw : Object.entries(raw as Record<string, object>).map(([name, v]) => ({ name, ...v }));
    store.set('presets', list.map((p) => migratePresetV0toV1(p)));
  },
};

export interface PresetsStoreOptions {
  dataDir: string;
  /** File name without extension (tests use their own). */
  configName?: string;
}

export class PresetsStore {
  private readonly conf: Conf<PresetsFile>;

  constructor(opts: PresetsStoreOptions) {
    const file = join(opts.dataDir, `${opts.configName ?? 'presets'}.json`);
    const problem = presetsFileProblem(file);
    if (problem) {
      // Reported once, by this throw; the next open finds no file and starts empty.
      let moved: string;
      try {
        moved = moveAside(file);
      } catch (err) {
        throw new SpecTuneError('IO_ERROR', `the presets file ${file} is damaged: ${problem}; it could not be moved aside (${(err as Error).message})`, {
          hint: 'fix the JSON by hand or move the file away to start with no presets',
          cause: err,
        });
      }
      console.warn(`[presets] ${file}: ${problem}; moved to ${moved}`);
      throw new SpecTuneError('IO_ERROR', `the presets file was damaged (${problem}); it was kept as ${moved} and presets start empty`, {
        hint: 'copy the presets you need back from that file by hand; new presets are saved as usual',
      });
    }
    try {
      this.conf = new Conf<PresetsFile>({
        cwd: opts.dataDir,
        configName: opts.configName ?? 'presets',
        defaults: { presets: [] },
        projectVersion: PRESETS_FORMAT_VERSION,
        migrations: MIGRATIONS,
        // A hand-edited file with a typo must not silently lose every preset.
        clearInvalidConfig: false,
        watch: false,
        // Presets may hold secrets in their env (HF_TOKEN, VLLM_API_KEY): readable by the user only.
        configFileMode: PRESETS_FILE_MODE,
      });
      restrictMode(this.conf.path);
    } catch (err) {
      throw new SpecTuneError('IO_ERROR', `cannot read the presets file in ${opts.dataDir}: ${(err as Error).message}`, {
        hint: 'fix the JSON by hand or move the file away to start with no presets',
        cause: err,
      });
    }
  }

  get path(): string {
    return this.conf.path;
  }

  /** Valid presets, oldest first. Entries that fail validation are skipped, not fatal. */
  list(): Preset[] {
    const out: Preset[] = [];
    for (const raw of this.conf.get('presets', [])) {
      const r = PresetSchema.safeParse(raw);
      if (r.success) out.push(r.data);
      else console.warn(`[presets] skipping an invalid entry in ${this.conf.path}: ${formatZodError(r.error)}`);
    }
    return out;
  }

  /**
   * Rewrites the file entry by entry: `change` sees each valid preset and returns its
   * replacement (or null to drop it). Entries that do not validate — a hand edit with a
   * typo, a newer version's format — are written back untouched, never lost to a save.
   */
  private update(change: (p: Preset) => Preset | null, add?: Preset): void {
    const next: unknown[] = [];
    for (const raw of this.conf.get('presets', [])) {
      const r = PresetSchema.safeParse(raw);
      if (!r.success) next.push(raw);
      else {
        const kept = change(r.data);
        if (kept) next.push(kept);
      }
    }
    if (add) next.push(add);
    this.conf.set('presets', next);
  }

  get(id: string): Preset {
    const found = this.list().find((p) => p.id === id);
    if (!found) throw unknownId(id, this.list());
    return found;
  }

  save(input: { name: string; settings: ServerSettingsInput; note?: string }): Preset {
    const now = new Date().toISOString();
    const preset = parsePreset({
      id: randomUUID(),
      name: input.name,
      settings: ServerSettingsSchema.parse(input.settings),
      createdAt: now,
      updatedAt: now,
      note: input.note ?? '',
    });
    this.update((p) => p, preset);
    return preset;
  }

  rename(id: string, name: string): Preset {
    const updated = parsePreset({ ...this.get(id), name, updatedAt: new Date().toISOString() });
    this.update((p) => (p.id === id ? updated : p));
    return updated;
  }

  delete(id: string): boolean {
    this.get(id);
    this.update((p) => (p.id === id ? null : p));
    return true;
  }
}

function parsePreset(value: unknown): Preset {
  const r = PresetSchema.safeParse(value);
  if (!r.success) throw new SpecTuneError('INVALID_INPUT', formatZodError(r.error, 'preset'));
  return r.data;
}

function unknownId(id: string, all: Preset[]): SpecTuneError {
  return new SpecTuneError('INVALID_INPUT', `id: no preset with id "${id}"`, {
    hint: all.length ? 'reload the preset list; it may have been deleted in another window' : 'there are no saved presets yet',
  });
}
