// @vitest-environment jsdom
import './setup-dom';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Preset } from '../../src/shared/ipc-contract';
import type { LaunchedServer } from '../../src/shared/launched-server';
import { ReportSchema, type ServerSettings } from '../../src/shared/schemas';
import fixture from './fixtures/report.json';
import { createFakeApi, stoppedState } from './fake-api';
import { renderApp } from './render-app';

const report = ReportSchema.parse(fixture);
const settings: ServerSettings = {
  engine: 'vllm', command: ['vllm'], model: 'demo/simulated-7b', method: 'ngram', numSpeculativeTokens: 3, host: '127.0.0.1', port: 8011,
  extraArgs: [], startupTimeoutMs: 900_000, stopGraceMs: 10_000, env: {},
};
const preset: Preset = { id: 'p1', name: 'Fast', settings, createdAt: 'x', updatedAt: '2026-11-28T18:00:00.000Z', note: '' };
const REASON = /A sweep is running and controls the server; cancel it on the Sweep screen/;

describe('server controls while a sweep runs', () => {
  it('Start, Stop, Restart, preset Apply and report Apply are disabled with the reason shown, and come back when it ends', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({
      'sweep:state': () => ({ running: true, runId: 'run-1', kind: 'sweep', progress: null, report }),
      'server:state': () => ({ ...stoppedState, phase: 'ready', pid: 9, url: 'http://127.0.0.1:8011', settings }),
      'presets:list': () => [preset],
    });
    renderApp(fake.api);

    const start = await screen.findByRole('button', { name: 'Start' });
    await waitFor(() => expect(screen.getByRole('button', { name: 'Stop' })).toHaveProperty('disabled', true));
    for (const name of ['Start', 'Stop', 'Restart']) {
      const b = screen.getByRole('button', { name });
      expect(b).toHaveProperty('disabled', true);
      expect(b.getAttribute('title')).toMatch(REASON);
    }
    expect(start).toHaveProperty('disabled', true);
    expect(screen.getByTestId('server-lock-reason').textContent).toMatch(REASON);

    await user.click(screen.getByTestId('nav-presets'));
    const row = await screen.findByTestId('preset-row');
    expect(within(row).getByRole('button', { name: 'Apply' })).toHaveProperty('disabled', true);
    expect(within(row).getByTestId('preset-lock-reason').textContent).toMatch(REASON);

    await user.click(screen.getByTestId('nav-results'));
    const apply = await screen.findByRole('button', { name: 'Apply (restart server on this)' });
    expect(apply).toHaveProperty('disabled', true);
    expect(screen.getByTestId('apply-lock-reason').textContent).toMatch(REASON);

    act(() => fake.emit('sweep:done', { runId: 'run-1', status: 'complete', reportPath: null, error: null }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Apply (restart server on this)' })).toHaveProperty('disabled', false));
    expect(screen.queryByTestId('apply-lock-reason')).toBeNull();
    await user.click(screen.getByTestId('nav-servers'));
    expect(screen.getByRole('button', { name: 'Stop' })).toHaveProperty('disabled', false);
    expect(screen.getByRole('button', { name: 'Restart' })).toHaveProperty('disabled', false);
    expect(screen.queryByTestId('server-lock-reason')).toBeNull();
  });
});

const launched = (pid: number, orphan: boolean): LaunchedServer => ({
  pid, pgid: pid, port: 8000 + (pid % 100), url: `http://127.0.0.1:${8000 + (pid % 100)}`, engine: 'vllm', command: ['vllm', 'serve', 'm'],
  ownerPid: orphan ? 1 : 2, createdAt: '2026-11-28T18:00:00.000Z', orphan, pids: [pid, pid + 1],
});

describe('servers left running by an earlier session', () => {
  it('shows a banner for orphans only and stops them on one click', async () => {
    const user = userEvent.setup();
    let left = [launched(4301, true), launched(4402, false)];
    const fake = createFakeApi({
      'runs:list': () => left,
      'runs:stop': () => {
        const stopped = left.filter((s) => s.orphan).map((s) => ({ pid: s.pid, port: s.port, forced: false, survivors: [] }));
        left = left.filter((s) => !s.orphan);
        return { stopped, refused: [], dropped: 0 };
      },
    });
    renderApp(fake.api);
    const banner = await screen.findByTestId('left-running-banner');
    expect(banner.textContent).toContain('1 server left running by an earlier SpecTune session');
    expect(banner.textContent).toContain('pids 4301, 4302');
    await user.click(within(banner).getByRole('button', { name: 'Stop it' }));
    await waitFor(() => expect(screen.queryByTestId('left-running-banner')).toBeNull());
    expect(fake.callsTo('runs:stop')).toEqual([{}]);
    expect((await screen.findByTestId('notice')).textContent).toBe('Stopped 1 server left running');
  });
});
