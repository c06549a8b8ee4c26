// @vitest-environment jsdom
import './setup-dom';
import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { SweepPlanSchema } from '../../src/shared/schemas';
import { createFakeApi } from './fake-api';
import { renderApp } from './render-app';

async function openSweepWithModel(user: ReturnType<typeof userEvent.setup>) {
  await user.type(await screen.findByLabelText('Model'), 'demo/simulated-7b');
  await user.selectOptions(screen.getByLabelText('Speculation method'), 'ngram');
  await user.click(screen.getByTestId('nav-sweep'));
  await screen.findByLabelText('Concurrent requests');
}

async function setLevels(user: ReturnType<typeof userEvent.setup>, text: string) {
  const box = screen.getByLabelText('Concurrent requests');
  await user.clear(box);
  await user.type(box, text);
}

describe('Sweep form: load levels', () => {
  it('refuses a bad level list with the item named, and sends nothing', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({ 'sweep:start': () => ({ runId: 'r' }) });
    renderApp(fake.api);
    await openSweepWithModel(user);
    await setLevels(user, '1, 8, 0');
    await user.click(screen.getByRole('button', { name: 'Run sweep' }));
    expect(screen.getByText('Item 3 (“0”) must be a whole number from 1 (one request at a time) to 1024')).toBeTruthy();
    expect(screen.getByLabelText('Concurrent requests').getAttribute('aria-invalid')).toBe('true');
    expect(fake.callsTo('sweep:start')).toHaveLength(0);
    // An empty list: the schema's own message.
    await setLevels(user, ' ');
    await user.click(screen.getByRole('button', { name: 'Run sweep' }));
    expect(screen.getByText('give at least one concurrency level, e.g. 1 or 1,8,32')).toBeTruthy();
    expect(fake.callsTo('sweep:start')).toHaveLength(0);
  });

  it('defaults to one level (1) and no target; a list and a chosen target go out as plan.concurrency / targetConcurrency', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({ 'sweep:start': () => ({ runId: 'r' }) });
    renderApp(fake.api);
    await openSweepWithModel(user);
    expect((screen.getByLabelText('Concurrent requests') as HTMLInputElement).value).toBe('1');
    // The help says why, not only what.
    expect(screen.getByText(/a shared server is not one user/)).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Run sweep' }));
    await waitFor(() => expect(fake.callsTo('sweep:start')).toHaveLength(1));
    const first = fake.callsTo('sweep:start')[0] as Record<string, unknown>;
    expect(first.concurrency).toEqual([1]);
    expect(first).not.toHaveProperty('targetConcurrency');
    act(() => fake.emit('sweep:done', { runId: 'r', status: 'complete', reportPath: '/d/test_results.json', error: null }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Run sweep' }).hasAttribute('disabled')).toBe(false));

    await setLevels(user, '32, 1 8');
    const target = screen.getByLabelText('Recommend for') as HTMLSelectElement;
    // Offered lowest first, the default naming the lowest.
    expect([...target.options].map((o) => o.textContent)).toEqual(['the lowest level (1)', '1 concurrent request', '8 concurrent requests', '32 concurrent requests']);
    await user.selectOptions(target, '8');
    await user.click(screen.getByRole('button', { name: 'Run sweep' }));
    await waitFor(() => expect(fake.callsTo('sweep:start')).toHaveLength(2));
    const plan = SweepPlanSchema.parse(fake.callsTo('sweep:start')[1]);
    expect(plan.concurrency).toEqual([32, 1, 8]);
    expect(plan.targetConcurrency).toBe(8);
  });

  it('a target dropped from the list stays visible and is refused by name, not silently replaced', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({ 'sweep:start': () => ({ runId: 'r' }) });
    renderApp(fake.api);
    await openSweepWithModel(user);
    await setLevels(user, '1, 8');
    await user.selectOptions(screen.getByLabelText('Recommend for'), '8');
    await setLevels(user, '1, 32');
    const target = screen.getByLabelText('Recommend for') as HTMLSelectElement;
    expect(target.value).toBe('8');
    expect(target.selectedOptions[0].textContent).toBe('8 (not in the list)');
    await user.click(screen.getByRole('button', { name: 'Run sweep' }));
    expect(screen.getByText(/target concurrency 8 is not among the measured levels \(1,32\)/)).toBeTruthy();
    expect(fake.callsTo('sweep:start')).toHaveLength(0);
  });
});

describe('One click and the guided screen carry the levels', () => {
  it('One click shows the fields and sends the levels with sweep:optimize', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({ 'sweep:optimize': () => ({ runId: 'o' }) });
    renderApp(fake.api);
    await user.type(await screen.findByLabelText('Model'), 'demo/simulated-7b');
    await user.selectOptions(screen.getByLabelText('Speculation method'), 'ngram');
    await user.click(screen.getByTestId('nav-oneclick'));
    await setLevels(user, '1, 16, 16');
    await user.click(screen.getByRole('button', { name: 'Find the best setting' }));
    // Shown once, at the field, naming the item.
    expect(screen.getAllByText('Item 3 (“16”) repeats item 2: give each level only once')).toHaveLength(1);
    expect(fake.callsTo('sweep:optimize')).toHaveLength(0);
    await setLevels(user, '1, 16');
    await user.selectOptions(screen.getByLabelText('Recommend for'), '16');
    await user.click(screen.getByRole('button', { name: 'Find the best setting' }));
    await waitFor(() => expect(fake.callsTo('sweep:optimize')).toHaveLength(1));
    const plan = SweepPlanSchema.parse(fake.callsTo('sweep:optimize')[0]);
    expect(plan).toMatchObject({ concurrency: [1, 16], targetConcurrency: 16 });
  });

  it('the guided flow asks for the levels in step 3, names a bad item, and its one click sends them', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({ 'sweep:optimize': () => ({ runId: 'g' }) });
    renderApp(fake.api, 'start');
    await waitFor(() => expect(screen.getAllByTestId('engine-card').length).toBeGreaterThan(4));
    await user.click(screen.getAllByTestId('engine-card').find((c) => c.getAttribute('data-engine') === 'llama.cpp')!);
    await user.click(screen.getByRole('button', { name: 'Use the simulator' }));
    await setLevels(user, '1, 4.5');
    await user.click(screen.getByRole('button', { name: 'Find the best setting' }));
    expect(screen.getByText('Item 2 (“4.5”) must be a whole number from 1 (one request at a time) to 1024')).toBeTruthy();
    expect(fake.callsTo('sweep:optimize')).toHaveLength(0);
    await setLevels(user, '1, 4');
    // Fixed: the message goes at once.
    expect(screen.queryByText(/Item 2/)).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Find the best setting' }));
    await waitFor(() => expect(fake.callsTo('sweep:optimize')).toHaveLength(1));
    expect(SweepPlanSchema.parse(fake.callsTo('sweep:optimize')[0]).concurrency).toEqual([1, 4]);
  });
});
