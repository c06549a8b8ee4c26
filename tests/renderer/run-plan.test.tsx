// @vitest-environment jsdom
/**
 * Issue 20 items 2 and 3, issue 17's load form: what a run will do is said before it runs, from the
 * plan that will run — the search strategy and its repeats, the latency bounds, and One click's words.
 */
import './setup-dom';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { SweepPlanSchema } from '../../src/shared/schemas';
import { createFakeApi } from './fake-api';
import { renderApp } from './render-app';

type User = ReturnType<typeof userEvent.setup>;

async function fillServer(user: User, engine = 'vllm') {
  await user.selectOptions(await screen.findByLabelText('Engine'), engine);
  await user.type(screen.getByLabelText('Model'), 'demo/simulated-7b');
  const method = screen.queryByLabelText('Speculation method');
  if (method) await user.selectOptions(method, 'ngram');
  else await user.type(screen.getByLabelText('Draft model'), 'demo/draft-0.5b');
}

async function setText(user: User, label: string, text: string) {
  const box = screen.getByLabelText(label);
  await user.clear(box);
  if (text) await user.type(box, text);
}

/** The Sweep screen over a valid Servers form, its runs answered. */
async function openSweep() {
  const user = userEvent.setup();
  const fake = createFakeApi({ 'sweep:start': () => ({ runId: 's' }) });
  renderApp(fake.api);
  await fillServer(user);
  await user.click(screen.getByTestId('nav-sweep'));
  return { user, fake };
}

describe('the Sweep form says before the run whether it is adaptive, and offers the strategy and max repeats (item 2)', () => {
  it('the default grid says adaptive; a short list says every k; the choice and max repeats go out in the plan', async () => {
    const { user, fake } = await openSweep();
    const search = await screen.findByLabelText('Search');
    const help = () => document.getElementById(search.getAttribute('aria-describedby')!)!.textContent;
    expect(help()).toMatch(/this run will be adaptive/);
    await setText(user, 'Configurations (k list)', '0, 3, 5');
    expect(help()).toBe('this run will measure every k in the list');
    await user.selectOptions(search, 'adaptive');
    expect(help()).toMatch(/this run will be adaptive/);

    await setText(user, 'Max repeats', 'lots');
    await user.click(screen.getByRole('button', { name: 'Run sweep' }));
    expect(screen.getByText('max repeats must be a whole number from 1 to 300, e.g. 9')).toBeTruthy();
    expect(fake.callsTo('sweep:start')).toHaveLength(0);
    await setText(user, 'Max repeats', '12');
    await user.click(screen.getByRole('button', { name: 'Run sweep' }));
    await waitFor(() => expect(fake.callsTo('sweep:start')).toHaveLength(1));
    expect(SweepPlanSchema.parse(fake.callsTo('sweep:start')[0])).toMatchObject({ tokens: [0, 3, 5], strategy: 'adaptive', maxRepeats: 12 });
  });
});

describe('the load form takes latency bounds (issue 17)', () => {
  it('TTFT and ITL p99 in ms go out as plan.slo; a bound that is not a positive number is refused by name', async () => {
    const { user, fake } = await openSweep();
    await setText(user, 'TTFT p99 bound (ms)', '-5');
    await user.click(screen.getByRole('button', { name: 'Run sweep' }));
    expect(screen.getByText('the TTFT p99 bound must be a number of milliseconds above 0, e.g. 500')).toBeTruthy();
    expect(screen.getByLabelText('TTFT p99 bound (ms)').getAttribute('aria-invalid')).toBe('true');
    expect(fake.callsTo('sweep:start')).toHaveLength(0);
    await setText(user, 'TTFT p99 bound (ms)', '500');
    await setText(user, 'ITL p99 bound (ms)', '37.5');
    await user.click(screen.getByRole('button', { name: 'Run sweep' }));
    await waitFor(() => expect(fake.callsTo('sweep:start')).toHaveLength(1));
    expect(SweepPlanSchema.parse(fake.callsTo('sweep:start')[0]).slo).toEqual({ ttftP99Ms: 500, itlP99Ms: 37.5 });
  });
});

describe('One click describes the run it will start (item 3)', () => {
  it('names the engine, model and k list of the plan, and says "restart" only where the engine restarts', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({ 'sweep:optimize': () => ({ runId: 'o' }) });
    renderApp(fake.api);
    await fillServer(user, 'llama.cpp');
    await user.click(screen.getByTestId('nav-sweep'));
    await setText(user, 'Configurations (k list)', '0, 3');
    await user.click(screen.getByTestId('nav-oneclick'));
    const words = () => screen.getByTestId('oneclick-plan').textContent!;
    // llama.cpp has a confidence cut-off: One click compares none (0) against one.
    expect(words()).toContain('Launches llama.cpp (llama-server) with demo/simulated-7b and compares k = 0 (no speculation), 3 with confidence cut-offs p_min 0 and 0.5.');
    expect(words()).toContain('It measures every one of them.');
    expect(words()).toContain('SpecTune restarts the server for each k it measures, then restarts it on the fastest setting.');

    // mlx_lm takes k per request: nothing restarts while it measures.
    await user.click(screen.getByTestId('nav-servers'));
    await user.selectOptions(screen.getByLabelText('Engine'), 'mlx');
    await user.click(screen.getByTestId('nav-sweep'));
    await setText(user, 'Configurations (k list)', '0-8');
    await user.click(screen.getByTestId('nav-oneclick'));
    expect(words()).toContain('Launches mlx_lm.server (Apple MLX) with demo/simulated-7b and compares k = 0 (no speculation), 1, 2, 3, 4, 5, 6, 7, 8.');
    expect(words()).toMatch(/The search is adaptive/);
    expect(words()).not.toMatch(/restart/i);

    // The button keeps one name, and what it sends is what was described.
    await user.click(screen.getByRole('button', { name: 'Find the best setting' }));
    await waitFor(() => expect(fake.callsTo('sweep:optimize')).toHaveLength(1));
    expect(SweepPlanSchema.parse(fake.callsTo('sweep:optimize')[0])).toMatchObject({ tokens: [0, 1, 2, 3, 4, 5, 6, 7, 8], server: { engine: 'mlx', model: 'demo/simulated-7b' } });
    expect(screen.getByRole('button', { name: 'Find the best setting' })).toBeTruthy();
  });
});
