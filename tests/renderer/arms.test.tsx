// @vitest-environment jsdom
/**
 * Issue 18's app part: the forms name the whole setting to compare (draft models, cut-offs, methods,
 * each only where the engine's descriptor has the knob), One click searches the knobs the engine has
 * with the plan builder's defaults, and Results shows each arm (method, draft model, p_min) apart.
 */
import './setup-dom';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { ReportSchema, SweepPlanSchema } from '../../src/shared/schemas';
import { ResultsView } from '../../src/renderer/src/results/ResultsView';
import fixture from './fixtures/report.json';
import { createFakeApi } from './fake-api';
import { renderApp } from './render-app';
import { asPredicted } from './fixtures/predicted';

type User = ReturnType<typeof userEvent.setup>;

/** The Servers form on an engine that takes a draft model, with one given. */
async function fillServer(user: User, engine: string) {
  await user.selectOptions(await screen.findByLabelText('Engine'), engine);
  await user.type(screen.getByLabelText('Model'), 'demo/simulated-7b');
  await user.type(screen.getByLabelText('Draft model'), 'demo/draft-0.5b');
}

async function setText(user: User, label: string, text: string) {
  const box = screen.getByLabelText(label);
  await user.clear(box);
  if (text) await user.type(box, text);
}

describe('the Sweep form compares the whole setting', () => {
  it('sends the draft models, cut-offs and methods in the plan, and refuses a bad cut-off by the box name on blur', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({ 'sweep:start': () => ({ runId: 'arms' }) });
    renderApp(fake.api);
    await fillServer(user, 'llama.cpp');
    await user.click(screen.getByTestId('nav-sweep'));
    await setText(user, 'Draft models to compare', 'qwen-0.5b.gguf, qwen-1.5b.gguf');
    await setText(user, 'Confidence cut-offs (p_min)', '0, 1.5');
    await user.tab();
    expect(screen.getByText('Confidence cut-offs (p_min): "1.5" is not a cut-off from 0 to 1; give a list like 0,0.3,0.6.')).toBeTruthy();
    expect(screen.getByLabelText('Confidence cut-offs (p_min)').getAttribute('aria-invalid')).toBe('true');
    await user.click(screen.getByRole('button', { name: 'Run sweep' }));
    expect(fake.callsTo('sweep:start')).toHaveLength(0);

    await setText(user, 'Confidence cut-offs (p_min)', '0, 0.5');
    await user.click(screen.getByLabelText('draft-simple'));
    await user.click(screen.getByLabelText('ngram-simple'));
    await user.click(screen.getByRole('button', { name: 'Run sweep' }));
    await waitFor(() => expect(fake.callsTo('sweep:start')).toHaveLength(1));
    expect(SweepPlanSchema.parse(fake.callsTo('sweep:start')[0])).toMatchObject({
      draftModels: ['qwen-0.5b.gguf', 'qwen-1.5b.gguf'],
      draftPMins: [0, 0.5],
      methods: ['draft-simple', 'ngram-simple'],
    });
  });

  it('shows only the knobs the engine has: mlx_lm takes draft models but has no cut-off and no methods', async () => {
    const user = userEvent.setup();
    renderApp(createFakeApi().api);
    await fillServer(user, 'mlx');
    await user.click(screen.getByTestId('nav-sweep'));
    expect(screen.getByLabelText('Draft models to compare')).toBeTruthy();
    expect(screen.queryByLabelText('Confidence cut-offs (p_min)')).toBeNull();
    expect(screen.queryByText('Methods')).toBeNull();
  });
});

describe("One click searches the knobs the engine has with the plan builder's defaults", () => {
  async function oneClick(engine: string) {
    const user = userEvent.setup();
    const fake = createFakeApi({ 'sweep:optimize': () => ({ runId: 'o' }) });
    renderApp(fake.api);
    await fillServer(user, engine);
    await user.click(screen.getByTestId('nav-oneclick'));
    const words = screen.getByTestId('oneclick-plan').textContent!;
    await user.click(screen.getByRole('button', { name: 'Find the best setting' }));
    await waitFor(() => expect(fake.callsTo('sweep:optimize')).toHaveLength(1));
    return { words, plan: SweepPlanSchema.parse(fake.callsTo('sweep:optimize')[0]) };
  }

  it('an engine with a cut-off (llama.cpp) compares p_min 0 and 0.5 over k 0..8 with the draft model named', async () => {
    const { words, plan } = await oneClick('llama.cpp');
    expect(words).toContain('with confidence cut-offs p_min 0 and 0.5.');
    expect(plan).toMatchObject({ tokens: [0, 1, 2, 3, 4, 5, 6, 7, 8], draftPMins: [0, 0.5], server: { engine: 'llama.cpp', draftModel: 'demo/draft-0.5b' } });
  });

  it('an engine without one (mlx_lm) gets no cut-off', async () => {
    const { words, plan } = await oneClick('mlx');
    expect(words).not.toContain('cut-off');
    expect(plan).toMatchObject({ tokens: [0, 1, 2, 3, 4, 5, 6, 7, 8], draftPMins: [], server: { engine: 'mlx', draftModel: 'demo/draft-0.5b' } });
  });
});

describe('Get started compares the draft models named', () => {
  /** Get started on llama.cpp with a model and the draft models typed, one click answered. */
  async function guideOnLlama(drafts: string) {
    const user = userEvent.setup();
    const fake = createFakeApi({ 'sweep:optimize': () => ({ runId: 'g' }) });
    renderApp(fake.api, 'start');
    await waitFor(() => expect(screen.getAllByTestId('engine-card').length).toBeGreaterThan(4));
    await user.click(screen.getAllByTestId('engine-card').find((c) => c.getAttribute('data-engine') === 'llama.cpp')!);
    await user.type(screen.getByLabelText('Model'), 'target.gguf');
    await user.type(screen.getByLabelText('Draft model'), drafts);
    return { user, fake };
  }

  it('several draft models in the box are all compared, the first launched, with the cut-off defaults', async () => {
    const { user, fake } = await guideOnLlama('small.gguf, smaller.gguf');
    await user.click(screen.getByRole('button', { name: 'Find the best setting' }));
    await waitFor(() => expect(fake.callsTo('sweep:optimize')).toHaveLength(1));
    expect(SweepPlanSchema.parse(fake.callsTo('sweep:optimize')[0])).toMatchObject({
      draftModels: ['small.gguf', 'smaller.gguf'],
      draftPMins: [0, 0.5],
      server: { engine: 'llama.cpp', draftModel: 'small.gguf' },
    });
  });

  it('takes the cut-offs and methods typed there, and refuses a bad cut-off by the box name', async () => {
    const { user, fake } = await guideOnLlama('small.gguf');
    await user.type(screen.getByLabelText('Confidence cut-offs (p_min)'), '0, high');
    await user.click(screen.getByRole('button', { name: 'Find the best setting' }));
    expect(screen.getByText('Confidence cut-offs (p_min): "high" is not a cut-off from 0 to 1; give a list like 0,0.3,0.6.')).toBeTruthy();
    expect(fake.callsTo('sweep:optimize')).toHaveLength(0);

    await user.clear(screen.getByLabelText('Confidence cut-offs (p_min)'));
    await user.type(screen.getByLabelText('Confidence cut-offs (p_min)'), '0.3');
    await user.click(screen.getByLabelText('draft-simple'));
    await user.click(screen.getByLabelText('ngram-mod'));
    await user.click(screen.getByRole('button', { name: 'Find the best setting' }));
    await waitFor(() => expect(fake.callsTo('sweep:optimize')).toHaveLength(1));
    expect(SweepPlanSchema.parse(fake.callsTo('sweep:optimize')[0])).toMatchObject({ draftModels: ['small.gguf'], draftPMins: [0.3], methods: ['draft-simple', 'ngram-mod'] });
  });
});

describe('Results show each arm', () => {
  const base = fixture.configurations[0];
  const like = (k: number, extra: Record<string, unknown>) => ({ ...fixture.configurations.find((c) => c.numSpeculativeTokens === k)!, ...extra });
  const predicted = asPredicted({ tokensPerSecond: 41.5, interval: [39, 44], basedOnK: [3], acceptanceFromK: 3, method: 'per-position-acceptance', why: 'arm dropped: its best k is behind the fastest' });
  const twoArms = ReportSchema.parse({
    ...fixture,
    configurations: [
      base,
      like(3, { label: 'draft 3', method: 'draft-simple', draftModel: 'qwen-0.5b' }),
      like(5, { label: 'draft 5', method: 'draft-simple', draftModel: 'qwen-0.5b' }),
      like(7, { label: 'draft 7', method: 'draft-simple', draftModel: 'qwen-0.5b' }),
      like(3, { label: 'ngram 3', method: 'ngram-simple', draftModel: null }),
      like(5, { label: 'ngram 5', method: 'ngram-simple', draftModel: null, ...predicted }),
    ],
    byPromptType: fixture.byPromptType.map((g, i) => ({
      ...g,
      bestMethod: i === 0 ? 'ngram-simple' : 'draft-simple',
      bestDraftModel: i === 0 ? null : 'qwen-0.5b',
    })),
  });

  it('draws one curve per arm, named in words, the predicted one dashed', () => {
    render(<ResultsView report={twoArms} />);
    const chart = screen.getByTestId('chart-k-curve');
    const legend = [...chart.querySelectorAll('.recharts-legend-item-text')].map((e) => e.textContent);
    expect(legend).toEqual(['draft-simple · draft qwen-0.5b', 'ngram-simple · no draft model']);
    const curves = [...chart.querySelectorAll('.recharts-line-curve')];
    expect(curves).toHaveLength(2);
    expect(curves.map((c) => c.getAttribute('stroke-dasharray'))).toEqual([null, '6 4']);
  });

  it('shows the compared knobs as columns, and why a predicted setting was not measured', () => {
    render(<ResultsView report={twoArms} />);
    const table = screen.getByTestId('config-table');
    const headers = within(table).getAllByRole('columnheader').map((h) => (h.querySelector('.term-label') ?? h).textContent);
    expect(headers.slice(0, 3)).toEqual(['Config', 'Method', 'Draft model']);
    expect(headers).not.toContain('p_min');
    const row = (label: string) => within(table).getByRole('rowheader', { name: new RegExp(`^${label}`) }).closest('tr')!;
    expect(within(row('ngram 3')).getByTestId('arm-method').textContent).toBe('ngram-simple');
    expect(within(row('ngram 3')).getByTestId('arm-draftModel').textContent).toBe('no draft model');
    expect(within(row('draft 5')).getByTestId('arm-draftModel').textContent).toBe('draft qwen-0.5b');
    expect(within(row('ngram 5')).getByTestId('prediction-why').textContent).toBe('arm dropped: its best k is behind the fastest');
    expect(within(row('ngram 5')).getByRole('rowheader').getAttribute('title')).toContain('arm dropped');

    const byPrompt = screen.getByTestId('prompt-type-table');
    const first = within(byPrompt).getByRole('rowheader', { name: twoArms.byPromptType[0].label }).closest('tr')!;
    expect(within(first).getByTestId('arm-method').textContent).toBe('ngram-simple');
    const second = within(byPrompt).getByRole('rowheader', { name: twoArms.byPromptType[1].label }).closest('tr')!;
    expect(within(second).getByTestId('arm-draftModel').textContent).toBe('draft qwen-0.5b');
  });
});
