/**
 * `spectune report FILE --format html|csv|md [-o OUT]`: turn a test_results.json into
 * something to share. Exit 2 when FILE is missing or is not a SpecTune report (what is
 * wrong is named), exit 1 when OUT cannot be written; without -o the export goes to
 * stdout and nothing else does.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { SpecTuneError } from '../shared/errors';
import { REPORT_FORMATS, exportReport, parseReportText, type ReportFormat } from '../shared/report-export';

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

export async function readReportFile(path: string) {
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
      try {
        await writeFile(target, content, 'utf8');
      } catch (err) {
        throw new SpecTuneError('IO_ERROR', `cannot write ${target}: ${fsReason(err)}`, { hint: 'choose a file in a folder you can write to', cause: err });
      }
      process.stderr.write(`Wrote ${target}\n`);
    });
}
