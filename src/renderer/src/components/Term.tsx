import { useId, useState } from 'react';
import { GLOSSARY, type GlossaryKey } from '../results/glossary';

/**
 * A term with its explanation on hover AND on keyboard focus: the "?" is a real button (it
 * takes focus with Tab), the explanation is a role="tooltip" element that the button names in
 * aria-describedby, so a screen reader reads it too. Escape hides it again (WCAG 1.4.13), no
 * library needed. `label` overrides the text shown; the explanation comes from GLOSSARY.
 */
export function Term({ k, label, children }: { k: GlossaryKey; label?: string; children?: React.ReactNode }) {
  const id = useId();
  const [dismissed, setDismissed] = useState(false);
  const entry = GLOSSARY[k];
  return (
    <span className={`term${dismissed ? ' term-dismissed' : ''}`} onMouseLeave={() => setDismissed(false)}>
      <span className="term-label">{children ?? label ?? entry.term}</span>
      <button
        type="button"
        className="term-info"
        aria-label={`What is ${entry.term}?`}
        aria-describedby={id}
        onKeyDown={(e) => {
          if (e.key === 'Escape') setDismissed(true);
        }}
        onBlur={() => setDismissed(false)}
      >
        ?
      </button>
      <span role="tooltip" id={id} className="term-tip">
        {entry.text}
      </span>
    </span>
  );
}
