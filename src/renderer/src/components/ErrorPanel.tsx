import type { UiError } from '../api/errors';
import { useStickToBottom } from './useStickToBottom';

/** An error the user can act on: what happened, what to do, and what the server printed last. */
export function ErrorPanel({ error, title, testId = 'error-panel' }: { error: UiError | null | undefined; title?: string; testId?: string }) {
  const tailRef = useStickToBottom<HTMLPreElement>(error?.logTail);
  if (!error) return null;
  // Launch errors repeat the log tail inside the message for terminals; here the tail has its own box.
  const message = error.logTail?.length ? error.message.split(/\s*Last log lines:/)[0] : error.message;
  return (
    // The code is for tests and support, not for the user: the message and the fix say it in words.
    <div className="error-panel" role="alert" data-testid={testId} data-code={error.code}>
      <strong>{title ?? 'Error'}</strong>
      <p className="error-message">{message}</p>
      {error.hint && <p className="error-hint">What to do: {error.hint}</p>}
      {error.logTail && error.logTail.length > 0 && (
        <details open>
          <summary>Last log lines</summary>
          <pre className="log-tail" ref={tailRef} tabIndex={0} data-testid={`${testId}-log`}>
            {error.logTail.join('\n')}
          </pre>
        </details>
      )}
    </div>
  );
}
