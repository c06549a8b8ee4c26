// @vitest-environment jsdom
import './setup-dom';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { browserInfo, createFakeApi } from './fake-api';
import { renderApp } from './render-app';
import { ReportSchema, type Report } from '../../src/shared/schemas';
import { NO_RUN } from '../../src/renderer/src/state/run';
import fixture from './fixtures/report.json';

const cards = () => screen.getAllByTestId('engine-card');
const card = (engine: string) => cards().find((c) => c.getAttribute('data-engine') === engine)!;

describe('The first screen finds the simulator', () => {
  it('offers "Try it without a server" beside the engine cards, and it fills the flow with a simulated engine', async () => {
    const user = userEvent.setup();
    renderApp(createFakeApi().api, 'start');
    await waitFor(() => expect(cards().length).toBeGreaterThan(4));
    const tryIt = screen.getByRole('button', { name: /Try it without a server/ });
    // Beside the cards, before any engine is picked.
    expect(tryIt.parentElement).toBe(cards()[0].parentElement);
    await user.click(tryIt);
    const picked = cards().find((c) => c.getAttribute('aria-pressed') === 'true');
    expect(picked).toBeTruthy();
    await waitFor(() => expect((screen.getByLabelText('Command') as HTMLInputElement).value.startsWith(browserInfo.simulatorCommand.join(' '))).toBe(true));
    expect(screen.getByTestId('guide-demo').textContent).toMatch(/Using the simulator/);
  });
});

describe('The guided form marks the field that is wrong, in a few words', () => {
  it('an overlong draft model marks the Draft model field, not a line above the button', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({ 'sweep:optimize': () => ({ runId: 'x' }) });
    renderApp(fake.api, 'start');
    await waitFor(() => expect(cards().length).toBeGreaterThan(4));
    await user.click(card('vllm'));
    await user.type(screen.getByLabelText('Model'), 'Qwen/Qwen2.5-7B-Instruct');
    const draft = screen.getByLabelText('Draft model') as HTMLInputElement;
    await user.click(draft);
    await user.paste('q'.repeat(1100));
    await user.click(screen.getByRole('button', { name: 'Find the best setting' }));
    expect(fake.callsTo('sweep:optimize')).toHaveLength(0);
    expect(draft.getAttribute('aria-invalid')).toBe('true');
    const msg = document.getElementById(draft.getAttribute('aria-describedby')!)!;
    expect(msg.textContent).toMatch(/^The draft model is longer than 1024 characters/);
  });

  it('an overlong concurrency value is named by its start, not echoed across the page', async () => {
    const user = userEvent.setup();
    renderApp(createFakeApi().api, 'start');
    await waitFor(() => expect(cards().length).toBeGreaterThan(4));
    await user.click(card('vllm'));
    const box = screen.getByLabelText('Concurrent requests');
    await user.clear(box);
    await user.click(box);
    await user.paste('9'.repeat(3000));
    await user.click(screen.getByRole('button', { name: 'Find the best setting' }));
    const msg = document.getElementById(box.getAttribute('aria-describedby')!)!;
    expect(msg.textContent).toMatch(/3000 characters/);
    expect(msg.textContent!.length).toBeLessThan(160);
  });

  it("the address error names the picked engine's own address; an empty address with List its models says what is missing", async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({ 'engines:models': () => ({ models: ['m'], draftCandidates: [] }) });
    renderApp(fake.api, 'start');
    await waitFor(() => expect(cards().length).toBeGreaterThan(4));
    await user.click(card('ollama'));
    const address = screen.getByLabelText('Server address');
    await user.clear(address);
    await user.click(screen.getByRole('button', { name: 'List its models' }));
    expect(fake.callsTo('engines:models')).toHaveLength(0);
    const msg = () => document.getElementById(address.getAttribute('aria-describedby')!)!.textContent!;
    expect(address.getAttribute('aria-invalid')).toBe('true');
    expect(msg()).toMatch(/Give the address where Ollama answers first, for example http:\/\/127\.0\.0\.1:11434/);
    await user.type(address, 'localhost:11434');
    expect(address.getAttribute('aria-invalid')).toBe('false');
    await user.click(screen.getByRole('button', { name: 'List its models' }));
    expect(msg()).toContain(':11434');
    expect(msg()).not.toContain(':1234');
    expect(fake.callsTo('engines:models')).toHaveLength(0);
  });
});

describe('Forms check a box when it is left, in sentences naming it', () => {
  it('Sweep form: a bad Repeats is named with an example on blur, before Run; the k list takes the CLI range syntax', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi();
    renderApp(fake.api);
    await user.type(await screen.findByLabelText('Model'), 'demo/simulated-7b');
    await user.click(screen.getByTestId('nav-sweep'));
    const repeats = await screen.findByLabelText('Repeats');
    await user.clear(repeats);
    await user.type(repeats, '1e400');
    expect(repeats.getAttribute('aria-invalid')).toBe('false');
    await user.tab();
    expect(repeats.getAttribute('aria-invalid')).toBe('true');
    const said = document.getElementById(repeats.getAttribute('aria-describedby')!)!.textContent!;
    expect(said).toMatch(/^Repeats must be a whole number from 1 to 100, e\.g\. 3/);
    // Only the box left is marked: the others wait for their turn.
    expect(screen.getByLabelText('Configurations (k list)').getAttribute('aria-invalid')).toBe('false');

    const tokens = screen.getByLabelText('Configurations (k list)');
    await user.clear(tokens);
    await user.type(tokens, '1-8');
    await user.tab();
    expect(tokens.getAttribute('aria-invalid')).toBe('false');
    const chips = within(screen.getByLabelText('Configurations to run')).getAllByText(/./).map((c) => c.textContent);
    expect(chips).toEqual(['baseline', 'k=1', 'k=2', 'k=3', 'k=4', 'k=5', 'k=6', 'k=7', 'k=8']);
    await user.clear(tokens);
    await user.type(tokens, '0,3,x');
    await user.tab();
    expect(document.getElementById(tokens.getAttribute('aria-describedby')!)!.textContent).toMatch(/^The k list: item 3 \(“x”\) is not a number/);
    expect(fake.callsTo('sweep:start')).toHaveLength(0);
  });

  it('Servers form: numbers that do not read are named in words on blur, never zod internals', async () => {
    const user = userEvent.setup();
    renderApp(createFakeApi().api);
    const tp = await screen.findByLabelText('Tensor parallel size');
    const messageOf = (el: HTMLElement) => document.getElementById(el.getAttribute('aria-describedby')!)!.textContent!;
    for (const typed of ['abc', '99999999999999999999']) {
      await user.clear(tp);
      await user.type(tp, typed);
      await user.tab();
      expect(tp.getAttribute('aria-invalid')).toBe('true');
      expect(messageOf(tp)).toMatch(/^Tensor parallel size must be .*e\.g\. 1/);
      expect(messageOf(tp)).not.toMatch(/Invalid input|NaN|9007199254740991/);
    }
    const port = screen.getByLabelText('Port');
    await user.clear(port);
    await user.type(port, 'abc');
    await user.tab();
    expect(messageOf(port)).toBe('The port must be a whole number from 1 to 65535, e.g. 8000');
  });
});

describe('A bad Command is answered in the app’s terms', () => {
  const refusal = {
    code: 'COMMAND_NOT_FOUND',
    message: '"abc" does not start vLLM: no program by that name is installed here, and it is not a file',
    hint: 'choose the file that starts vLLM (its full path) as the Command, or press "Use the simulator" to try SpecTune without it',
  };

  it('one click refused for its command stays on the first screen with the Command box marked, and shows no internal code', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({
      'sweep:optimize': () => {
        throw refusal;
      },
    });
    const { container } = renderApp(fake.api, 'start');
    await waitFor(() => expect(cards().length).toBeGreaterThan(4));
    await user.click(card('vllm'));
    const command = screen.getByLabelText('Command');
    await user.clear(command);
    await user.type(command, 'abc');
    await user.type(screen.getByLabelText('Model'), 'Qwen/Qwen2.5-7B-Instruct');
    await user.selectOptions(screen.getByLabelText('Or guess without a draft model'), 'ngram');
    await user.click(screen.getByRole('button', { name: 'Find the best setting' }));
    await waitFor(() => expect(fake.callsTo('sweep:optimize')).toHaveLength(1));
    await waitFor(() => expect(screen.getByLabelText('Command').getAttribute('aria-invalid')).toBe('true'));
    const said = document.getElementById(screen.getByLabelText('Command').getAttribute('aria-describedby')!)!.textContent!;
    expect(said).toMatch(/^"abc" does not start vLLM/);
    expect(said).toMatch(/Use the simulator/);
    // The fix is at hand: the demo link is on the same step.
    expect(screen.getByRole('button', { name: 'Use the simulator' })).toBeTruthy();
    expect(container.textContent).not.toMatch(/COMMAND_NOT_FOUND|SWEEP_FAILED/);
  });

  it('a run that fails later shows what happened without its internal code', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({ 'sweep:start': () => ({ runId: 'r-1' }) });
    const { container } = renderApp(fake.api);
    await user.type(await screen.findByLabelText('Model'), 'demo/simulated-7b');
    await user.selectOptions(screen.getByLabelText('Speculation method'), 'ngram');
    await user.click(screen.getByTestId('nav-sweep'));
    await user.click(await screen.findByRole('button', { name: 'Run sweep' }));
    await waitFor(() => expect(fake.callsTo('sweep:start')).toHaveLength(1));
    act(() => fake.emit('sweep:done', { runId: 'r-1', status: 'failed', reportPath: null, error: 'the server exited before it was ready' }));
    expect((await screen.findByTestId('sweep-error')).textContent).toContain('the server exited before it was ready');
    expect(container.textContent).not.toMatch(/SWEEP_FAILED/);
  });
});

describe("LM Studio's Apply on the simulator", () => {
  it('says Apply is for a real LM Studio instead of offering to run lms', async () => {
    const base = ReportSchema.parse(fixture);
    const simulated: Report = {
      ...base,
      plan: { ...base.plan, mode: 'attached', url: 'http://127.0.0.1:40001' },
      server: { ...base.server, kind: 'lmstudio', simulated: true },
      recommendation: { ...base.recommendation!, engine: 'lmstudio', numSpeculativeTokens: null, draftModel: 'qwen2.5-0.5b-instruct', setting: 'draft model qwen2.5-0.5b-instruct', command: null, argv: null },
    };
    const fake = createFakeApi();
    const { store } = renderApp(fake.api, 'start');
    act(() => store.setState({ screen: 'oneclick', sweep: { ...NO_RUN, oneClick: true, kind: 'sweep', status: 'complete', runId: 'sim-1', report: simulated } }));
    expect((await screen.findByTestId('apply-simulated')).textContent).toMatch(/is for a real LM Studio/);
    expect(screen.queryByRole('button', { name: /Apply with the engine's own tool/ })).toBeNull();
  });
});

describe('A simulated run teaches the real command first', () => {
  it('Results: the real engine’s startup line, then the simulator’s under its own heading', async () => {
    const base = ReportSchema.parse(fixture);
    const real = 'vllm serve Qwen/Qwen2.5-7B-Instruct --port 8000';
    const withReal: Report = { ...base, recommendation: { ...base.recommendation!, realEngine: { label: 'vLLM', command: real } } };
    const { store } = renderApp(createFakeApi().api);
    act(() => store.setState({ screen: 'results', results: { report: withReal, runId: 'r-2', source: 'history' } }));
    const first = await screen.findByTestId('rec-command');
    expect(first.textContent).toBe(real);
    const sim = screen.getByTestId('rec-command-simulator');
    expect(sim.textContent).toBe(base.recommendation!.command);
    expect(first.compareDocumentPosition(sim) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Startup command for a real vLLM' })).toBeTruthy();
    expect(screen.getByRole('heading', { name: /The simulator's command/ })).toBeTruthy();
  });
});

describe('A port SpecTune’s own server holds', () => {
  it('Start refused with PORT_IN_USE names the holder and offers Stop it, which stops that server by its port', async () => {
    const user = userEvent.setup();
    const orphan = { pid: 4242, pgid: 4242, port: 8000, url: 'http://127.0.0.1:8000', engine: 'vllm', command: ['vllm', 'serve', 'm'], ownerPid: 99, createdAt: '2026-12-07T00:00:00Z', orphan: true, pids: [4242] };
    const fake = createFakeApi({
      'server:start': () => {
        throw { code: 'PORT_IN_USE', message: "port 8000 is taken by SpecTune's own vLLM server (pid 4242), left running by an earlier SpecTune session", hint: 'Stop it (the button here) to free the port, or choose another port' };
      },
      'runs:list': () => [orphan],
      'runs:stop': () => ({ stopped: [{ pid: 4242, port: 8000, forced: false, survivors: [] }], refused: [], dropped: 0 }),
    });
    const { container } = renderApp(fake.api);
    await user.type(await screen.findByLabelText('Model'), 'demo/simulated-7b');
    await user.selectOptions(screen.getByLabelText('Speculation method'), 'ngram');
    await user.click(screen.getByRole('button', { name: 'Start' }));
    expect((await screen.findByTestId('server-error')).textContent).toContain("taken by SpecTune's own vLLM server");
    await user.click(within(await screen.findByTestId('port-holder')).getByRole('button', { name: 'Stop it' }));
    await waitFor(() => expect(fake.callsTo('runs:stop')).toEqual([{ port: 8000 }]));
    expect((await screen.findByTestId('notice')).textContent).toMatch(/port is free/);
    expect(screen.queryByTestId('server-error')).toBeNull();
    expect(container.textContent).not.toMatch(/PORT_IN_USE|ss -ltnp/);
  });
});
