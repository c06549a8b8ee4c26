// @vitest-environment jsdom
import './setup-dom';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { ReportSchema, type Measurement, type SweepPlan } from '../../src/shared/schemas';
import fixture from './fixtures/report.json';
import { createFakeApi, stoppedState } from './fake-api';
import { renderApp } from './render-app';

const report = ReportSchema.parse(fixture);

async function openSweepWithModel(user: ReturnType<typeof userEvent.setup>) {
  const model = await screen.findByLabelText('Model');
  await user.type(model, 'demo/simulated-7b');
  await user.selectOptions(screen.getByLabelText('Speculation method'), 'ngram');
  await user.click(screen.getByTestId('nav-sweep'));
  await screen.findByLabelText('Security research', { exact: false });
}

describe('Sweep screen', () => {
  it('a sweep that ended while the event stream was down shows as ended after the resync', async () => {
    const user = userEvent.setup();
    const idle = { running: false, runId: null, kind: null, progress: null, report: null };
    let remote: { running: boolean; runId: string | null; kind: 'sweep' | 'optimize' | null; progress: null; report: typeof report | null } = idle;
    const fake = createFakeApi({ 'sweep:start': () => ({ runId: 'run-9' }), 'sweep:state': () => remote });
    const { store } = renderApp(fake.api);
    await openSweepWithModel(user);
    await user.click(screen.getByRole('button', { name: 'Run sweep' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Running…' })).toBeTruthy());
    // Meanwhile the sweep finished; its sweep:done was lost with the stream.
    remote = { running: false, runId: 'run-9', kind: 'sweep', progress: null, report };
    await act(() => store.getState().resync());
    expect(screen.getByRole('button', { name: 'Run sweep' }).hasAttribute('disabled')).toBe(false);
    expect(screen.getByTestId('sweep-status').textContent).toContain(`Sweep ${report.status}`);
    expect(fake.callsTo('history:list').length).toBeGreaterThan(1);
  });

  it('lists the built-in prompt types and system prompts and validates the plan before running', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi();
    renderApp(fake.api);
    await openSweepWithModel(user);
    for (const label of ['Security research', 'Code generation', 'Technical explanation', 'Creative problem-solving']) {
      expect((screen.getByLabelText(label, { exact: false }) as HTMLInputElement).checked).toBe(true);
    }
    const tokens = screen.getByLabelText('Configurations (k list)');
    await user.clear(tokens);
    await user.type(tokens, '0, 3, 3');
    for (const label of ['Security research', 'Code generation', 'Technical explanation', 'Creative problem-solving']) {
      await user.click(screen.getByLabelText(label, { exact: false }));
    }
    await user.clear(screen.getByLabelText('Repeats'));
    await user.type(screen.getByLabelText('Repeats'), '0');
    await user.click(screen.getByRole('button', { name: 'Run sweep' }));
    // The k list is one box: the error names the item that is wrong.
    expect(screen.getByText('Item 3 (“3”) repeats item 2: give each k only once')).toBeTruthy();
    expect(screen.getByText('pick at least one prompt type')).toBeTruthy();
    expect(screen.getByText('repeats must be 1 or more')).toBeTruthy();
    expect(fake.callsTo('sweep:start')).toHaveLength(0);
  });

  it('refuses a managed sweep while the server settings are invalid, pointing at the Servers screen', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi();
    renderApp(fake.api);
    await user.click(await screen.findByTestId('nav-sweep'));
    await user.click(screen.getByRole('button', { name: 'Run sweep' }));
    expect(screen.getByText(/fix the server settings on the Servers screen first \(model:/)).toBeTruthy();
    expect(fake.callsTo('sweep:start')).toHaveLength(0);
  });

  it('adds and edits a custom prompt type, then runs the plan the form shows', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({ 'sweep:start': () => ({ runId: 'run-1' }) });
    renderApp(fake.api);
    await openSweepWithModel(user);

    await user.click(screen.getByRole('button', { name: '+ Add custom prompt type' }));
    const editor = screen.getByRole('form', { name: 'Add custom prompt type' });
    await user.type(within(editor).getByLabelText('Id'), 'Bad Id!');
    await user.type(within(editor).getByLabelText('Prompt'), 'Review this SQL.');
    await user.click(within(editor).getByRole('button', { name: 'Add prompt type' }));
    expect(within(editor).getByRole('alert').textContent).toContain('id: use 1-40 lowercase letters');
    await user.clear(within(editor).getByLabelText('Id'));
    await user.type(within(editor).getByLabelText('Id'), 'sql-review');
    await user.type(within(editor).getByLabelText('Label'), 'SQL review');
    await user.click(within(editor).getByRole('button', { name: 'Add prompt type' }));
    expect((screen.getByRole('checkbox', { name: /SQL review/ }) as HTMLInputElement).checked).toBe(true);

    await user.click(screen.getByRole('button', { name: 'Edit SQL review' }));
    const edit = screen.getByRole('form', { name: 'Edit custom prompt type' });
    await user.clear(within(edit).getByLabelText('Prompt'));
    await user.type(within(edit).getByLabelText('Prompt'), 'Review this SQL for injection.');
    await user.click(within(edit).getByRole('button', { name: 'Save changes' }));

    await user.click(screen.getByLabelText('Creative problem-solving', { exact: false }));
    await user.click(screen.getByLabelText('Expert', { exact: false }));
    const tokens = screen.getByLabelText('Configurations (k list)');
    await user.clear(tokens);
    await user.type(tokens, '0 3,5');
    await user.clear(screen.getByLabelText('Repeats'));
    await user.type(screen.getByLabelText('Repeats'), '1');
    await user.clear(screen.getByLabelText('Max tokens'));
    await user.type(screen.getByLabelText('Max tokens'), '32');
    await user.click(screen.getByRole('button', { name: 'Run sweep' }));

    await waitFor(() => expect(fake.callsTo('sweep:start')).toHaveLength(1));
    const plan = fake.callsTo('sweep:start')[0] as SweepPlan;
    expect(plan.mode).toBe('managed');
    expect(plan.server?.model).toBe('demo/simulated-7b');
    expect(plan.server?.method).toBe('ngram');
    expect(plan.tokens).toEqual([0, 3, 5]);
    expect(plan.promptTypes).toEqual(['security', 'code', 'technical', 'sql-review']);
    expect(plan.systemPrompts).toEqual(['direct', 'expert']);
    expect(plan.customPrompts).toEqual([expect.objectContaining({ id: 'sql-review', label: 'SQL review', prompt: 'Review this SQL for injection.' })]);
    expect(plan.repeats).toBe(1);
    expect(plan.maxTokens).toBe(32);
  });

  it('attached mode sends the URL and no server settings', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({ 'sweep:start': () => ({ runId: 'run-2' }) });
    renderApp(fake.api);
    await user.click(await screen.findByTestId('nav-sweep'));
    await user.click(screen.getByLabelText(/Attached/));
    await user.click(screen.getByRole('button', { name: 'Run sweep' }));
    expect(screen.getByText(/attached mode measures one running server as it is: give the single k it was launched with/)).toBeTruthy();
    await user.clear(screen.getByLabelText('Configurations (k list)'));
    await user.type(screen.getByLabelText('Configurations (k list)'), '3');
    const url = screen.getByLabelText('Server URL');
    await user.clear(url);
    await user.type(url, 'not a url');
    await user.click(screen.getByRole('button', { name: 'Run sweep' }));
    expect(screen.getByText('must be a URL like http://127.0.0.1:8000')).toBeTruthy();
    await user.clear(url);
    await user.type(url, 'http://127.0.0.1:1234');
    await user.click(screen.getByRole('button', { name: 'Run sweep' }));
    await waitFor(() => expect(fake.callsTo('sweep:start')).toHaveLength(1));
    const plan = fake.callsTo('sweep:start')[0] as SweepPlan;
    expect(plan).toMatchObject({ mode: 'attached', url: 'http://127.0.0.1:1234', tokens: [3] });
    expect(plan.server).toBeUndefined();
  });

  it('shows progress with ETA, live measurements, cancel, and keeps partial results after a cancel', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({ 'sweep:start': () => ({ runId: 'run-3' }), 'sweep:cancel': () => ({ cancelled: true }) });
    renderApp(fake.api);
    await openSweepWithModel(user);
    await user.click(screen.getByRole('button', { name: 'Run sweep' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Running…' }).hasAttribute('disabled')).toBe(true));

    act(() =>
      fake.emit('sweep:progress', {
        phase: 'measuring', done: 12, total: 48, etaSeconds: 95, elapsedSeconds: 30, numSpeculativeTokens: 3, configIndex: 1, configCount: 4,
        promptType: 'code', systemPrompt: 'direct', repeat: 0,
      }),
    );
    const progress = screen.getByTestId('sweep-progress');
    expect(progress.textContent).toContain('12 / 48 requests');
    expect(progress.textContent).toContain('25%');
    expect(screen.getByTestId('sweep-eta').textContent).toBe('1 min 35 s');
    expect((within(progress).getByRole('progressbar') as HTMLProgressElement).value).toBe(12);

    // Failed requests have nothing to draw: the chart says so rather than showing empty axes.
    const failedOne: Measurement = { ...report.measurements[0], ok: false, error: 'HTTP 500', metrics: undefined };
    act(() => fake.emit('sweep:measurement', failedOne));
    expect(screen.getByTestId('chart-live').textContent).toContain('1 request finished, none succeeded yet.');
    expect(screen.getByTestId('chart-live').querySelector('svg.recharts-surface')).toBeNull();

    const ms: Measurement[] = report.measurements.slice(0, 10);
    act(() => ms.forEach((m) => fake.emit('sweep:measurement', m)));
    const live = screen.getByTestId('chart-live');
    expect(live.querySelectorAll('.recharts-scatter-symbol').length).toBe(ms.length);
    // Both axes say what their numbers count.
    expect(live.textContent).toContain('request # within its configuration');
    expect(live.textContent).toContain('tok/s');
    // No report yet; the server the sweep launched is the simulator, and the live dots say so.
    expect(within(live).queryByTestId('simulated-label')).toBeNull();
    act(() => fake.emit('server:state', { ...stoppedState, phase: 'ready', simulated: true }));
    expect(within(screen.getByTestId('chart-live')).getByTestId('simulated-label')).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(fake.callsTo('sweep:cancel')).toHaveLength(1);

    const partial = ReportSchema.parse({ ...fixture, status: 'cancelled', configurations: fixture.configurations.slice(0, 2) });
    act(() => {
      fake.emit('sweep:report', partial);
      fake.emit('sweep:done', { runId: 'run-3', status: 'cancelled', reportPath: '/data/runs/run-3/test_results.json', error: null });
    });
    expect(screen.getByTestId('sweep-status').textContent).toContain('Sweep cancelled');
    expect(screen.getByTestId('sweep-status').textContent).toContain('the finished configurations are kept');
    expect(within(screen.getByTestId('sweep-partial')).getAllByRole('row')).toHaveLength(3);
    expect(screen.getByRole('button', { name: 'Run sweep' }).hasAttribute('disabled')).toBe(false);

    // Issue 11: once the run ended the table does not say "so far"; the answer, Copy and Save sit beside it.
    const heading = within(screen.getByTestId('sweep-partial')).getByRole('heading').textContent!;
    expect(heading.startsWith('Configurations')).toBe(true);
    expect(heading).not.toContain('so far');
    const answer = screen.getByTestId('sweep-answer');
    expect(within(answer).getByTestId('results-headline').textContent).toContain('cancelled before the end');
    expect(within(answer).getByRole('button', { name: 'Copy command' })).toBeTruthy();
    expect(within(answer).getByRole('button', { name: 'Download test_results.json' })).toBeTruthy();
    expect(within(answer).getByRole('button', { name: 'Download HTML' })).toBeTruthy();
    await user.click(screen.getByTestId('sweep-report-path-copy'));
    expect(await navigator.clipboard.readText()).toBe('/data/runs/run-3/test_results.json');

    await user.click(screen.getByRole('button', { name: 'Open in Results' }));
    expect(screen.getByTestId('results-view')).toBeTruthy();
    expect(screen.getByTestId('report-status').textContent).toBe('cancelled');
  });
});
