/**
 * Before the presets store opens its file: is it a presets file at all? A file that
 * does not parse, or parses as something else (a report saved over it, say), would
 * read as "no presets" and the next save would replace it. So it is moved aside as
 * presets.corrupt-<time>.json — nothing lost, fixable by hand — and the user is told.
 */
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Why the file is not a presets file, or null when it is one (or does not exist yet). */
export function presetsFileProblem(path: string): string | null {
  if (!existsSync(path)) return null;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return `it cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `it is not valid JSON (${(err as Error).message})`;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'it is not a JSON object';
  const obj = value as Record<string, unknown>;
  if ('presets' in obj) {
    // v1 keeps a list; v0 also allowed a map keyed by preset name.
    return obj.presets !== null && typeof obj.presets === 'object' ? null : '"presets" is neither a list nor a map';
  }
  const other = Object.keys(obj).filter((k) => k !== '__internal__');
  return other.length ? `it holds no "presets" but ${other.slice(0, 3).map((k) => `"${k}"`).join(', ')} — not a presets file` : null;
}

/** Renames the file to <name>.corrupt-<time>.json beside it; returns the new path. */
export function moveAside(path: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const target = join(dirname(path), `${basename(path, '.json')}.corrupt-${stamp}.json`);
  renameSync(path, target);
  return target;
}
