import { useId, type ReactNode } from 'react';

/** A labelled input with its validation message tied to it for screen readers. */
export function Field({
  label,
  error,
  help,
  onBlur,
  children,
}: {
  label: string;
  error?: string;
  help?: string;
  /** Leaving the box: a form checks it then, not only when it is run. */
  onBlur?: () => void;
  children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string; onBlur?: () => void }) => ReactNode;
}) {
  const id = useId();
  const msgId = `${id}-msg`;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': Boolean(error), 'aria-describedby': error || help ? msgId : undefined, onBlur })}
      {error ? (
        <span className="field-error" id={msgId} role="alert">
          {error}
        </span>
      ) : help ? (
        <span className="field-help" id={msgId}>
          {help}
        </span>
      ) : null}
    </div>
  );
}
