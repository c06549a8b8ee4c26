// @vitest-environment jsdom
import './setup-dom';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ReportSchema, ServerSettingsSchema, SweepPlanSchema, type EndpointStatus, type Report, type ServerSettings, type SweepPlan } from '../../src/shared/schemas';
import { summarizeReport } from '../../src/shared/report-export/summary';
import fixture from './fixtures/report.json';
import { browserInfo, createFakeApi, noEngineInfo, stoppedState } from './fake-api';
import { renderApp } from './render-app';
import { lmStudioReport } from './fixtures/lmstudio-report';

const LMS_COMMANDS = ['lms unload qwen2.5-7b-instruct', 'lms load qwen2.5-7b-instruct --identifier qwen2.5-7b-instruct --yes --speculative-draft-simple --speculative-draft-model qwen2.5-0.5b-instruct'];

const report = ReportSchema.parse(fixture);

const down = (name: string, url: string): EndpointStatus => ({
  name, url, running: false, reason: 'Connection refused', kind: 'unknown', version: null, models: [], simulated: false, latencyMs: null,
});
const lmStudioUp: EndpointStatus = {
  name: 'LM Studio', url: 'http://127.0.0.1:1234', running: true, reason: null, kind: 'lmstudio', version: null,
  models: ['qwen2.5-7b-instruct'], simulated: false, latencyMs: 3,
};

const cards = () => screen.getAllByTestId('engine-card');
const card = (engine: string) => cards().find((c) => c.getAttribute('data-engine') === engine)!;

describe('Get started: what do you run → model → one click', () => {
  it('opens on the guided flow and ranks a detected engine first, saying where it runs', async () => {
    const fake = createFakeApi({ 'status:probe': () => [down('vLLM', 'http://127.0.0.1:8000'), lmStudioUp] });
    renderApp(fake.api, 'start');
    await screen.findByRole('heading', { name: 'Find the fastest setting for your server' });
    await waitFor(() => expect(cards()[0].getAttribute('data-engine')).toBe('lmstudio'));
    expect(within(cards()[0]).getByTestId('engine-running').textContent).toBe('running at http://127.0.0.1:1234');
    // Every engine of the registry is offered, the undetected ones after it, none marked running.
    expect(cards().map((c) => c.getAttribute('data-engine'))).toEqual(expect.arrayContaining(['vllm', 'llama.cpp', 'mlx', 'ollama']));
    expect(cards().slice(1).every((c) => within(c).queryByTestId('engine-running') === null)).toBe(true);
  });

  it('shows the fields each engine takes: command and port for launched ones, the method choice only where there are methods', async () => {
    const user = userEvent.setup();
    renderApp(createFakeApi().api, 'start');
    await waitFor(() => expect(cards().length).toBeGreaterThan(4));

    await user.click(card('llama.cpp'));
    expect(card('llama.cpp').getAttribute('aria-pressed')).toBe('true');
    expect((screen.getByLabelText('Command') as HTMLInputElement).value).toBe('llama-server');
    expect((screen.getByLabelText('Model') as HTMLInputElement).placeholder).toMatch(/\.gguf$/);
    expect(screen.queryByLabelText('Or guess without a draft model')).toBeNull();
    expect(screen.queryByLabelText('Server address')).toBeNull();

    await user.click(card('vllm'));
    expect((screen.getByLabelText('Command') as HTMLInputElement).value).toBe('vllm');
    const methods = within(screen.getByLabelText('Or guess without a draft model')).getAllByRole('option').map((o) => o.getAttribute('value'));
    expect(methods).toContain('ngram');
    expect(methods).not.toContain('draft_model');

    await user.click(card('ollama'));
    expect((screen.getByLabelText('Server address') as HTMLInputElement).value).toBe('http://127.0.0.1:11434');
    expect(screen.queryByLabelText('Command')).toBeNull();
    expect(screen.queryByTestId('draft-candidates')).toBeNull();
  });

  it('asks in words for what is missing, and each message goes as soon as its answer is given', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({ 'sweep:optimize': () => ({ runId: 'opt-1' }) });
    renderApp(fake.api, 'start');
    await waitFor(() => expect(cards().length).toBeGreaterThan(4));
    await user.click(card('vllm'));
    await user.click(screen.getByRole('button', { name: 'Find the best setting' }));
    expect(fake.callsTo('sweep:optimize')).toHaveLength(0);
    expect(screen.getByText(/Which model should vLLM serve\?/)).toBeTruthy();
    expect(screen.getByText(/Speculation needs a small draft model/)).toBeTruthy();
    expect(screen.getByTestId('guide-missing').textContent).toContain('2 questions');

    await user.type(screen.getByLabelText('Model'), 'Qwen/Qwen2.5-7B-Instruct');
    expect(screen.queryByText(/Which model should vLLM serve\?/)).toBeNull();
    await user.selectOptions(screen.getByLabelText('Or guess without a draft model'), 'ngram');
    expect(screen.queryByText(/Speculation needs a small draft model/)).toBeNull();
    expect(screen.queryByTestId('guide-missing')).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Find the best setting' }));
    await waitFor(() => expect(fake.callsTo('sweep:optimize')).toHaveLength(1));
    const plan = SweepPlanSchema.parse(fake.callsTo('sweep:optimize')[0]);
    expect(plan).toMatchObject({ mode: 'managed', tokens: [0, 1, 2, 3, 4, 5, 6, 7, 8], server: { engine: 'vllm', command: ['vllm'], model: 'Qwen/Qwen2.5-7B-Instruct', method: 'ngram', port: 8000 } });
  });

  it('"Use the simulator" for a launched engine is a valid plan at once; when one click ends, the answer is the focused headline and a notice', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({ 'sweep:optimize': () => ({ runId: 'opt-2' }) });
    renderApp(fake.api, 'start');
    await waitFor(() => expect(cards().length).toBeGreaterThan(4));
    await user.click(card('llama.cpp'));
    await user.click(screen.getByRole('button', { name: 'Use the simulator' }));
    expect((screen.getByLabelText('Command') as HTMLInputElement).value).toBe([...browserInfo.simulatorCommand, 'llama-server'].join(' '));
    await user.click(screen.getByRole('button', { name: 'Find the best setting' }));
    await waitFor(() => expect(fake.callsTo('sweep:optimize')).toHaveLength(1));
    const plan = SweepPlanSchema.parse(fake.callsTo('sweep:optimize')[0]);
    expect(plan.server).toMatchObject({ engine: 'llama.cpp', command: [...browserInfo.simulatorCommand, 'llama-server'], draftModel: 'qwen2.5-0.5b-instruct-q4_k_m.gguf' });
    // The One click screen follows the run.
    expect(screen.getByRole('heading', { name: 'One click' })).toBeTruthy();

    act(() => {
      fake.emit('sweep:report', report);
      fake.emit('sweep:done', { runId: 'opt-2', status: 'complete', reportPath: '/d/test_results.json', error: null });
    });
    const headline = await screen.findByTestId('oneclick-headline');
    const words = summarizeReport(report).headline;
    expect(headline.textContent).toBe(words);
    expect(words).toMatch(/faster with 5 draft tokens/);
    expect(document.activeElement).toBe(headline);
    // Said once on One click (issue 20, item 15): not again in the notice bar or under the progress.
    expect(screen.queryByTestId('notice')).toBeNull();
    expect(screen.getAllByText(words)).toHaveLength(1);
    // The headline comes before everything else on the screen.
    const section = screen.getByRole('heading', { name: 'One click' }).parentElement!;
    expect(section.querySelector('[data-testid="oneclick-answer"]')).toBe(section.children[1]);
  });

  it('an attached engine: the URL, its models and draft candidates from the server, an attached plan, and the exact setting with Copy', async () => {
    const user = userEvent.setup();
    const lmReport: Report = lmStudioReport(report);
    const fake = createFakeApi({
      'status:probe': () => [lmStudioUp],
      'engines:models': () => ({ models: ['qwen2.5-7b-instruct'], draftCandidates: ['qwen2.5-7b-instruct', 'qwen2.5-0.5b-instruct', 'llama-3.2-1b-instruct'] }),
      'sweep:start': () => ({ runId: 'lm-1' }),
      'report:applyAttached': ({ confirm }) => ({ commands: LMS_COMMANDS, ran: confirm }),
    });
    renderApp(fake.api, 'start');
    await waitFor(() => expect(cards()[0].getAttribute('data-engine')).toBe('lmstudio'));
    await user.click(card('lmstudio'));
    expect((screen.getByLabelText('Server address') as HTMLInputElement).value).toBe('http://127.0.0.1:1234');
    await waitFor(() => expect(fake.callsTo('engines:models')).toEqual([{ engine: 'lmstudio', url: 'http://127.0.0.1:1234' }]));
    // The model comes from LM Studio's own list; the main model is not offered as its own draft.
    expect((screen.getByLabelText('Model') as HTMLSelectElement).value).toBe('qwen2.5-7b-instruct');
    const drafts = screen.getByTestId('draft-candidates');
    await waitFor(() => expect(within(drafts).getAllByRole('checkbox')).toHaveLength(2));

    await user.click(screen.getByRole('button', { name: 'Find the best setting' }));
    expect(screen.getByText(/Pick at least one draft model to try/)).toBeTruthy();
    expect(fake.callsTo('sweep:start')).toHaveLength(0);
    await user.click(within(drafts).getByRole('checkbox', { name: 'qwen2.5-0.5b-instruct' }));
    expect(screen.queryByText(/Pick at least one draft model to try/)).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Find the best setting' }));
    await waitFor(() => expect(fake.callsTo('sweep:start')).toHaveLength(1));
    const plan: SweepPlan = SweepPlanSchema.parse(fake.callsTo('sweep:start')[0]);
    expect(plan).toMatchObject({ mode: 'attached', engine: 'lmstudio', url: 'http://127.0.0.1:1234', model: 'qwen2.5-7b-instruct', draftModels: ['qwen2.5-0.5b-instruct'] });
    expect(plan.server).toBeUndefined();
    expect(fake.callsTo('sweep:optimize')).toHaveLength(0);

    act(() => {
      fake.emit('sweep:report', lmReport);
      fake.emit('sweep:done', { runId: 'lm-1', status: 'complete', reportPath: '/d/test_results.json', error: null });
    });
    expect((await screen.findByTestId('oneclick-setting')).textContent).toBe(lmReport.recommendation!.setting);
    await user.click(screen.getByRole('button', { name: 'Copy setting' }));
    expect(await navigator.clipboard.readText()).toBe(lmReport.recommendation!.setting);

    // Apply with LM Studio's own tool: the exact commands are shown first; declined, nothing runs.
    const confirm = vi.spyOn(window, 'confirm').mockReturnValueOnce(false).mockReturnValueOnce(true);
    const apply = screen.getByRole('button', { name: "Apply with the engine's own tool…" });
    await user.click(apply);
    await waitFor(() => expect(fake.callsTo('report:applyAttached')).toEqual([{ runId: 'lm-1', confirm: false }]));
    expect(confirm.mock.calls[0][0]).toContain(LMS_COMMANDS.join('\n'));
    await user.click(apply);
    await waitFor(() => expect(fake.callsTo('report:applyAttached')).toEqual([{ runId: 'lm-1', confirm: false }, { runId: 'lm-1', confirm: false }, { runId: 'lm-1', confirm: true }]));
    expect((await screen.findByTestId('notice')).textContent).toBe(`Applied: ran ${LMS_COMMANDS.join(' && ')}`);
    confirm.mockRestore();
  });

  it('the demo of an attached engine starts its simulated server through the API and fills URL, model and drafts from it', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({
      'demo:start': () => ({ url: 'http://127.0.0.1:40111' }),
      'engines:models': () => ({ models: ['qwen2.5-7b-instruct'], draftCandidates: ['qwen2.5-0.5b-instruct', 'qwen2.5-1.5b-instruct', 'llama-3.2-1b-instruct'] }),
    });
    renderApp(fake.api, 'start');
    await waitFor(() => expect(cards().length).toBeGreaterThan(4));
    await user.click(card('lmstudio'));
    await user.click(screen.getByRole('button', { name: 'Use the simulator' }));
    await waitFor(() => expect(fake.callsTo('demo:start')).toEqual([{ engine: 'lmstudio' }]));
    await waitFor(() => expect((screen.getByLabelText('Server address') as HTMLInputElement).value).toBe('http://127.0.0.1:40111'));
    expect(fake.callsTo('engines:models')).toEqual([{ engine: 'lmstudio', url: 'http://127.0.0.1:40111' }]);
    const checked = within(screen.getByTestId('draft-candidates'))
      .getAllByRole('checkbox')
      .filter((c) => (c as HTMLInputElement).checked);
    expect(checked).toHaveLength(3);
    expect(screen.queryByTestId('guide-missing')).toBeNull();
  });

  it('the embedded engine has no simulator: "Try it on a real engine" fills generated models and the real command, not simulated', async () => {
    const user = userEvent.setup();
    const command = ['node', '/opt/spectune/bin/run-ts.js', '/opt/spectune/src/engines/embedded/server/main.ts'];
    const fake = createFakeApi({
      'demo:prepare': () => ({ command, model: '/c/gguf/target.gguf', draftModel: '/c/gguf/draft.gguf', note: 'a real llama.cpp on a generated tiny model pair' }),
      'sweep:optimize': () => ({ runId: 'emb-1' }),
    });
    renderApp(fake.api, 'start');
    await waitFor(() => expect(cards().length).toBeGreaterThan(4));
    await user.click(card('embedded'));
    expect(screen.queryByRole('button', { name: 'Use the simulator' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Try it on a real engine' }));
    await waitFor(() => expect(fake.callsTo('demo:prepare')).toEqual([{ engine: 'embedded' }]));
    expect(await screen.findByTestId('guide-demo')).toHaveProperty('textContent', 'Using generated models: /c/gguf/target.gguf.');
    await user.click(screen.getByRole('button', { name: 'Find the best setting' }));
    await waitFor(() => expect(fake.callsTo('sweep:optimize')).toHaveLength(1));
    const plan = SweepPlanSchema.parse(fake.callsTo('sweep:optimize')[0]);
    expect(plan.server).toMatchObject({ engine: 'embedded', command, model: '/c/gguf/target.gguf', draftModel: '/c/gguf/draft.gguf' });
  });
});

describe('Servers form fits the engine', () => {
  it('shows the fields the engine takes, swaps the default command, and sends nothing the engine does not take', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({ 'server:start': (s) => ({ ...stoppedState, phase: 'starting', settings: ServerSettingsSchema.parse(s) }) });
    renderApp(fake.api, 'servers');
    await screen.findByLabelText('vLLM command');
    expect(screen.getByLabelText('GPU memory utilisation')).toBeTruthy();
    // Only engines SpecTune launches are offered here.
    const options = within(screen.getByLabelText('Engine')).getAllByRole('option').map((o) => o.getAttribute('value'));
    expect(options).toEqual(expect.arrayContaining(['vllm', 'llama.cpp', 'mlx']));
    expect(options).not.toContain('lmstudio');

    await user.selectOptions(screen.getByLabelText('Engine'), 'llama.cpp');
    expect((screen.getByLabelText('llama.cpp (llama-server) command') as HTMLInputElement).value).toBe('llama-server');
    expect(screen.queryByLabelText('GPU memory utilisation')).toBeNull();
    expect(screen.queryByLabelText('Speculation method')).toBeNull();
    expect((screen.getByLabelText('Model') as HTMLInputElement).placeholder).toMatch(/\.gguf$/);

    await user.type(screen.getByLabelText('Model'), '/m/target.gguf');
    await user.click(screen.getByRole('button', { name: 'Start' }));
    await waitFor(() => expect(fake.callsTo('server:start')).toHaveLength(1));
    const sent = fake.callsTo('server:start')[0] as ServerSettings;
    expect(sent).toMatchObject({ engine: 'llama.cpp', command: ['llama-server'], model: '/m/target.gguf', numSpeculativeTokens: 0 });
    expect(sent.gpuMemoryUtilization).toBeUndefined();
    expect(sent.tensorParallelSize).toBeUndefined();
  });
});

describe('stale errors go when their cause is fixed', () => {
  it('One click\'s "fix the server settings" leaves once "Use the simulator" fills the model in', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({ 'app:info': () => noEngineInfo });
    renderApp(fake.api, 'servers');
    await user.click(await screen.findByTestId('nav-oneclick'));
    await user.click(screen.getByRole('button', { name: 'Find the best setting' }));
    expect(screen.getByText(/fix the server settings on the Servers screen first \(model: /)).toBeTruthy();
    await user.click(screen.getByTestId('nav-servers'));
    await user.click(within(await screen.findByTestId('server-demo')).getByRole('button', { name: 'Use the simulator' }));
    await user.click(screen.getByTestId('nav-oneclick'));
    expect(screen.queryByText(/fix the server settings/)).toBeNull();
    expect(fake.callsTo('sweep:optimize')).toHaveLength(0);
  });
});
