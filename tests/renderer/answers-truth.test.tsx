// @vitest-environment jsdom
/**
 * Issue 20, items 1–7, 15 and 17, and issue 17's app items: every answer the app gives tells the
 * truth in the user's words. Each case is a report the services really send (the fixture, parsed)
 * changed where the issue found a screen wrong.
 */
import './setup-dom';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { ReportSchema, SweepPlanSchema, type ConfigurationResult, type LevelDecision, type Report, type SweepProgress } from '../../src/shared/schemas';
import { ResultsView } from '../../src/renderer/src/results/ResultsView';
import { CompareTable } from '../../src/renderer/src/results/CompareTable';
import { seriesStyle, wrapLabel } from '../../src/renderer/src/results/charts';
import { StoreProvider } from '../../src/renderer/src/state/context';
import { createAppStore } from '../../src/renderer/src/state/store';
import { createFakeApi } from './fake-api';
import { renderApp } from './render-app';
import { multiLevelReport } from './fixtures/multi-level-report';
import fixture from './fixtures/report.json';
import { lmStudioReport as lmStudioFixture } from './fixtures/lmstudio-report';

const report: Report = ReportSchema.parse(fixture);
const parse = (r: unknown): Report => ReportSchema.parse(r);

/** ResultsView inside a store, as the app draws it (the edge-of-grid offer runs through the store). */
function renderResults(r: Report) {
  const fake = createFakeApi({ 'sweep:start': () => ({ runId: 'again-1' }) });
  const store = createAppStore(fake.api, { screen: 'results' });
  render(
    <StoreProvider store={store}>
      <ResultsView report={r} />
    </StoreProvider>,
  );
  return { fake, store };
}

/** LM Studio compares draft models: its k is its own (null), the setting names the draft model. */
const lmStudioReport = () => parse(lmStudioFixture(report));

/** An adaptive run: k = 0, 3, 5, 7 measured, 1, 2, 4, 6, 8 predicted from them. */
function adaptiveReport(): Report {
  const r = structuredClone(report);
  const predicted = [1, 2, 4, 6, 8].map(
    (k): ConfigurationResult => ({
      ...r.configurations[1],
      numSpeculativeTokens: k,
      label: `${k} tokens`,
      requests: 0,
      errors: 0,
      tokensPerSecond: null,
      tokensPerSecondCI: null,
      speedupPercent: null,
      speedupPercentCI: null,
      acceptanceRate: null,
      predicted: true,
      prediction: { tokensPerSecond: 40 + k, interval: [38 + k, 42 + k], basedOnK: [3, 5], acceptanceFromK: 5, method: 'per-position-acceptance' },
    }),
  );
  r.configurations = [...r.configurations, ...predicted].sort((a, b) => a.numSpeculativeTokens! - b.numSpeculativeTokens!);
  r.plan = { ...r.plan, tokens: [0, 1, 2, 3, 4, 5, 6, 7, 8], strategy: 'adaptive' };
  return parse(r);
}

/** The embedded engine on a tiny pair: every k loses, 472 tok/s against 1,187 without. */
function losingReport(): Report {
  const r = structuredClone(report);
  const base = r.configurations[0];
  base.tokensPerSecond = 1187;
  r.configurations.slice(1).forEach((c, i) => {
    c.tokensPerSecond = 472 - i * 40;
    c.speedupPercent = Number(((c.tokensPerSecond / 1187 - 1) * 100).toFixed(1));
  });
  r.recommendation = {
    ...r.recommendation!,
    numSpeculativeTokens: 0,
    tokensPerSecond: 1187,
    speedupPercent: 0,
    reason: 'Keep speculation off: the best speculative setting, k=3, is 2.5× slower than without it.',
  };
  r.bestUseCase = null;
  r.theory = { alpha: 0.6, costRatio: 0.9, predictedOptimalK: 1, note: 'Per-token acceptance α≈0.60 and a draft step costing ≈90% of a target step predict k=1 as the optimum (Leviathan et al., 2023).' };
  for (const c of r.configurations) c.tiesWithBest = c.numSpeculativeTokens === 0;
  return parse(r);
}

const decision = (d: Partial<LevelDecision>): LevelDecision => ({
  concurrency: 1,
  strategy: 'adaptive',
  measured: [],
  predicted: [],
  extraRounds: [],
  stoppedBecause: 'separated',
  confidence: 'high',
  comparison: null,
  summary: 'k=5 is the fastest.',
  ...d,
});

describe('LM Studio: the answer names the draft model and where to set it (item 1)', () => {
  it('the Recommendation card says "Draft model: <name>", never "k = null", and Results has the how-to-set block', () => {
    const r = lmStudioReport();
    render(<ResultsView report={r} />);
    const panel = screen.getByTestId('recommendation');
    expect(panel.textContent).not.toContain('null');
    const stat = within(panel).getByTestId('rec-k');
    expect(stat.textContent).toBe('qwen2.5-0.5b-instruct');
    expect(stat.parentElement!.textContent).toContain('Draft model');
    const how = within(panel).getByTestId('how-to-set');
    expect(within(how).getByRole('heading').textContent).toBe('How to set it');
    expect(within(how).getByTestId('rec-command').textContent).toBe(r.recommendation!.setting);
    expect(within(how).getByRole('button', { name: 'Copy setting' })).toBeTruthy();
  });
});

describe('LM Studio elsewhere: History and the Sweep screen name the draft model too (item 1)', () => {
  it('History\'s Best k is the draft model, not "—"', async () => {
    const fake = createFakeApi({
      'history:list': () => [
        { runId: 'lm-1', createdAt: '2026-12-01T10:00:00.000Z', status: 'complete', model: 'qwen2.5-7b-instruct', simulated: true, recommendedK: null, recommendedDraftModel: 'qwen2.5-0.5b-instruct', speedupPercent: 31.2, reportPath: '/d/lm-1/test_results.json' },
      ],
    });
    renderApp(fake.api, 'history');
    const row = (await screen.findByText('qwen2.5-7b-instruct', { exact: false })).closest('tr')!;
    expect(within(row).getAllByRole('cell')[2].textContent).toBe('draft qwen2.5-0.5b-instruct');
  });

  it('the Sweep screen shows where to set it when the run ends', async () => {
    const fake = createFakeApi();
    const { store } = renderApp(fake.api, 'sweep');
    await waitFor(() => expect(fake.callsTo('sweep:state')).toHaveLength(1));
    await act(async () => {});
    act(() => store.setState((s) => ({ sweep: { ...s.sweep, running: false, status: 'complete', report: lmStudioReport(), runId: 'lm-2' } })));
    const answer = await screen.findByTestId('sweep-answer');
    expect(within(answer).getByTestId('sweep-command').textContent).toBe(lmStudioReport().recommendation!.setting);
  });
});

describe('adaptive runs say what was measured and what predicted (item 2)', () => {
  it('"4 measured, 5 predicted" instead of "9 settings were compared"; predicted rows show their figure, marked', () => {
    const r = adaptiveReport();
    render(<ResultsView report={r} />);
    const headline = screen.getByTestId('results-headline');
    expect(headline.textContent).toContain('4 measured, 5 predicted');
    expect(headline.textContent).not.toMatch(/9 settings were compared/);
    const rows = within(screen.getByTestId('config-table')).getAllByRole('row').slice(1);
    const k4 = rows.find((row) => within(row).getByRole('rowheader').textContent!.startsWith('4 tokens'))!;
    const figures = within(k4).getAllByTestId('predicted-figure');
    expect(figures[0].textContent).toBe('≈44.0 tok/s predicted');
    expect(figures[1].textContent).toBe('42.0–46.0 tok/s predicted');
    expect(k4.textContent).toMatch(/≈\+\d+\.\d% predicted/);
  });

  it('History\'s side by side shows a predicted k\'s figure, marked, not "—"', () => {
    render(<CompareTable a={report} b={adaptiveReport()} />);
    const row = within(screen.getByTestId('compare-table')).getByRole('rowheader', { name: 'k = 4 tok/s' }).closest('tr')!;
    expect(within(row).getAllByRole('cell').map((c) => c.textContent)).toEqual(['—', '≈44.0 tok/s predicted']);
  });

  it('the progress line at the end reads as done: "Done: 4 measured, 5 predicted", not "configuration 4 of 9"', async () => {
    const fake = createFakeApi({ 'sweep:start': () => ({ runId: 'ad-1' }) });
    const user = userEvent.setup();
    renderApp(fake.api, 'sweep');
    await user.click(await screen.findByRole('button', { name: 'Run sweep' }));
    const end: SweepProgress = {
      phase: 'done', done: 48, total: 48, etaSeconds: 0, elapsedSeconds: 60, numSpeculativeTokens: 3, configIndex: 3, configCount: 9, promptType: null, systemPrompt: null, repeat: null,
    };
    act(() => {
      fake.emit('sweep:progress', end);
      fake.emit('sweep:report', adaptiveReport());
      fake.emit('sweep:done', { runId: 'ad-1', status: 'complete', reportPath: null, error: null });
    });
    const line = await screen.findByTestId('sweep-progress-end');
    expect(line.textContent).toBe('Done: 4 measured, 5 predicted');
    expect(screen.getByTestId('sweep-progress').textContent).not.toMatch(/configuration \d of|k = 3/);
  });
});

describe('a losing run says how much it loses and why (item 4)', () => {
  it('"2.5× slower", the per-call overhead, no best use case, no fitted k next to "keep it off"', () => {
    render(<ResultsView report={losingReport()} />);
    const headline = screen.getByTestId('results-headline');
    expect(headline.textContent).toContain('Speculation did not pay: keep it off.');
    expect(headline.textContent).toContain('against 1187.0 tok/s without it: 2.5× slower.');
    expect(headline.textContent).toMatch(/fixed cost of each draft call dominates/);
    expect(headline.textContent).not.toContain('not clearly faster');
    expect(screen.queryByTestId('rec-best-use')).toBeNull();
    expect(screen.getByTestId('recommendation').textContent).not.toMatch(/predict k=1|fit predicts/);
  });
});

describe('per-prompt best k says which rule decided it (item 5)', () => {
  it('shows bestNote beside the figure', () => {
    const r = structuredClone(report);
    r.byPromptType[0] = { ...r.byPromptType[0], bestNumSpeculativeTokens: 3, bestNote: 'k=5 measured +0.4% more, within noise: the smaller k is kept' };
    render(<ResultsView report={parse(r)} />);
    const row = within(screen.getByTestId('prompt-type-table')).getByRole('rowheader', { name: r.byPromptType[0].label }).closest('tr')!;
    const cells = within(row).getAllByRole('cell');
    expect(cells[2].textContent).toBe('3 (k=5 measured +0.4% more, within noise: the smaller k is kept)');
  });
});

describe('load runs show the whole recommendation (item 6)', () => {
  it('One click shows the schedule command, wrapped, and the per-load table', async () => {
    const r = multiLevelReport(report);
    // The engine's one-k words, which the schedule must not sit beside.
    r.recommendation!.setting = 'num_speculative_tokens = 3';
    const fake = createFakeApi();
    const { store } = renderApp(fake.api, 'oneclick');
    act(() => store.setState((s) => ({ sweep: { ...s.sweep, oneClick: true, kind: 'optimize', running: false, status: 'complete', report: r, runId: 'load-1' } })));
    const answer = await screen.findByTestId('oneclick-answer');
    const setting = within(answer).getByTestId('oneclick-setting');
    expect(setting.textContent).toBe(r.recommendation!.schedule!.command);
    expect(setting.classList.contains('wrap')).toBe(true);
    expect(within(answer).getByTestId('oneclick-setting-schedule').textContent).toMatch(/batch 1/);
    expect(within(answer).getByTestId('level-picks-table')).toBeTruthy();
    // Not the one k's words beside it: the schedule is the answer.
    expect(within(answer).queryByTestId('oneclick-setting-words')).toBeNull();
    // On Results the schedule card's own line wraps too.
    render(<ResultsView report={r} />);
    expect(screen.getByTestId('schedule-command').classList.contains('wrap')).toBe(true);
  });

  it('twelve live series differ in colour and dash pattern together', () => {
    const looks = Array.from({ length: 12 }, (_, i) => seriesStyle(i));
    expect(new Set(looks.map((l) => `${l.colour}|${l.dash}`)).size).toBe(12);
  });
});

describe('edge of the grid (item 7)', () => {
  function edgeReport(k: number, tokens: number[]): Report {
    const r = structuredClone(report);
    r.recommendation = { ...r.recommendation!, numSpeculativeTokens: k };
    r.plan = { ...r.plan, tokens };
    r.warnings = [...r.warnings, { kind: 'edge-of-grid', numSpeculativeTokens: k, message: `k=${k} is at the edge of the grid` }];
    return parse(r);
  }

  it('says a larger k may be faster and "Extend the search" reruns the plan with the grid extended', async () => {
    const user = userEvent.setup();
    const { fake } = renderResults(edgeReport(7, [0, 3, 5, 7]));
    const edge = screen.getByTestId('grid-edge');
    expect(edge.textContent).toContain('k=7 is the largest k tried, so a larger k may be faster.');
    await user.click(within(edge).getByRole('button', { name: 'Extend the search' }));
    await waitFor(() => expect(fake.callsTo('sweep:start')).toHaveLength(1));
    expect(SweepPlanSchema.parse(fake.callsTo('sweep:start')[0]).tokens).toEqual([0, 3, 5, 7, 8, 9, 10, 11, 12, 13, 14]);
  });

  it('a pick at the smallest k says a smaller k may be faster, and the extension adds the k below', async () => {
    const user = userEvent.setup();
    const { fake } = renderResults(edgeReport(3, [0, 3, 5, 7]));
    expect(screen.getByTestId('grid-edge').textContent).toContain('k=3 is the smallest k above 0 tried, so a smaller k may be faster.');
    await user.click(screen.getByRole('button', { name: 'Extend the search' }));
    await waitFor(() => expect(fake.callsTo('sweep:start')).toHaveLength(1));
    expect(SweepPlanSchema.parse(fake.callsTo('sweep:start')[0]).tokens).toEqual([0, 1, 2, 3, 5, 7]);
  });

  it('no offer when the pick is inside the grid', () => {
    render(<ResultsView report={report} />);
    expect(screen.queryByTestId('grid-edge')).toBeNull();
  });
});

describe('the decision in words (issue 17)', () => {
  it('the headline says which rule decided and how sure: "k=5, decided: 7% faster than k=3 (interval 4–10%)"', () => {
    const r = structuredClone(report);
    r.decision = [decision({ comparison: { a: { numSpeculativeTokens: 5 }, b: { numSpeculativeTokens: 3 }, ratio: 1.07, interval: [1.04, 1.1], looks: 3 } })];
    render(<ResultsView report={parse(r)} />);
    expect(screen.getByTestId('headline-decision').textContent).toBe('k=5, decided: 7% faster than k=3 (interval 4–10%).');
  });

  it('One click says it in words under its headline', async () => {
    const r = structuredClone(report);
    r.decision = [decision({ stoppedBecause: 'tie', comparison: { a: { numSpeculativeTokens: 7 }, b: { numSpeculativeTokens: 5 }, ratio: 1.004, interval: [0.98, 1.03], looks: 3 } })];
    const { store } = renderApp(createFakeApi().api, 'oneclick');
    act(() => store.setState((s) => ({ sweep: { ...s.sweep, oneClick: true, kind: 'optimize', running: false, status: 'complete', report: parse(r), runId: 'tie-1' } })));
    const words = 'k=5, decided: as fast as k=7 (within 1%), and it drafts fewer tokens per step.';
    expect((await screen.findByTestId('oneclick-decision')).textContent).toBe(words);
    // Said once: the recommendation panel below keeps to the figures and the why.
    expect(screen.getAllByText(words)).toHaveLength(1);
    expect(screen.getAllByTestId('how-to-set')).toHaveLength(1);
  });

  it('at the cap, low confidence: more repeats would decide it', () => {
    const r = structuredClone(report);
    r.decision = [decision({ stoppedBecause: 'cap', confidence: 'low', comparison: { a: { numSpeculativeTokens: 5 }, b: { numSpeculativeTokens: 3 }, ratio: 1.05, interval: [0.97, 1.14], looks: 7 } })];
    render(<ResultsView report={parse(r)} />);
    expect(screen.getByTestId('headline-decision').textContent).toBe('k=5, low confidence: it and k=3 are not yet told apart; more repeats would decide it.');
  });
});

describe('runs read as they are (item 15)', () => {
  it('mid-run the baseline never carries the ★', async () => {
    const fake = createFakeApi();
    const { store } = renderApp(fake.api, 'sweep');
    // After the start-up resync, which would say no run is going.
    await waitFor(() => expect(store.getState().builtinPromptTypes.length).toBeGreaterThan(0));
    await waitFor(() => expect(fake.callsTo('sweep:state')).toHaveLength(1));
    await act(async () => {});
    const early = structuredClone(report);
    early.configurations = early.configurations.slice(0, 1);
    early.recommendation = { ...early.recommendation!, numSpeculativeTokens: 0 };
    act(() => store.setState((s) => ({ sweep: { ...s.sweep, running: true, kind: 'sweep', report: parse(early) } })));
    const table = await screen.findByTestId('config-table');
    expect(table.textContent).toContain('No spec');
    expect(table.textContent).not.toContain('★');
    expect(screen.getByTestId('chart-throughput').textContent).not.toContain('(k = 0) ★');
  });

  it('"Speedup by prompt type" names every group, a long name wrapped onto lines rather than skipped', () => {
    expect(wrapLabel('Creative problem-solving')).toEqual(['Creative', 'problem-solving']);
    render(<ResultsView report={report} />);
    const ticks = [...screen.getByTestId('chart-by-prompt').querySelectorAll('text.recharts-cartesian-axis-tick-value[text-anchor="middle"]')];
    expect(ticks.map((t) => [...t.querySelectorAll('tspan')].map((l) => l.textContent).join(' '))).toEqual(report.byPromptType.map((g) => g.label));
  });

  it('each screen opens at its top', async () => {
    const user = userEvent.setup();
    renderApp(createFakeApi().api, 'sweep');
    const page = document.scrollingElement ?? document.documentElement;
    let top = 0;
    Object.defineProperty(page, 'scrollTop', { configurable: true, get: () => top, set: (v: number) => (top = v) });
    top = 900;
    await user.click(screen.getByTestId('nav-history'));
    expect(top).toBe(0);
  });
});
