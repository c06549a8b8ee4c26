import { useId } from 'react';
import type { Report } from '../../../shared/schemas';
import { summarizeReport } from '../../../shared/report-export/summary';
import { CopyButton } from '../components/CopyButton';
import { decisionWords } from '../../../shared/report-export/decision-words';

/**
 * The answer in one sentence at the top of the results ("Your vLLM server answers about 1.8×
 * faster with 3 draft tokens"), then the few sentences behind it. The same words as the
 * HTML/Markdown exports, from summarizeReport, so the screen and the shared report agree.
 */
export function Headline({ report }: { report: Report }) {
  const s = summarizeReport(report);
  const decided = decisionWords(report);
  const id = useId();
  return (
    <section className={`headline headline-${s.verdict}`} aria-labelledby={id} data-testid="results-headline">
      <h3 id={id} className="headline-text">
        {s.headline}
      </h3>
      {decided && (
        <p className="headline-decision" data-testid="headline-decision">
          {decided}
        </p>
      )}
      <ul className="headline-details">
        {s.details.map((d) => (
          <li key={d}>{d}</li>
        ))}
      </ul>
      <CopyButton text={[s.headline, ...(decided ? [decided] : []), ...s.details, ...(s.command ? ['', s.command] : [])].join('\n')} what="summary" testId="results-headline-copy" />
    </section>
  );
}
