import { useState } from 'react';

/**
 * "Copy" beside a command or a result. Says what happened in a status line (screen readers
 * hear it), and when the clipboard refuses (no permission, plain http), tells the user how
 * to copy by hand rather than failing silently.
 */
export function CopyButton({ text, what = 'command', testId }: { text: string; what?: string; testId?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <span className="copy">
      <button
        type="button"
        data-testid={testId}
        aria-label={`Copy ${what}`}
        onClick={() =>
          navigator.clipboard
            .writeText(text)
            .then(() => setState('copied'))
            .catch(() => setState('failed'))
        }
      >
        Copy
      </button>
      <span role="status" className="muted copy-status">
        {state === 'copied' ? `${what[0].toUpperCase()}${what.slice(1)} copied` : state === 'failed' ? `Copy failed: select the ${what} and copy it by hand` : ''}
      </span>
    </span>
  );
}

/**
 * A command as shown everywhere: monospace, with Copy beside it. It scrolls sideways instead of wrapping
 * mid-flag, except where it is the answer itself (`wrap`: a schedule must be read whole).
 */
export function CommandLine({ command, label = 'Startup command', what = 'command', testId, wrap = false }: { command: string; label?: string; what?: string; testId?: string; wrap?: boolean }) {
  return (
    <div className="command-line">
      <pre className={wrap ? 'command wrap' : 'command'} data-testid={testId} tabIndex={0} aria-label={label}>
        {command}
      </pre>
      <CopyButton text={command} what={what} testId={testId ? `${testId}-copy` : undefined} />
    </div>
  );
}
