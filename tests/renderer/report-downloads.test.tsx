// @vitest-environment jsdom
import './setup-dom';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReportSchema } from '../../src/shared/schemas';
import fixture from './fixtures/report.json';
import { createFakeApi } from './fake-api';
import { renderApp } from './render-app';

const report = ReportSchema.parse(fixture);

/** What the page handed to the browser's download machinery. */
interface Saved {
  download: string;
  href: string;
  blob: Blob;
}

let saved: Saved[];
let blobs: Map<string, Blob>;
const realCreate = URL.createObjectURL;
const realRevoke = URL.revokeObjectURL;

beforeEach(() => {
  saved = [];
  blobs = new Map();
  // jsdom has neither object URLs nor downloads: record what would be downloaded.
  URL.createObjectURL = vi.fn((b: Blob) => {
    const url = `blob:test/${blobs.size}`;
    blobs.set(url, b);
    return url;
  });
  URL.revokeObjectURL = vi.fn();
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    saved.push({ download: this.download, href: this.href, blob: blobs.get(this.href)! });
  });
});

afterEach(() => {
  URL.createObjectURL = realCreate;
  URL.revokeObjectURL = realRevoke;
  vi.restoreAllMocks();
});

async function openResults(fake: ReturnType<typeof createFakeApi>) {
  const user = userEvent.setup();
  renderApp(fake.api);
  await user.click(await screen.findByTestId('nav-results'));
  await screen.findByTestId('results-view');
  return user;
}

describe('Results: download the report as HTML, CSV or Markdown', () => {
  it('each button asks the API for its format and saves the answer as a Blob under its file name', async () => {
    const fake = createFakeApi({ 'sweep:state': () => ({ running: false, runId: 'run-9', kind: 'sweep', progress: null, report }) });
    const user = await openResults(fake);
    const group = screen.getByRole('group', { name: 'Download the report' });

    await user.click(within(group).getByRole('button', { name: 'Download HTML' }));
    await user.click(within(group).getByRole('button', { name: 'Download CSV' }));
    await user.click(within(group).getByRole('button', { name: 'Download Markdown' }));
    await waitFor(() => expect(saved).toHaveLength(3));

    const calls = fake.callsTo('report:export') as { report: unknown; format: string }[];
    expect(calls.map((c) => c.format)).toEqual(['html', 'csv', 'md']);
    for (const c of calls) expect(c.report).toEqual(report);

    const [html, csv, md] = saved;
    expect(html.download).toMatch(/^spectune-simulated-7b-\d{8}-\d{4}\.html$/);
    expect(html.blob.type).toBe('text/html;charset=utf-8');
    const htmlText = await html.blob.text();
    expect(htmlText).toMatch(/^<!doctype html>/);
    expect(htmlText).toContain('<svg');
    expect(csv.download).toMatch(/\.csv$/);
    expect((await csv.blob.text()).split('\r\n')[0]).toMatch(/^k,label,/);
    expect(md.download).toMatch(/\.md$/);
    expect(await md.blob.text()).toContain(`with ${report.recommendation!.numSpeculativeTokens} draft tokens`);
    expect(URL.createObjectURL).toHaveBeenCalledTimes(3);
    // Nothing left in the page: the anchors were temporary.
    expect(document.querySelectorAll('a[download]')).toHaveLength(0);
  });

  it('a failed export says why and downloads nothing', async () => {
    const fake = createFakeApi({
      'sweep:state': () => ({ running: false, runId: 'run-9', kind: 'sweep', progress: null, report }),
      'report:export': () => {
        throw Object.assign(new Error('body: larger than 5 MB'), { code: 'INVALID_INPUT', hint: 'save test_results.json and run `spectune report` on it' });
      },
    });
    const user = await openResults(fake);
    await user.click(screen.getByRole('button', { name: 'Download CSV' }));
    expect((await screen.findByTestId('notice')).textContent).toBe('body: larger than 5 MB — save test_results.json and run `spectune report` on it');
    expect(saved).toHaveLength(0);
    expect(screen.getByRole('button', { name: 'Download CSV' })).toHaveProperty('disabled', false);
  });
});
