import type { LogLine } from '../../../shared/schemas';
import { visibleControls } from '../../../shared/safe-text';
import { useStickToBottom } from './useStickToBottom';

/** The server's output as it streams (control characters shown, never obeyed); sticks to the bottom unless the user scrolled up to read. */
export function LogTail({ lines }: { lines: LogLine[] }) {
  const ref = useStickToBottom<HTMLPreElement>(lines);
  return (
    <pre className="log" ref={ref} data-testid="server-log" tabIndex={0} aria-label="Server log">
      {lines.length === 0 ? (
        <span className="muted">No output yet. Start the server to see its log here.</span>
      ) : (
        lines.map((l, i) => (
          <span key={i} className={`log-${l.stream}`}>
            {visibleControls(l.line)}
            {'\n'}
          </span>
        ))
      )}
    </pre>
  );
}
