/**
 * Reports to share: one call from a parsed report and a format to the file's name, type
 * and text. Pure (no node:, no DOM), so the CLI, the app's handler and the renderer all
 * produce the same bytes.
 */
import type { Report } from '../schemas';
import { reportToCsv } from './csv';
import { reportToHtml } from './html';
import { reportToMarkdown } from './markdown';

export const REPORT_FORMATS = ['html', 'csv', 'md'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ExportedReport {
  filename: string;
  mimeType: string;
  content: string;
}

const KINDS: Record<ReportFormat, { ext: string; mimeType: string; render: (r: Report) => string }> = {
  html: { ext: 'html', mimeType: 'text/html;charset=utf-8', render: reportToHtml },
  // RFC 4180 registers text/csv; "header=present" tells readers the first row names the columns.
  csv: { ext: 'csv', mimeType: 'text/csv;charset=utf-8;header=present', render: reportToCsv },
  md: { ext: 'md', mimeType: 'text/markdown;charset=utf-8', render: reportToMarkdown },
};

/** "Qwen/Qwen2.5-7B-Instruct", 2026-11-28T18:00Z → "spectune-Qwen2.5-7B-Instruct-20261128-1800.html". */
export function exportFilename(report: Report, format: ReportFormat): string {
  const model = (report.server?.model ?? '').split('/').filter(Boolean).pop() ?? '';
  const slug = model.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, 60);
  const d = new Date(report.createdAt);
  const stamp = Number.isNaN(d.getTime()) ? '' : d.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
  return `${['spectune', slug, stamp].filter(Boolean).join('-')}.${KINDS[format].ext}`;
}

export function exportReport(report: Report, format: ReportFormat): ExportedReport {
  const kind = KINDS[format];
  return { filename: exportFilename(report, format), mimeType: kind.mimeType, content: kind.render(report) };
}

export { reportToCsv, reportToHtml, reportToMarkdown };
export { summarizeReport, type ReportSummary } from './summary';
export { parseReportText } from './parse';
