// @vitest-environment jsdom
import './setup-dom';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { ReportSchema, type Report } from '../../src/shared/schemas';
import { ResultsView } from '../../src/renderer/src/results/ResultsView';
import fixture from './fixtures/report.json';
import { multiLevelReport as build } from './fixtures/multi-level-report';
import { createFakeApi } from './fake-api';
import { renderApp } from './render-app';
import { asPredicted } from './fixtures/predicted';

const single: Report = ReportSchema.parse(fixture);
const multiLevelReport = (o?: Parameters<typeof build>[1]) => build(single, o);
const headerNames = (table: HTMLElement) => within(table).getAllByRole('columnheader').map((h) => (h.querySelector('.term-label') ?? h).textContent);
const bodyRows = (table: HTMLElement) => within(table).getAllByRole('row').slice(1);
const rowOf = (table: HTMLElement, label: string) => within(table).getByRole('rowheader', { name: label }).closest('tr')!;

describe('Results of a multi-level report', () => {
  it('draws tokens/s against concurrency, one line per k, and toggles to the whole server’s output', async () => {
    const user = userEvent.setup();
    render(<ResultsView report={multiLevelReport()} />);
    const chart = screen.getByTestId('chart-load');
    const lines = chart.querySelectorAll('.recharts-line');
    expect(lines).toHaveLength(3);
    const legend = [...chart.querySelectorAll('.recharts-legend-item-text')].map((e) => e.textContent);
    expect(legend).toEqual(['Baseline (k = 0)', 'k = 3', 'k = 5']);
    // A tick at each measured level, on a log axis: 8 sits at log 8 / log 32 = 60% of the way from 1 to 32.
    const xs = [...chart.querySelectorAll('.recharts-xAxis-tick-lines line')].map((l) => Number(l.getAttribute('x1')));
    expect(xs).toHaveLength(3);
    expect((xs[1] - xs[0]) / (xs[2] - xs[0])).toBeCloseTo(Math.log(8) / Math.log(32), 3);
    const paths = () => [...chart.querySelectorAll('.recharts-line-curve')].map((p) => p.getAttribute('d'));
    const perRequest = paths();
    expect(chart.querySelector('figcaption')!.textContent).toMatch(/Tokens\/s of one request/);
    await user.click(screen.getByRole('button', { name: 'Aggregate (whole server)' }));
    expect(screen.getByRole('button', { name: 'Aggregate (whole server)' }).getAttribute('aria-pressed')).toBe('true');
    expect(chart.querySelector('figcaption')!.textContent).toMatch(/Tokens\/s of the whole server/);
    // Another figure per point: the curves are redrawn, not relabelled.
    expect(paths()).toHaveLength(3);
    expect(paths()).not.toEqual(perRequest);
  });

  it('lists the pick at each level: k, per-request and aggregate tok/s, speedup vs that level’s baseline, the reason', () => {
    const report = multiLevelReport();
    render(<ResultsView report={report} />);
    const table = screen.getByTestId('level-picks-table');
    expect(bodyRows(table)).toHaveLength(3);
    const at8 = bodyRows(table).find((r) => r.getAttribute('data-level') === '8')!;
    expect(within(at8).getByRole('rowheader').textContent).toBe('8 (recommended for)');
    for (const text of ['k = 3', '38.0 tok/s', '301.2 tok/s', '+11.3%', 'medium', 'best conservative score']) expect(at8.textContent).toContain(text);
    const at32 = bodyRows(table).find((r) => r.getAttribute('data-level') === '32')!;
    expect(at32.textContent).toContain('Baseline (k = 0)');
    expect(at32.textContent).toContain('702.3 tok/s');
    expect(at32.textContent).toContain('baseline: no k beats it');
    expect(within(table).queryByTestId('level-unstable')).toBeNull();
    // The overall recommendation says which load it is for.
    expect(screen.getByTestId('rec-level').textContent).toContain('For 8 concurrent requests');
  });

  it('marks an unstable pick and says why in words', () => {
    const report = multiLevelReport();
    report.recommendation!.byConcurrency![1] = { ...report.recommendation!.byConcurrency![1], unstable: true };
    render(<ResultsView report={ReportSchema.parse(report)} />);
    const at8 = bodyRows(screen.getByTestId('level-picks-table')).find((r) => r.getAttribute('data-level') === '8')!;
    expect(within(at8).getByTestId('level-unstable').textContent).toContain('its rounds varied by more than 10% of their median');
  });

  it('shows the schedule as batch ranges, confirmed, with its note and a Copy for its command', () => {
    const report = multiLevelReport();
    render(<ResultsView report={report} />);
    const card = screen.getByTestId('schedule');
    expect([...within(card).getByTestId('schedule-entries').querySelectorAll('li')].map((li) => li.textContent)).toEqual([
      'batch 1–4: k=5',
      'batch 5–16: k=3',
      'batch 17–1024: k=0 (no speculation)',
    ]);
    expect(within(card).getByTestId('schedule-status').textContent).toMatch(/^Confirmed/);
    expect(within(card).getByTestId('schedule-note').textContent).toBe(report.recommendation!.schedule!.note);
    expect(within(card).getByTestId('schedule-command').textContent).toBe(report.recommendation!.schedule!.command);
    expect(within(card).getByRole('button', { name: 'Copy schedule command' })).toBeTruthy();
    expect(within(card).queryByTestId('schedule-fallback')).toBeNull();
  });

  it('a schedule that failed its check says so and falls back to the one k; an engine without schedules gets the one k', () => {
    const { unmount } = render(<ResultsView report={multiLevelReport({ schedule: 'slower' })} />);
    let card = screen.getByTestId('schedule');
    expect(within(card).getByTestId('schedule-status').textContent).toMatch(/^Not confirmed: the check run/);
    expect(within(card).getByTestId('schedule-fallback').textContent).toBe('Fallback: k = 3, picked for 8 concurrent requests.');
    unmount();
    render(<ResultsView report={multiLevelReport({ schedule: 'none' })} />);
    card = screen.getByTestId('schedule');
    expect(within(card).queryByTestId('schedule-entries')).toBeNull();
    expect(within(card).getByTestId('schedule-fallback').textContent).toContain('keep the recommendation above (k = 3, picked for 8 concurrent requests)');
  });

  it('per-k table and charts show one level at a time, the target first; above 1 with aggregate and latency p50/p99 and unstable cells marked', async () => {
    const user = userEvent.setup();
    render(<ResultsView report={multiLevelReport()} />);
    const picker = screen.getByTestId('level-picker') as HTMLSelectElement;
    expect(picker.value).toBe('8');
    let table = screen.getByTestId('config-table');
    expect(within(table).getByText('Configurations at 8 concurrent requests')).toBeTruthy();
    expect(headerNames(table)).toEqual(expect.arrayContaining(['Aggregate', 'TTFT p50', 'TTFT p99', 'ITL p50', 'ITL p99']));
    expect(bodyRows(table)).toHaveLength(3);
    const k3 = rowOf(table, '3 tokens');
    for (const text of ['38.0 tok/s', '301.2 tok/s', '110 ms', '260 ms', '49 ms', '93 ms', '★ recommended']) expect(k3.textContent).toContain(text);
    const k5 = rowOf(table, '5 tokens');
    expect(k5.className).toBe('row-unstable');
    expect(within(k5).getByTestId('config-unstable').textContent).toContain('unstable');
    // One bar per k at this level, not one per (k, level).
    expect(screen.getByTestId('chart-throughput').querySelectorAll('.recharts-bar-rectangle path')).toHaveLength(3);

    await user.selectOptions(picker, '32');
    table = screen.getByTestId('config-table');
    expect(bodyRows(table)).toHaveLength(3);
    expect(rowOf(table, 'No spec').textContent).toContain('702.3 tok/s');
    expect(rowOf(table, 'No spec').textContent).toContain('★ recommended');
    expect(rowOf(table, '3 tokens').textContent).not.toContain('★');
    expect(within(table).queryByTestId('config-unstable')).toBeNull();

    await user.selectOptions(picker, '1');
    table = screen.getByTestId('config-table');
    expect(within(table).getByText('Configurations')).toBeTruthy();
    // Level 1 keeps the single-request columns.
    expect(headerNames(table)).not.toContain('TTFT p99');
    expect(headerNames(table)).toContain('TTFT');
    expect(rowOf(table, '5 tokens').textContent).toContain('52.3 tok/s');
    expect(rowOf(table, '5 tokens').textContent).toContain('★ recommended');
  });

  it('a single-level report looks as before: no load section, no picker, the usual columns', () => {
    render(<ResultsView report={single} />);
    expect(screen.queryByTestId('load-levels')).toBeNull();
    expect(screen.queryByTestId('level-picker')).toBeNull();
    expect(screen.queryByTestId('chart-load')).toBeNull();
    expect(screen.queryByTestId('rec-level')).toBeNull();
    const table = screen.getByTestId('config-table');
    expect(headerNames(table)).toEqual(['Config', 'Tok/s', '95% interval', 'Spread p10–p90', 'Time', 'TTFT', 'Speedup', 'Acceptance', 'Requests', 'Best']);
    expect(bodyRows(table)).toHaveLength(single.configurations.length);
  });
});

describe('Adaptive report: the predicted k-curve', () => {
  // k = 5 was predicted, not measured: what an adaptive sweep writes (requests 0, figure in `prediction`).
  const adaptive = ReportSchema.parse({
    ...fixture,
    configurations: fixture.configurations.map((c) =>
      c.numSpeculativeTokens === 5
        ? { ...c, ...asPredicted({ tokensPerSecond: 51.2, interval: [47.9, 54.6], basedOnK: [3, 7], acceptanceFromK: 7, method: 'per-position-acceptance' }) }
        : { ...c, predicted: false },
    ),
  });

  it('draws the predicted curve dashed with its interval band, measured k as solid dots, and says "predicted (not measured)"', () => {
    render(<ResultsView report={adaptive} />);
    const chart = screen.getByTestId('chart-k-curve');
    const curve = chart.querySelector('.recharts-line-curve')!;
    expect(curve.getAttribute('stroke-dasharray')).toBe('6 4');
    expect(chart.querySelector('.recharts-area-area')).not.toBeNull();
    // Three measured k, three dots; the predicted one is no dot.
    expect(chart.querySelectorAll('.recharts-scatter-symbol')).toHaveLength(3);
    const legend = [...chart.querySelectorAll('.recharts-legend-item-text')].map((e) => e.textContent);
    expect(legend).toEqual(expect.arrayContaining(['predicted (not measured)', 'measured']));
    // The bar chart of measurements has no bar for it, and the table keeps it marked.
    expect(screen.getByTestId('chart-throughput').querySelectorAll('.recharts-bar-rectangle path')).toHaveLength(3);
    expect(within(screen.getByTestId('config-table')).getByRole('rowheader', { name: '5 tokens (predicted)' })).toBeTruthy();
  });

  it('a report with nothing predicted has no k-curve chart', () => {
    render(<ResultsView report={single} />);
    expect(screen.queryByTestId('chart-k-curve')).toBeNull();
  });
});

describe('Sweep screen during a multi-level run', () => {
  it('names the level being measured, keeps a k at each load apart in the live chart, and tables only the target level', async () => {
    const user = userEvent.setup();
    const report = multiLevelReport();
    const fake = createFakeApi({ 'sweep:start': () => ({ runId: 'lv' }) });
    renderApp(fake.api);
    await user.type(await screen.findByLabelText('Model'), 'demo/simulated-7b');
    await user.selectOptions(screen.getByLabelText('Speculation method'), 'ngram');
    await user.click(screen.getByTestId('nav-sweep'));
    await user.click(await screen.findByRole('button', { name: 'Run sweep' }));
    await waitFor(() => expect(fake.callsTo('sweep:start')).toHaveLength(1));
    act(() =>
      fake.emit('sweep:progress', {
        phase: 'measuring', done: 40, total: 396, etaSeconds: 300, elapsedSeconds: 30, numSpeculativeTokens: 3, configIndex: 1, configCount: 3,
        promptType: 'code', systemPrompt: 'direct', repeat: 1, concurrency: 8,
      }),
    );
    expect(screen.getByTestId('sweep-progress').textContent).toContain('k = 3 at 8 concurrent requests');
    const k3 = report.measurements.filter((m) => m.numSpeculativeTokens === 3);
    act(() => [...k3.filter((m) => !m.concurrency).slice(0, 2), ...k3.filter((m) => m.concurrency === 8).slice(0, 2)].forEach((m) => fake.emit('sweep:measurement', m)));
    const legend = [...screen.getByTestId('chart-live').querySelectorAll('.recharts-legend-item-text')].map((e) => e.textContent);
    expect(legend).toEqual(['k = 3', 'k = 3 at 8 concurrent']);
    act(() => fake.emit('sweep:report', report));
    const table = within(screen.getByTestId('sweep-partial')).getByTestId('config-table');
    expect(within(table).getByText('Configurations at 8 concurrent requests')).toBeTruthy();
    expect(bodyRows(table)).toHaveLength(3);
    expect(rowOf(table, '3 tokens').textContent).toContain('★ recommended');
  });
});
