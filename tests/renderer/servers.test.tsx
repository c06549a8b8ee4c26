// @vitest-environment jsdom
import './setup-dom';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../src/renderer/src/api/errors';
import type { ServerSettings, ServerState } from '../../src/shared/schemas';
import { createFakeApi, noEngineInfo, stoppedState } from './fake-api';
import { renderApp } from './render-app';
import { POLL_MS } from '../../src/renderer/src/screens/ServersScreen';

function readyState(settings: ServerSettings, extra: Partial<ServerState> = {}): ServerState {
  return {
    ...stoppedState,
    phase: 'ready',
    pid: 4242,
    url: `http://127.0.0.1:${settings.port}`,
    settings,
    version: '0.15.1',
    models: [settings.model],
    startedAt: '2026-11-28T18:00:00.000Z',
    readyAt: '2026-11-28T18:00:02.000Z',
    ...extra,
  };
}

async function fill(user: ReturnType<typeof userEvent.setup>, label: RegExp | string, value: string) {
  const input = screen.getByLabelText(label);
  await user.clear(input);
  if (value) await user.type(input, value);
}

describe('Servers screen', () => {
  it('shows a card per endpoint with what really listens', async () => {
    const fake = createFakeApi({
      'status:probe': () => [
        { name: 'vLLM (speculative server)', url: 'http://127.0.0.1:8000', running: true, reason: null, kind: 'vllm', version: '0.15.1', models: ['Qwen/Qwen2.5-7B'], simulated: true, latencyMs: 3.2 },
        { name: 'LM Studio', url: 'http://127.0.0.1:1234', running: false, reason: 'Connection refused', kind: 'unknown', version: null, models: [], simulated: false, latencyMs: null },
      ],
    });
    renderApp(fake.api);
    const cards = await screen.findAllByTestId('endpoint-card');
    expect(cards).toHaveLength(2);
    expect(within(cards[0]).getByTestId('endpoint-status').textContent).toBe('RUNNING');
    expect(within(cards[0]).getByTestId('endpoint-kind').textContent).toBe('vLLM 0.15.1');
    expect(cards[0].textContent).toContain('Qwen/Qwen2.5-7B');
    expect(cards[0].textContent).toContain('3 ms');
    expect(within(cards[0]).getByTestId('simulated-label')).toBeTruthy();
    expect(within(cards[1]).getByTestId('endpoint-status').textContent).toBe('NOT RUNNING');
    expect(cards[1].textContent).toContain('Connection refused');
    // Only the user's own endpoints travel: the service adds the default ones and the server it launched.
    expect(fake.callsTo('status:probe')[0]).toEqual({ endpoints: [] });
  });

  it('adds a custom endpoint (validated), probes it and remembers it', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi();
    renderApp(fake.api);
    const form = await screen.findByRole('form', { name: 'Add a server to watch' });
    await user.type(within(form).getByLabelText('Name'), 'llama box');
    await user.type(within(form).getByLabelText('URL'), 'not-a-url');
    await user.click(within(form).getByRole('button', { name: 'Add endpoint' }));
    expect(within(form).getByRole('alert').textContent).toBe('url: must be an http(s) URL like http://127.0.0.1:8000');
    await user.clear(within(form).getByLabelText('URL'));
    await user.type(within(form).getByLabelText('URL'), 'http://127.0.0.1:8080');
    await user.click(within(form).getByRole('button', { name: 'Add endpoint' }));
    await waitFor(() => {
      const last = fake.callsTo('status:probe').at(-1) as { endpoints: { name: string; url: string }[] };
      expect(last.endpoints).toContainEqual({ name: 'llama box', url: 'http://127.0.0.1:8080' });
    });
    expect(JSON.parse(localStorage.getItem('spectune.endpoints') ?? '[]')).toEqual([{ name: 'llama box', url: 'http://127.0.0.1:8080' }]);
  });

  it('validates the vLLM form before sending anything, naming each field and the fix', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi();
    renderApp(fake.api);
    await screen.findByLabelText('Model');
    await fill(user, 'Port', 'eighty');
    await fill(user, 'Draft tokens (k)', '40');
    await fill(user, 'GPU memory utilisation', '1.5');
    await user.click(screen.getByRole('button', { name: 'Start' }));
    expect(screen.getByText('Give the model to serve, e.g. "Qwen/Qwen2.5-7B-Instruct" (llama.cpp: a .gguf path)')).toBeTruthy();
    expect(screen.getByText('The port must be a whole number from 1 to 65535, e.g. 8000')).toBeTruthy();
    expect(screen.getByText('Draft tokens (k) must be a whole number from 0 (baseline) to 32, e.g. 3')).toBeTruthy();
    expect(screen.getByText('GPU memory utilisation must be a fraction between 0 and 1, e.g. 0.9')).toBeTruthy();
    expect(screen.getByLabelText('Port').getAttribute('aria-invalid')).toBe('true');
    expect(fake.callsTo('server:start')).toHaveLength(0);

    // k > 0 with neither a draft model nor a method is refused too.
    await fill(user, 'Model', 'Qwen/Qwen2.5-7B-Instruct');
    await fill(user, 'Port', '8011');
    await fill(user, 'Draft tokens (k)', '3');
    await fill(user, 'GPU memory utilisation', '0.8');
    await user.click(screen.getByRole('button', { name: 'Start' }));
    expect(screen.getByText(/^Speculation \(k > 0\) needs a draft model or a method/)).toBeTruthy();
    expect(fake.callsTo('server:start')).toHaveLength(0);
  });

  it('a start the user cancelled (Stop during start-up) is said plainly, not shown as an error', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({
      'server:start': () => {
        throw new ApiError({ code: 'CANCELLED', message: 'vLLM start cancelled; the server was stopped' }, 409);
      },
    });
    renderApp(fake.api);
    await screen.findByLabelText('vLLM command');
    await fill(user, 'Model', 'Qwen/Qwen2.5-7B-Instruct');
    await user.click(screen.getByRole('button', { name: 'Start' }));
    expect((await screen.findByTestId('notice')).textContent).toBe('Start cancelled: the server was stopped');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('starts with parsed settings (extra args split like a shell), shows phase, k and the live log', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({ 'server:start': (s) => readyState(s as ServerSettings) });
    renderApp(fake.api);
    // The label comes from the engine's descriptor, which arrives with engines:list.
    await screen.findByLabelText('vLLM command');
    await fill(user, 'vLLM command', 'python -m vllm.entrypoints.openai.api_server');
    await fill(user, 'Model', 'Qwen/Qwen2.5-7B-Instruct');
    await user.selectOptions(screen.getByLabelText('Speculation method'), 'ngram');
    await fill(user, 'Draft tokens (k)', '5');
    await fill(user, 'Port', '8011');
    await fill(user, 'Tensor parallel size', '2');
    await fill(user, 'Extra arguments', '--enforce-eager --served-model-name "my model"');
    await user.click(screen.getByRole('button', { name: 'Start' }));

    await waitFor(() => expect(fake.callsTo('server:start')).toHaveLength(1));
    const sent = fake.callsTo('server:start')[0] as ServerSettings;
    expect(sent.command).toEqual(['python', '-m', 'vllm.entrypoints.openai.api_server']);
    expect(sent).toMatchObject({ model: 'Qwen/Qwen2.5-7B-Instruct', method: 'ngram', numSpeculativeTokens: 5, port: 8011, tensorParallelSize: 2, gpuMemoryUtilization: 0.9 });
    expect(sent.extraArgs).toEqual(['--enforce-eager', '--served-model-name', 'my model']);

    await waitFor(() => expect(screen.getByTestId('server-phase').textContent).toBe('ready'));
    expect(screen.getByTestId('server-k').textContent).toBe('k = 5');
    expect(screen.getByRole('button', { name: 'Start' }).hasAttribute('disabled')).toBe(true);

    act(() => fake.emit('server:log', { stream: 'stdout', line: 'INFO: Uvicorn running on http://127.0.0.1:8011', at: '2026-11-28T18:00:02.000Z' }));
    expect(screen.getByTestId('server-log').textContent).toContain('Uvicorn running on http://127.0.0.1:8011');
  });

  it('shows a launch error with its hint and the last log lines (port in use, vllm not found)', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({
      'server:start': () => {
        throw new ApiError({
          code: 'PORT_IN_USE',
          message: 'port 8000 on 127.0.0.1 is already in use',
          hint: 'stop what listens there or pick another port',
          logTail: ['previous line one', 'previous line two'],
        });
      },
    });
    renderApp(fake.api);
    await fill(user, 'Model', 'm');
    await fill(user, 'Draft tokens (k)', '0');
    await user.click(screen.getByRole('button', { name: 'Start' }));
    const panel = await screen.findByTestId('server-error');
    // The code is kept for support (data-code), not shown: the message and the hint say it in words.
    expect(panel.textContent).not.toContain('PORT_IN_USE');
    expect(panel.getAttribute('data-code')).toBe('PORT_IN_USE');
    expect(panel.textContent).toContain('port 8000 on 127.0.0.1 is already in use');
    expect(panel.textContent).toContain('What to do: stop what listens there or pick another port');
    expect(within(panel).getByTestId('server-error-log').textContent).toBe('previous line one\nprevious line two');
  });

  it('a crash after ready arrives as state and shows the error and log tail', async () => {
    const fake = createFakeApi();
    renderApp(fake.api);
    await screen.findByTestId('server-phase');
    act(() =>
      fake.emit('server:state', {
        ...stoppedState,
        phase: 'crashed',
        error: { code: 'SERVER_CRASHED', message: 'vLLM exited with code 1 after it was ready. Last log lines: RuntimeError: CUDA error: out of memory', hint: 'read the log below', logTail: ['RuntimeError: CUDA error: out of memory'] },
        exit: { code: 1, signal: null },
      }),
    );
    expect(screen.getByTestId('server-phase').textContent).toBe('crashed');
    const panel = screen.getByTestId('server-error');
    expect(panel.textContent).toContain('The server crashed');
    expect(within(panel).getByTestId('server-error-log').textContent).toBe('RuntimeError: CUDA error: out of memory');
    // The tail is shown once, in its own box, not again inside the message.
    expect(panel.querySelector('.error-message')?.textContent).toBe('vLLM exited with code 1 after it was ready.');
    expect(screen.getByTestId('server-exit').textContent).toContain('code 1');
  });

  it('with the engine not installed, offers its simulator and fills the form from its descriptor, for any launched engine', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({ 'app:info': () => noEngineInfo });
    renderApp(fake.api);
    const offer = await screen.findByTestId('server-demo');
    expect(offer.textContent).toContain('No vLLM found on this machine?');
    await user.click(within(offer).getByRole('button', { name: 'Use the simulator' }));
    // The vLLM persona is the simulator's default: no persona word after `sim`.
    expect((screen.getByLabelText('vLLM command') as HTMLInputElement).value).toBe('node /opt/spectune/bin/spectune.js sim');
    expect((screen.getByLabelText('Model') as HTMLInputElement).value).toBe('Qwen/Qwen2.5-7B-Instruct');
    expect((screen.getByLabelText('Draft model') as HTMLInputElement).value).toBe('Qwen/Qwen2.5-0.5B-Instruct');
    // Once in use the offer becomes a reminder.
    expect(screen.getByTestId('server-demo').textContent).toContain('built-in simulator standing in for vLLM');
    expect(within(screen.getByTestId('server-demo')).queryByRole('button')).toBeNull();

    // Another launched engine: its own persona and demo models.
    await user.selectOptions(screen.getByLabelText('Engine'), 'llama.cpp');
    await user.clear(screen.getByLabelText('llama.cpp (llama-server) command'));
    await user.type(screen.getByLabelText('llama.cpp (llama-server) command'), 'llama-server');
    await user.click(within(screen.getByTestId('server-demo')).getByRole('button', { name: 'Use the simulator' }));
    expect((screen.getByLabelText('llama.cpp (llama-server) command') as HTMLInputElement).value).toBe('node /opt/spectune/bin/spectune.js sim llama-server');
    expect((screen.getByLabelText('Model') as HTMLInputElement).value).toBe('qwen2.5-7b-instruct-q4_k_m.gguf');
  });

  it('fills a Windows simulator command so that it starts with the same words (backslashes kept)', async () => {
    const user = userEvent.setup();
    const simulatorCommand = ['C:\\Users\\ana\\AppData\\Local\\Programs\\SpecTune\\SpecTune.exe', 'C:\\Program Files\\SpecTune\\resources\\simulator.js'];
    const fake = createFakeApi({
      'app:info': () => ({ ...noEngineInfo, platform: 'win32', simulatorCommand }),
      'server:start': (s) => readyState(s as ServerSettings),
    });
    renderApp(fake.api);
    await user.click(within(await screen.findByTestId('server-demo')).getByRole('button', { name: 'Use the simulator' }));
    // Recognised as the simulator, so the reminder replaces the offer.
    expect(screen.getByTestId('server-demo').textContent).toContain('built-in simulator');
    await user.click(screen.getByRole('button', { name: 'Start' }));
    await waitFor(() => expect(fake.callsTo('server:start')).toHaveLength(1));
    expect((fake.callsTo('server:start')[0] as ServerSettings).command).toEqual(simulatorCommand);
  });

  it('offers an engine the user runs, when it does not answer, on its simulator in the guided flow', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({
      'status:probe': () => [{ name: 'Ollama', url: 'http://127.0.0.1:11434', running: true, reason: null, kind: 'ollama', version: '0.12.0', models: ['qwen3.5:9b'], simulated: false, latencyMs: 2 }],
      'demo:start': () => ({ url: 'http://127.0.0.1:40222' }),
      'engines:models': () => ({ models: ['qwen2.5-7b-instruct'], draftCandidates: ['qwen2.5-0.5b-instruct'] }),
    });
    renderApp(fake.api);
    const offer = await screen.findByTestId('attached-demos');
    // Ollama answers here: only LM Studio is offered.
    expect(offer.textContent).toBe('No LM Studio running here? Try it on its simulator: Try LM Studio');
    await user.click(within(offer).getByRole('button', { name: 'Try LM Studio' }));
    await waitFor(() => expect(fake.callsTo('demo:start')).toEqual([{ engine: 'lmstudio' }]));
    expect(screen.getByTestId('nav-start').getAttribute('aria-current')).toBe('page');
    expect(screen.getByTestId('guide-demo').textContent).toBe('Using the simulator of LM Studio at http://127.0.0.1:40222.');
  });

  it('re-checks the servers every 15 s while the window is visible, and not while it is hidden', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const fake = createFakeApi();
    try {
      renderApp(fake.api);
      await waitFor(() => expect(fake.callsTo('status:probe').length).toBeGreaterThan(0));
      const before = fake.callsTo('status:probe').length;
      act(() => vi.advanceTimersByTime(POLL_MS - 1000));
      expect(fake.callsTo('status:probe')).toHaveLength(before);
      act(() => vi.advanceTimersByTime(1000));
      expect(fake.callsTo('status:probe')).toHaveLength(before + 1);
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      act(() => vi.advanceTimersByTime(3 * POLL_MS));
      expect(fake.callsTo('status:probe')).toHaveLength(before + 1);
    } finally {
      vi.useRealTimers();
      delete (document as { visibilityState?: string }).visibilityState;
    }
    expect(POLL_MS).toBeGreaterThanOrEqual(15_000);
  });

  it('does not offer the simulator where the engine is installed', async () => {
    const fake = createFakeApi();
    renderApp(fake.api);
    await screen.findAllByText('vLLM launched by SpecTune');
    await waitFor(() => expect(fake.callsTo('app:info')).toHaveLength(1));
    expect(screen.queryByTestId('server-demo')).toBeNull();
  });
});
