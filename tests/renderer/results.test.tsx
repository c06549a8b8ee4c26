// @vitest-environment jsdom
import './setup-dom';
import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ReportSchema, type Report } from '../../src/shared/schemas';
import { ResultsView } from '../../src/renderer/src/results/ResultsView';
import fixture from './fixtures/report.json';

// Built by the lead's report builder from simulator-like measurements; parse proves it is the real shape.
const report: Report = ReportSchema.parse(fixture);

describe('Results view on a real report', () => {
  it('draws the seed-guide configuration table with units and the best row marked', () => {
    render(<ResultsView report={report} />);
    const table = screen.getByTestId('config-table');
    // A header's visible name; its explanation (a tooltip) is in the header too.
    const headers = within(table).getAllByRole('columnheader').map((h) => (h.querySelector('.term-label') ?? h).textContent);
    expect(headers).toEqual(expect.arrayContaining(['Config', 'Tok/s', 'Time', 'Speedup', 'Best']));
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(report.configurations.length);

    const bestK = report.recommendation!.numSpeculativeTokens;
    const best = report.configurations.find((c) => c.numSpeculativeTokens === bestK)!;
    const bestRow = rows.find((r) => r.textContent?.includes('★ recommended'))!;
    expect(bestRow).toBeTruthy();
    expect(within(bestRow).getByRole('rowheader').textContent).toBe(best.label);
    expect(bestRow.textContent).toContain(`${best.tokensPerSecond!.toFixed(1)} tok/s`);
    expect(bestRow.textContent).toContain(`+${best.speedupPercent!.toFixed(1)}%`);
    expect(bestRow.textContent).toContain(`${(best.acceptanceRate! * 100).toFixed(1)}%`);
    // Exactly one best row.
    expect(rows.filter((r) => r.textContent?.includes('★ recommended'))).toHaveLength(1);
    // Baseline says so instead of a 0% speedup.
    expect(rows[0].textContent).toContain('baseline');
  });

  it('draws the prompt-type table (Type / Baseline / Speculative / Speedup) from byPromptType', () => {
    render(<ResultsView report={report} />);
    const table = screen.getByTestId('prompt-type-table');
    // A header's visible name; its explanation (a tooltip) is in the header too.
    const headers = within(table).getAllByRole('columnheader').map((h) => (h.querySelector('.term-label') ?? h).textContent);
    expect(headers).toEqual(expect.arrayContaining(['Type', 'Baseline', 'Speculative', 'Speedup']));
    for (const g of report.byPromptType) {
      const row = within(table).getByRole('rowheader', { name: g.label }).closest('tr')!;
      expect(row.textContent).toContain(`${g.baselineTokensPerSecond!.toFixed(1)} tok/s`);
      expect(row.textContent).toContain(`${g.speculativeTokensPerSecond!.toFixed(1)} tok/s`);
    }
    expect(within(screen.getByTestId('system-prompt-table')).getAllByRole('row')).toHaveLength(report.bySystemPrompt.length + 1);
  });

  it('shows the recommendation panel: k, tok/s, speedup, confidence, reason, best use case, warnings, command', () => {
    render(<ResultsView report={report} />);
    const r = report.recommendation!;
    const panel = screen.getByTestId('recommendation');
    expect(within(panel).getByTestId('rec-k').textContent).toBe(`k = ${r.numSpeculativeTokens}`);
    expect(within(panel).getByTestId('rec-tps').textContent).toBe(`${r.tokensPerSecond!.toFixed(1)} tok/s`);
    expect(within(panel).getByTestId('rec-speedup').textContent).toBe(`+${r.speedupPercent!.toFixed(1)}%`);
    expect(within(panel).getByTestId('rec-confidence').textContent).toBe(r.confidence);
    expect(within(panel).getByTestId('rec-reason').textContent).toBe(r.reason);
    expect(within(panel).getByTestId('rec-best-use').textContent).toContain(report.bestUseCase!.label);
    expect(within(panel).getByTestId('rec-command').textContent).toBe(r.command);
    expect(within(panel).getByTestId('warnings').textContent).toContain(report.warnings[0].message);
  });

  it('labels simulated numbers SIMULATED, and real ones not', () => {
    const { unmount } = render(<ResultsView report={report} />);
    expect(screen.getAllByTestId('simulated-label').length).toBeGreaterThanOrEqual(2);
    unmount();
    const real = ReportSchema.parse({ ...fixture, server: { ...fixture.server, simulated: false }, warnings: [] });
    render(<ResultsView report={real} />);
    expect(screen.queryByTestId('simulated-label')).toBeNull();
  });

  it('draws the charts as SVG: one bar per configuration, the best in its own colour, CI error bars', () => {
    const { container } = render(<ResultsView report={report} />);
    for (const id of ['chart-throughput', 'chart-by-prompt', 'chart-by-system', 'chart-ttft', 'chart-acceptance']) {
      expect(screen.getByTestId(id).querySelector('.recharts-wrapper > svg.recharts-surface'), id).not.toBeNull();
    }
    const bars = screen.getByTestId('chart-throughput').querySelectorAll('.recharts-bar-rectangle path');
    expect(bars).toHaveLength(report.configurations.length);
    const fills = [...bars].map((b) => b.getAttribute('fill'));
    expect(fills.filter((f) => f === 'var(--best)')).toHaveLength(1);
    expect(screen.getByTestId('chart-throughput').querySelectorAll('.recharts-errorBar').length).toBeGreaterThan(0);
    expect(container.textContent).toContain('★');
  });

  it('a cancelled run with nothing finished says so instead of drawing empty charts', () => {
    const partial = ReportSchema.parse({
      ...fixture,
      status: 'cancelled',
      measurements: [],
      configurations: [],
      byPromptType: [],
      bySystemPrompt: [],
      recommendation: null,
      bestUseCase: null,
    });
    render(<ResultsView report={partial} />);
    expect(screen.getByTestId('report-status').textContent).toBe('cancelled');
    expect(screen.getByText(/No recommendation yet/)).toBeTruthy();
    expect(screen.getByText(/No configuration has finished yet/)).toBeTruthy();
    expect(screen.getByTestId('chart-throughput').querySelector('svg')).toBeNull();
  });
});
