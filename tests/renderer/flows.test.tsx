// @vitest-environment jsdom
import './setup-dom';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { Preset, RunSummary } from '../../src/shared/ipc-contract';
import { ReportSchema, type ServerSettings, type ServerState } from '../../src/shared/schemas';
import fixture from './fixtures/report.json';
import { browserInfo, createFakeApi, stoppedState } from './fake-api';
import { renderApp } from './render-app';

const report = ReportSchema.parse(fixture);
const rec = report.recommendation!;
const settings: ServerSettings = {
  engine: 'vllm', command: ['vllm'], model: 'demo/simulated-7b', method: 'ngram', numSpeculativeTokens: 0, host: '127.0.0.1', port: 8011,
  extraArgs: [], startupTimeoutMs: 900_000, stopGraceMs: 10_000, env: {},
};
const ready = (k: number): ServerState => ({
  ...stoppedState, phase: 'ready', pid: 7, url: 'http://127.0.0.1:8011', settings: { ...settings, numSpeculativeTokens: k }, simulated: true, models: ['demo/simulated-7b'],
});
const summary = (runId: string, k: number, speedup: number): RunSummary => ({
  runId, createdAt: '2026-11-28T18:00:00.000Z', status: 'complete', model: 'demo/simulated-7b', simulated: true, recommendedK: k, speedupPercent: speedup,
  reportPath: `/data/runs/${runId}/test_results.json`,
});

describe('Results actions', () => {
  it('copies the command, downloads the report in browser mode (no path sent to the server), and applies the recommendation', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({
      'sweep:state': () => ({ running: false, runId: 'run-9', kind: 'sweep', progress: null, report }),
      'history:get': () => report,
      'report:apply': () => ready(rec.numSpeculativeTokens!),
    });
    // jsdom has no object URLs and does not download: record what the page hands the browser.
    const blobs: Blob[] = [];
    const downloads: { href: string; download: string }[] = [];
    const created = vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => {
      blobs.push(b as Blob);
      return 'blob:spectune/1';
    });
    const revoke = vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      downloads.push({ href: this.href, download: this.download });
    });
    try {
      renderApp(fake.api);
      await user.click(await screen.findByTestId('nav-results'));
      await screen.findByTestId('results-view');

      await user.click(screen.getByRole('button', { name: 'Copy command' }));
      expect(await navigator.clipboard.readText()).toBe(rec.command);
      expect(screen.getByText('Command copied').getAttribute('role')).toBe('status');

      expect(screen.queryByRole('button', { name: /Save test_results\.json/ })).toBeNull();
      await user.click(screen.getByRole('button', { name: 'Download test_results.json' }));
      await waitFor(() => expect(downloads).toEqual([{ href: 'blob:spectune/1', download: 'test_results-run-9.json' }]));
      expect(ReportSchema.parse(JSON.parse(await blobs[0].text()))).toEqual(report);
      expect(blobs[0].type).toBe('application/json');
      expect(fake.callsTo('history:get')).toEqual([{ runId: 'run-9' }]);
      expect(fake.callsTo('report:save')).toEqual([]);
    } finally {
      created.mockRestore();
      revoke.mockRestore();
      click.mockRestore();
    }

    await user.click(screen.getByRole('button', { name: /Apply/ }));
    await waitFor(() => expect(fake.callsTo('report:apply')).toEqual([{ runId: 'run-9' }]));
    expect((await screen.findByTestId('notice')).textContent).toBe(`Server restarted with k = ${rec.numSpeculativeTokens}`);
    // The form follows the applied settings, so a later Start/preset uses them.
    await user.click(screen.getByTestId('nav-servers'));
    expect((screen.getByLabelText('Draft tokens (k)') as HTMLInputElement).value).toBe(String(rec.numSpeculativeTokens));
  });

  it('in Electron, Save asks main (whose native dialog picks the file) and sends only the run id', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({
      'app:info': () => ({ ...browserInfo, mode: 'electron' }),
      'sweep:state': () => ({ running: false, runId: 'run-9', kind: 'sweep', progress: null, report }),
      'report:save': () => ({ path: '/home/u/chosen.json' }),
    });
    renderApp(fake.api);
    await user.click(await screen.findByTestId('nav-results'));
    await user.click(await screen.findByRole('button', { name: 'Save test_results.json…' }));
    await waitFor(() => expect(screen.getByTestId('saved-path').textContent).toBe('Saved to /home/u/chosen.json'));
    expect(fake.callsTo('report:save')).toEqual([{ runId: 'run-9' }]);
  });

  it('shows why an apply failed', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi({
      'sweep:state': () => ({ running: false, runId: 'run-9', kind: 'sweep', progress: null, report }),
      'report:apply': () => {
        throw Object.assign(new Error('attached run: SpecTune does not know how this server was launched'), { code: 'INVALID_INPUT', hint: 'start the server from the Servers screen' });
      },
    });
    renderApp(fake.api);
    await user.click(await screen.findByTestId('nav-results'));
    await user.click(await screen.findByRole('button', { name: /Apply/ }));
    expect((await screen.findByTestId('notice')).textContent).toBe(
      'attached run: SpecTune does not know how this server was launched — start the server from the Servers screen',
    );
  });

  it('with nothing measured, Results offers a way to the Sweep screen', async () => {
    const user = userEvent.setup();
    renderApp(createFakeApi().api);
    await user.click(await screen.findByTestId('nav-results'));
    expect(screen.getByText(/No results yet/)).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Go to Sweep' }));
    expect(screen.getByRole('heading', { name: 'Sweep' })).toBeTruthy();
  });
});

describe('Presets', () => {
  it('saves current settings, renames, applies and deletes', async () => {
    const user = userEvent.setup();
    let store: Preset[] = [];
    const fake = createFakeApi({
      'presets:list': () => store,
      'presets:save': (a) => {
        const p: Preset = { id: 'p1', name: a.name, settings: a.settings as ServerSettings, createdAt: 'x', updatedAt: '2026-11-28T18:00:00.000Z', note: a.note ?? '' };
        store = [p];
        return p;
      },
      'presets:rename': (a) => (store = store.map((p) => (p.id === a.id ? { ...p, name: a.name } : p)))[0],
      'presets:apply': () => ready(5),
      'presets:delete': () => {
        store = [];
        return { deleted: true };
      },
    });
    renderApp(fake.api);
    await user.type(await screen.findByLabelText('Model'), 'demo/simulated-7b');
    await user.selectOptions(screen.getByLabelText('Speculation method'), 'ngram');
    // k defaults to 0 (a valid launch without a draft): the preset's k is typed.
    await user.clear(screen.getByLabelText('Draft tokens (k)'));
    await user.type(screen.getByLabelText('Draft tokens (k)'), '5');
    await user.click(screen.getByTestId('nav-presets'));
    expect(screen.getByText(/No presets yet/)).toBeTruthy();

    await user.type(screen.getByLabelText('Preset name'), 'Fast ngram');
    await user.click(screen.getByRole('button', { name: 'Save current settings' }));
    const row = await screen.findByRole('listitem', { name: 'Preset Fast ngram' });
    const saved = fake.callsTo('presets:save')[0] as { name: string; settings: ServerSettings };
    expect(saved.name).toBe('Fast ngram');
    expect(saved.settings).toMatchObject({ model: 'demo/simulated-7b', method: 'ngram', numSpeculativeTokens: 5 });
    expect(row.textContent).toContain('k = 5');

    // A rename abandoned (Cancel, or Escape from the keyboard) starts from the preset's name next time.
    await user.click(within(row).getByRole('button', { name: 'Rename' }));
    await user.type(within(row).getByLabelText('New name'), ' abandoned');
    await user.click(within(row).getByRole('button', { name: 'Cancel' }));
    await user.click(within(row).getByRole('button', { name: 'Rename' }));
    expect((within(row).getByLabelText('New name') as HTMLInputElement).value).toBe('Fast ngram');
    await user.keyboard(' typo{Escape}');
    expect(within(row).queryByLabelText('New name')).toBeNull();
    await user.click(within(row).getByRole('button', { name: 'Rename' }));
    const name = within(row).getByLabelText('New name');
    expect((name as HTMLInputElement).value).toBe('Fast ngram');
    await user.clear(name);
    await user.type(name, 'Renamed');
    await user.click(within(row).getByRole('button', { name: 'Save name' }));
    await screen.findByRole('listitem', { name: 'Preset Renamed' });
    expect(fake.callsTo('presets:rename')).toEqual([{ id: 'p1', name: 'Renamed' }]);

    await user.click(screen.getByRole('button', { name: 'Apply' }));
    await waitFor(() => expect(fake.callsTo('presets:apply')).toEqual([{ id: 'p1' }]));
    // The apply answers after the restart: the notice says where the server is, not "restarting".
    expect((await screen.findByTestId('notice')).textContent).toBe('Preset applied: server running with k = 5');
    // A confirmation belongs to its screen: moving on clears it.
    await user.click(screen.getByTestId('nav-servers'));
    expect(screen.queryByTestId('notice')).toBeNull();
    await user.click(screen.getByTestId('nav-presets'));

    await user.click(screen.getByRole('button', { name: 'Delete' }));
    expect(document.activeElement?.textContent).toBe('Keep');
    expect(fake.callsTo('presets:delete')).toHaveLength(0);
    await user.click(screen.getByRole('button', { name: 'Confirm delete' }));
    await waitFor(() => expect(screen.queryByTestId('preset-row')).toBeNull());
    expect(fake.callsTo('presets:delete')).toEqual([{ id: 'p1' }]);
  });

  it('refuses to save a preset while the server form is invalid', async () => {
    const user = userEvent.setup();
    const fake = createFakeApi();
    renderApp(fake.api);
    await user.click(await screen.findByTestId('nav-presets'));
    await user.type(screen.getByLabelText('Preset name'), 'x');
    await user.click(screen.getByRole('button', { name: 'Save current settings' }));
    expect((await screen.findByTestId('presets-error')).textContent).toContain('The server settings are not valid yet');
    expect(fake.callsTo('presets:save')).toHaveLength(0);
  });

  it('follows presets:changed events', async () => {
    const fake = createFakeApi();
    const { store } = renderApp(fake.api);
    await waitFor(() => expect(fake.callsTo('presets:list')).toHaveLength(1));
    act(() => fake.emit('presets:changed', [{ id: 'z', name: 'From elsewhere', settings, createdAt: 'x', updatedAt: 'y', note: '' }]));
    act(() => store.getState().setScreen('presets'));
    expect(screen.getByRole('listitem', { name: 'Preset From elsewhere' })).toBeTruthy();
  });
});

describe('History', () => {
  it('opens a past run in Results and compares two side by side', async () => {
    const user = userEvent.setup();
    const other = ReportSchema.parse({ ...fixture, server: { ...fixture.server, model: 'other/model-1b' } });
    const fake = createFakeApi({
      'history:list': () => [summary('r1', 5, 38.6), summary('r2', 3, 12), { ...summary('r3', 0, 0), status: 'cancelled' }],
      'history:get': (a) => (a.runId === 'r1' ? report : other),
    });
    renderApp(fake.api);
    await user.click(await screen.findByTestId('nav-history'));
    const table = await screen.findByTestId('history-table');
    expect(within(table).getAllByRole('row')).toHaveLength(4);
    expect(table.textContent).toContain('+38.6%');
    expect(within(table).getAllByTestId('simulated-label')).toHaveLength(3);
    // A run whose best was no speculation says so, not "k 0".
    expect(within(within(table).getAllByRole('row')[3]).getAllByRole('cell')[2].textContent).toBe('baseline');

    await user.click(within(table).getAllByRole('button', { name: 'Compare as A' })[0]);
    await user.click(within(table).getAllByRole('button', { name: 'Compare as B' })[1]);
    const compare = await screen.findByTestId('compare');
    await waitFor(() => expect(within(compare).getAllByTestId('results-view')).toHaveLength(2));
    // Two recommendation panels at once, each named by its own heading: no id may repeat.
    const ids = [...document.querySelectorAll('[id]')].map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(within(compare).getAllByRole('region', { name: 'Recommendation' })).toHaveLength(2);
    expect(compare.textContent).toContain('demo/simulated-7b');
    expect(compare.textContent).toContain('other/model-1b');
    // The headline numbers of both runs read across one table, with units.
    const rowOf = (label: string) => within(screen.getByTestId('compare-table')).getByRole('rowheader', { name: label }).closest('tr')!;
    expect([...rowOf('Model').querySelectorAll('td')].map((td) => td.textContent)).toEqual(['demo/simulated-7b SIMULATED', 'other/model-1b SIMULATED']);
    const kCell = rec.numSpeculativeTokens === 0 ? 'baseline' : `k = ${rec.numSpeculativeTokens}`;
    expect([...rowOf('Recommended').querySelectorAll('td')].map((td) => td.textContent)).toEqual([kCell, kCell]);
    expect(rowOf('Throughput there').querySelector('td')!.textContent).toMatch(/ tok\/s$/);
    expect(rowOf('Baseline (k = 0) tok/s').querySelector('td')!.textContent).toMatch(/ tok\/s$/);

    await user.click(within(table).getAllByRole('button', { name: 'Open' })[1]);
    expect(await screen.findByText('(from history)')).toBeTruthy();
    expect(screen.getByTestId('results-view').textContent).toContain('other/model-1b');
    expect(fake.callsTo('history:get')).toContainEqual({ runId: 'r2' });
  });
});

describe('One click and the shell', () => {
  // A partial sweep (a configuration failed) still restarts on its winner, so the form must follow then too.
  it.each(['complete', 'partial'] as const)('runs sweep:optimize with current settings, shows the winner and saves it as a preset (%s)', async (status) => {
    const user = userEvent.setup();
    let serverNow: ServerState = stoppedState;
    const fake = createFakeApi({
      'server:state': () => serverNow,
      'sweep:optimize': () => ({ runId: 'opt-1' }),
      'presets:save': (a) => ({ id: 'p9', name: a.name, settings: a.settings as ServerSettings, createdAt: 'x', updatedAt: 'y', note: a.note ?? '' }),
    });
    renderApp(fake.api);
    await user.type(await screen.findByLabelText('Model'), 'demo/simulated-7b');
    await user.selectOptions(screen.getByLabelText('Speculation method'), 'ngram');
    await user.clear(screen.getByLabelText('Draft tokens (k)'));
    await user.type(screen.getByLabelText('Draft tokens (k)'), rec.numSpeculativeTokens === 7 ? '3' : '7');
    await user.click(screen.getByTestId('nav-oneclick'));
    await user.click(screen.getByRole('button', { name: 'Find the best setting' }));
    await waitFor(() => expect(fake.callsTo('sweep:optimize')).toHaveLength(1));
    expect(fake.callsTo('sweep:optimize')[0]).toMatchObject({ mode: 'managed', tokens: [0, 1, 2, 3, 4, 5, 6, 7, 8], server: { model: 'demo/simulated-7b' } });
    expect(screen.getByRole('button', { name: 'Find the best setting' }).hasAttribute('disabled')).toBe(true);

    serverNow = ready(rec.numSpeculativeTokens!);
    act(() => {
      fake.emit('sweep:report', report);
      fake.emit('server:state', serverNow);
      fake.emit('sweep:done', { runId: 'opt-1', status, reportPath: '/d/test_results.json', error: null });
    });
    expect((await screen.findByTestId('oneclick-winner')).textContent).toContain(`k = ${rec.numSpeculativeTokens}`);
    await user.click(screen.getByRole('button', { name: 'Save as preset' }));
    await waitFor(() => expect(fake.callsTo('presets:save')).toHaveLength(1));
    const saved = fake.callsTo('presets:save')[0] as { name: string; settings: ServerSettings };
    expect(saved.name).toBe(`Optimal k=${rec.numSpeculativeTokens}`);
    expect(saved.settings.numSpeculativeTokens).toBe(rec.numSpeculativeTokens);
    // The Servers form now shows what the server runs.
    await user.click(screen.getByTestId('nav-servers'));
    expect((screen.getByLabelText('Draft tokens (k)') as HTMLInputElement).value).toBe(String(rec.numSpeculativeTokens));
  });

  it('the first Tab offers a skip past the navigation to the screen', async () => {
    const user = userEvent.setup();
    renderApp(createFakeApi().api);
    await screen.findByRole('heading', { name: 'Servers' });
    await user.tab();
    expect(document.activeElement?.textContent).toBe('Skip to the screen');
    await user.keyboard('{Enter}');
    expect(document.activeElement).toBe(screen.getByRole('main'));
    // The next Tab lands inside the screen, not on the navigation.
    await user.tab();
    expect(screen.getByRole('main').contains(document.activeElement)).toBe(true);
  });

  it('theme toggle cycles system → light → dark and is remembered', async () => {
    const user = userEvent.setup();
    renderApp(createFakeApi().api);
    const toggle = await screen.findByRole('button', { name: /^Theme: system/ });
    expect(document.documentElement.hasAttribute('data-theme')).toBe(false);
    await user.click(toggle);
    expect(document.documentElement.getAttribute('data-theme')).toBe('light');
    await user.click(toggle);
    expect(document.documentElement.getAttribute('data-theme')).toBe('dark');
    expect(localStorage.getItem('spectune.theme')).toBe('"dark"');
  });

  it('navigation is plain buttons reachable by keyboard, the current screen marked', async () => {
    const user = userEvent.setup();
    renderApp(createFakeApi().api);
    const servers = await screen.findByTestId('nav-servers');
    expect(servers.getAttribute('aria-current')).toBe('page');
    servers.focus();
    await user.keyboard('{Tab}');
    expect(document.activeElement).toBe(screen.getByTestId('nav-sweep'));
    await user.keyboard('{Enter}');
    expect(screen.getByTestId('nav-sweep').getAttribute('aria-current')).toBe('page');
    expect(screen.getByRole('heading', { name: 'Sweep' })).toBeTruthy();
  });

  it('says clearly when the services cannot be reached', async () => {
    const fake = createFakeApi({
      'app:info': () => {
        throw Object.assign(new Error('the UI server refused the access token'), { code: 'UNAUTHORIZED', hint: 'open the full URL `spectune ui` printed' });
      },
    });
    renderApp(fake.api);
    const panel = await screen.findByTestId('init-error');
    expect(panel.textContent).toContain('UNAUTHORIZED');
    expect(panel.textContent).toContain('open the full URL');
  });
});
