/**
 * `spectune report FILE --format html|csv|md [-o OUT]`: turn a test_results.json into
 * something to share. Exit 2 when FILE is missing or is not a SpecTune report (what is
 * wrong is named), or when OUT is that file or any SpecTune report (an export never
 * replaces measurements); exit 1 when OUT cannot be written. OUT is replaced all or
 * nothing (report-io's writeFileAtomic: a temp file beside it, every byte written,
 * renamed over it; write-file-atomic is not used, it ignores a short write on a nearly
 * full disk), so a full disk leaves an older export whole. Without -o the export goes
 * to stdout and nothing else does.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { SpecTuneError } from '../shared/errors';
import { REPORT_FORMATS, exportReport, parseReportText, type ReportFormat } from '../shared/report-export';
import { isDiskFull, looksLikeReport, writeFileAtomic } from '../core/report-io';
import { readFileCapped } from '../node/read-file-capped';

/** A report is a few MB; an existing OUT larger than this is not one (and is not read whole to find out). */
const MAX_REPORT_PEEK_BYTES = 64 * 1024 * 1024;

const BY_EXTENSION: Record<string, ReportFormat> = { '.html': 'html', '.htm': 'html', '.csv': 'csv', '.md': 'md', '.markdown': 'md' };

/** The reasons a file cannot be read or written, in words (errno codes mean nothing to most people). */
function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a folder, not a file';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    default:
      return (err as Error).message;
  }
}

async function readReportFile(path: string) {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new SpecTuneError('INVALID_INPUT', `cannot read the report ${path}: ${fsReason(err)}`, {
      hint: 'give the test_results.json that `spectune sweep` or the app wrote',
      cause: err,
    });
  }
  return parseReportText(text, path);
}

/** OUT must be neither the report being exported (by any path or link) nor another SpecTune report. */
async function assertReplaceable(input: string, target: string): Promise<void> {
  const [from, to] = await Promise.all([stat(input), stat(target).catch(() => null)]);
  if (!to) return;
  const refuse = (why: string) =>
    new SpecTuneError('INVALID_INPUT', `-o: ${target} ${why}`, { hint: 'give the export a name of its own, e.g. report.html beside test_results.json' });
  if (to.dev === from.dev && to.ino === from.ino) throw refuse('is the report being exported; an export never replaces the measurements');
  if (!to.isFile()) return; // a folder or a device: the write fails and says so
  const peek = await readFileCapped(target, MAX_REPORT_PEEK_BYTES).catch(() => null);
  let data: unknown = null;
  try {
    data = peek?.ok ? JSON.parse(peek.text) : null;
  } catch {
    // Not JSON: an earlier export, say; it may be replaced.
  }
  if (looksLikeReport(data)) throw refuse('is a SpecTune report; an export never replaces one');
}

function pickFormat(format: string | undefined, out: string | undefined): ReportFormat {
  if (format) return format === 'markdown' ? 'md' : (format as ReportFormat);
  const inferred = out ? BY_EXTENSION[extname(out).toLowerCase()] : undefined;
  if (inferred) return inferred;
  throw new SpecTuneError('INVALID_INPUT', 'give --format html, csv or md', {
    hint: 'e.g. `spectune report test_results.json --format html -o report.html` (an -o ending in .html, .csv or .md picks the format by itself)',
  });
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('export a report to share: one self-contained HTML page, CSV (one row per configuration) or Markdown')
    .argument('<file>', 'a test_results.json written by `spectune sweep` or the app')
    .addOption(new Option('--format <format>', 'html, csv or md (default: from the -o extension)').choices([...REPORT_FORMATS, 'markdown']))
    .option('-o, --out <file>', 'write here instead of to stdout')
    .action(async (file: string, flags: { format?: string; out?: string }) => {
      const format = pickFormat(flags.format, flags.out);
      const report = await readReportFile(file);
      const { content } = exportReport(report, format);
      if (!flags.out) {
        process.stdout.write(content);
        return;
      }
      const target = resolve(flags.out);
      await assertReplaceable(resolve(file), target);
      try {
        await writeFileAtomic(target, content);
      } catch (err) {
        if (isDiskFull(err)) throw new SpecTuneError('IO_ERROR', `the disk is full writing ${target}`, { hint: 'free some space on that disk, or write the export elsewhere', cause: err });
        throw new SpecTuneError('IO_ERROR', `cannot write ${target}: ${fsReason(err)}`, { hint: 'choose a file in a folder you can write to', cause: err });
      }
      process.stderr.write(`Wrote ${target}\n`);
    });
}
