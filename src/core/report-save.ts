/**
 * "Save report" in the app. The file comes only from the native save dialog, never
 * from the renderer: a page that could name a path could overwrite any file the
 * user can write (an attack pass overwrote presets.json that way). Browser mode
 * has no dialog and takes no path: the browser downloads the report itself.
 * Even a path the user picked is refused if it holds something other than a
 * SpecTune report, so a slip in the dialog cannot destroy another file.
 */
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SpecTuneError } from '../shared/errors';
import type { Report } from '../shared/schemas';
import { writeReport } from './report-io';

/** A SpecTune report of any version: what may be replaced by a newer one. */
function looksLikeReport(text: string): boolean {
  try {
    const v = JSON.parse(text) as { tool?: { name?: unknown }; schemaVersion?: unknown; measurements?: unknown };
    return v?.tool?.name === 'spectune' && v.schemaVersion !== undefined && Array.isArray(v.measurements);
  } catch {
    return false;
  }
}

/** Refuses to replace an existing file that is not a SpecTune report (or is not a file at all). */
async function assertOverwritable(path: string): Promise<void> {
  const st = await stat(path).catch(() => null);
  if (!st) return;
  const refuse = (what: string) =>
    new SpecTuneError('INVALID_INPUT', `${path} ${what}; SpecTune only replaces its own reports`, {
      hint: 'save under a new name, e.g. test_results-2.json',
    });
  if (!st.isFile()) throw refuse('is not a file');
  // A report is a few MB at most; anything far larger is not one, and is not worth reading.
  if (st.size > 256 * 1024 * 1024) throw refuse('exists and is not a SpecTune report');
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text === null || !looksLikeReport(text)) throw refuse('exists and is not a SpecTune report');
}

export interface SaveReportDeps {
  mode: 'electron' | 'browser';
  saveDialog?: (defaultPath: string) => Promise<string | null>;
}

/** Asks the user where (native dialog), checks the target, writes. null when the dialog was cancelled. */
export async function saveReportWithDialog(deps: SaveReportDeps, runId: string, getReport: () => Report): Promise<string | null> {
  if (deps.mode === 'browser' || !deps.saveDialog) {
    throw new SpecTuneError('INVALID_INPUT', 'report:save: browser mode saves reports through the browser, not on the server', {
      hint: 'use the Download button: the page fetches the report (history:get) and the browser saves it',
    });
  }
  const report = getReport(); // an unknown run fails before a dialog opens
  const target = await deps.saveDialog(join(homedir(), `test_results-${runId}.json`));
  if (!target) return null;
  await assertOverwritable(target);
  try {
    await writeReport(target, report);
  } catch (err) {
    // writeReport's hint speaks of the CLI's --out: say it for the app.
    const message = err instanceof SpecTuneError ? err.message : `cannot write the report to ${target}: ${(err as Error).message}`;
    throw new SpecTuneError('IO_ERROR', message, { hint: 'pick a folder you can write to', cause: err });
  }
  return target;
}
