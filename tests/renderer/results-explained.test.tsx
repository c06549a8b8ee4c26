// @vitest-environment jsdom
import './setup-dom';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { ReportSchema, type Report } from '../../src/shared/schemas';
import { ResultsView } from '../../src/renderer/src/results/ResultsView';
import { GLOSSARY } from '../../src/renderer/src/results/glossary';
import { tieSentence } from '../../src/renderer/src/results/ties';
import { summarizeReport } from '../../src/shared/report-export/summary';
import fixture from './fixtures/report.json';

const report: Report = ReportSchema.parse(fixture);

/** The fixture recommends k=5, the fastest; this variant is issue 11's case: k=5 fastest, k=3 recommended, the two tie. */
function tiedReport(): Report {
  const r = structuredClone(report);
  for (const c of r.configurations) c.tiesWithBest = c.numSpeculativeTokens === 3 || c.numSpeculativeTokens === 5;
  const k3 = r.configurations.find((c) => c.numSpeculativeTokens === 3)!;
  r.recommendation = { ...r.recommendation!, numSpeculativeTokens: 3, tokensPerSecond: k3.tokensPerSecond, speedupPercent: k3.speedupPercent };
  return ReportSchema.parse(r);
}

describe('Results explain themselves (issue 11, findings 4 and 5)', () => {
  it('leads with the answer in a sentence, the same one the exported reports use', () => {
    render(<ResultsView report={report} />);
    const headline = screen.getByTestId('results-headline');
    expect(within(headline).getByRole('heading').textContent).toBe(summarizeReport(report).headline);
    expect(headline.textContent).toMatch(/answers about \d\.\d× faster with 5 draft tokens/);
    // First thing in the view, before the recommendation panel.
    expect(screen.getByTestId('results-view').firstElementChild).toBe(headline);
  });

  it('explains each term on keyboard focus through aria-describedby, and Escape hides it', async () => {
    const user = userEvent.setup();
    render(<ResultsView report={report} />);
    const table = screen.getByTestId('config-table');
    const info = within(table).getByRole('button', { name: 'What is 95% interval (CI)?' });
    const tip = document.getElementById(info.getAttribute('aria-describedby')!)!;
    expect(tip.getAttribute('role')).toBe('tooltip');
    expect(tip.textContent).toBe(GLOSSARY.interval.text);
    // Tab reaches it: it is a real control, not a hover-only title attribute.
    info.blur();
    while (document.activeElement !== info) await user.tab();
    expect(info.closest('.term')!.matches(':focus-within')).toBe(true);
    await user.keyboard('{Escape}');
    expect(info.closest('.term')!.classList.contains('term-dismissed')).toBe(true);
  });

  it('gives every term of the screen a tooltip and a glossary line', () => {
    render(<ResultsView report={report} />);
    const glossary = screen.getByTestId('glossary');
    const terms = within(glossary).getAllByRole('term').map((t) => t.textContent);
    for (const want of ['k (draft tokens)', 'No spec (baseline)', 'tok/s', 'Speedup', '95% interval (CI)', 'Acceptance', 'TTFT', 'Confidence', 'α (alpha)', 'Leviathan et al., 2023', 'Within noise']) {
      expect(terms).toContain(want);
    }
    const described = screen.getAllByRole('button', { name: /^What is / }).map((b) => b.getAttribute('aria-label'));
    for (const want of ['k (draft tokens)', 'tok/s', 'Speedup', 'Confidence', 'TTFT', 'Acceptance', '95% interval (CI)']) {
      expect(described).toContain(`What is ${want}?`);
    }
    // The reason speaks of α and Leviathan et al.: their explanation sits with it behind "Why?" (issue 20, item 17).
    expect(report.recommendation!.reason).toMatch(/Leviathan/);
    const why = within(screen.getByTestId('rec-why')).getByTestId('rec-why-terms');
    expect(within(why).getAllByRole('term').map((t) => t.textContent)).toEqual(expect.arrayContaining([GLOSSARY.alpha.term, GLOSSARY.leviathan.term]));
  });

  it('leads the recommendation with a plain sentence; α, Leviathan et al. and the draft cost wait behind "Why?" (issue 20, item 17)', () => {
    render(<ResultsView report={report} />);
    const panel = screen.getByTestId('recommendation');
    const plain = within(panel).getByTestId('rec-plain');
    expect(plain.textContent).toBe('Use 5 draft tokens: about 1.4× faster than without speculation.');
    const why = within(panel).getByTestId('rec-why');
    // A closed disclosure named "Why?", holding the reason with its statistics and the model.
    expect(why.tagName).toBe('DETAILS');
    expect((why as HTMLDetailsElement).open).toBe(false);
    expect(why.querySelector('summary')!.textContent).toBe('Why?');
    expect(within(why).getByTestId('rec-reason').textContent).toMatch(/α≈0\.86.*draft step costing ≈42%.*Leviathan et al\./);
    // Nothing outside it speaks of α or the paper, and the plain sentence comes first.
    const outside = [...panel.querySelectorAll(':scope > :not(details)')].map((e) => e.textContent).join(' ');
    expect(outside).not.toMatch(/α|Leviathan|draft step costing/);
    expect(plain.compareDocumentPosition(why) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });

  it('marks configurations that tie with the best on the table and the chart, and says why the smaller k is kept', () => {
    const r = tiedReport();
    render(<ResultsView report={r} />);
    const rows = within(screen.getByTestId('config-table')).getAllByRole('row').slice(1);
    const k5 = rows.find((row) => within(row).getByRole('rowheader').textContent === r.configurations[2].label)!;
    const k7 = rows.find((row) => within(row).getByRole('rowheader').textContent === r.configurations[3].label)!;
    expect(k5.textContent).toContain('≈ within noise of the best');
    expect(k7.textContent).not.toContain('within noise');
    const chart = screen.getByTestId('chart-throughput');
    expect(chart.textContent).toContain('k = 5 ≈');
    expect(chart.textContent).toContain('k = 3 ★');
    const note = screen.getByTestId('rec-tie').textContent!;
    expect(note).toContain('k = 5 measured fastest (52.3 tok/s)');
    expect(note).toContain('The smaller k is kept because it is as fast and cheaper');
  });

  it('says nothing about ties when the recommended configuration is the fastest', () => {
    expect(tieSentence(report)).toBeNull();
    render(<ResultsView report={report} />);
    expect(screen.queryByTestId('rec-tie')).toBeNull();
    expect(screen.getByTestId('config-table').textContent).not.toContain('within noise');
  });

  it('puts Copy beside the startup command', async () => {
    const user = userEvent.setup();
    render(<ResultsView report={report} />);
    await user.click(screen.getByTestId('rec-command-copy'));
    expect(await navigator.clipboard.readText()).toBe(report.recommendation!.command);
    expect(screen.getByText('Command copied').getAttribute('role')).toBe('status');
  });

  it('copies the answer in words, with the command, from beside the headline', async () => {
    const user = userEvent.setup();
    render(<ResultsView report={report} />);
    await user.click(screen.getByTestId('results-headline-copy'));
    const text = await navigator.clipboard.readText();
    expect(text.split('\n')[0]).toBe(summarizeReport(report).headline);
    expect(text).toContain(report.recommendation!.command!);
  });
});
