import { useId } from 'react';
import type { Report } from '../../../shared/schemas';
import { summarizeReport } from '../../../shared/report-export/summary';
import { CopyButton } from '../components/CopyButton';

/**
 * The answer in one sentence at the top of the results ("Your vLLM server answers about 1.8×
 * faster with 3 draft tokens"), then the few sentences behind it. The same words as the
 * HTML/Markdown exports, from summarizeReport, so the screen and the shared report agree.
 */
export function Headline({ report }: { report: Report }) {
  const s = summarizeReport(report);
  const id = useId();
  return (
    <section className={`headline headline-${s.verdict}`} aria-labelledby={id} data-testid="results-headline">
      <h3 id={id} className="headline-text">
        {s.headline}
      </h3>
      <ul className="headline-details">
        {s.details.map((d) => (
          <li key={d}>{d}</li>
        ))}
      </ul>
      <CopyButton text={[s.headline, ...s.details, ...(s.command ? ['', s.command] : [])].join('\n')} what="summary" testId="results-headline-copy" />
    </section>
  );
}
