import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Report } from '../../../shared/schemas';
import { toUiError } from '../api';
import { downloadFile } from '../download';
import { useApp } from '../state/context';
import { errorLine } from '../state/store';

/** Formats as the contract names them, and what the buttons say. */
const FORMATS = [
  { format: 'html', name: 'HTML', title: 'One page that opens offline in any browser: the answer, the command, tables and charts' },
  { format: 'csv', name: 'CSV', title: 'One row per configuration, plain numbers, for a spreadsheet' },
  { format: 'md', name: 'Markdown', title: 'The answer and the configuration table, to paste into an issue or a chat' },
] as const;

type Format = (typeof FORMATS)[number]['format'];

/** "Download HTML / CSV / Markdown": the services render the file, the page saves it. */
export function ReportDownloads({ report }: { report: Report }) {
  const { api, notify } = useApp(useShallow((s) => ({ api: s.api, notify: s.notify })));
  const [busy, setBusy] = useState<Format | null>(null);

  async function download(format: Format) {
    setBusy(format);
    try {
      downloadFile(await api['report:export']({ report, format }));
    } catch (err) {
      notify('error', errorLine(toUiError(err)));
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="actions" role="group" aria-label="Download the report" data-testid="report-downloads">
      {FORMATS.map(({ format, name, title }) => (
        <button key={format} type="button" title={title} disabled={busy !== null} onClick={() => void download(format)}>
          {busy === format ? `Preparing ${name}…` : `Download ${name}`}
        </button>
      ))}
    </div>
  );
}
