/**
 * A hostile server writes terminal escape sequences into its answers: a model id that
 * retitles the terminal (ESC ] 0 ; … BEL) and clears it (ESC [ 2 J), a version string
 * and error messages doing the same. `status` and `sweep` run as real CLI processes
 * against a real HTTP server; their output must carry no raw control character
 * (piped, NO_COLOR: SpecTune itself prints none), and the hostile text is shown made
 * visible. The Markdown export and the server log lines are checked the same way.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visibleControls } from '../src/shared/safe-text';
import { reportToMarkdown } from '../src/shared/report-export/markdown';
import { cleanLine } from '../src/node/line-buffer';
import { parseReportText } from '../src/shared/report-export';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'spectune.js');

const TITLE = '\u001b]0;pwned by the server\u0007';
const CLEAR = '\u001b[2J\u001b[H';
const MODEL = `evil${TITLE}${CLEAR}-model`;
/** Any C0 control except tab and newline, DEL, or a C1 control (0x9b is a one-byte CSI). */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

let server: Server;
let url = '';

function sse(res: import('node:http').ServerResponse, events: unknown[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const e of events) res.write(`data: ${JSON.stringify(e)}\n\n`);
  res.end('data: [DONE]\n\n');
}

beforeAll(async () => {
  server = createServer((req, res) => {
    // Under /err the server refuses every completion with a hostile error message.
    const raw = (req.url ?? '/').split('?')[0];
    const failing = raw.startsWith('/err/');
    const path = failing ? raw.slice('/err'.length) : raw;
    if (path === '/version') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ version: `0.15.1${CLEAR}` }));
    if (path === '/v1/models') {
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: MODEL, object: 'model' }] }));
    }
    if (path === '/metrics') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('');
    if (path === '/v1/chat/completions' && failing) {
      req.resume();
      return void res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `out of memory${TITLE}${CLEAR}` } }));
    }
    if (path === '/v1/chat/completions') {
      req.resume();
      return void req.on('end', () =>
        sse(res, [
          { choices: [{ delta: { content: `hello ${TITLE}` }, finish_reason: null }] },
          { choices: [{ delta: { content: ' there' }, finish_reason: 'length' }] },
          { choices: [], usage: { prompt_tokens: 5, completion_tokens: 2 } },
        ]),
      );
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no such path${TITLE}` } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const cli = (args: string[], cwd?: string) =>
  execa(process.execPath, [BIN, ...args], { reject: false, cwd, env: { NO_COLOR: '1', SPECTUNE_STATE_DIR: mkdtempSync(join(tmpdir(), 'spectune-tty-')) }, timeout: 120_000 });

describe('control characters from outside never reach the terminal', { timeout: 120_000 }, () => {
  it('status: a hostile model id and version are shown made visible', async () => {
    const r = await cli(['status', '--timeout', '1000', '--endpoint', `hostile=${url}`]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(r.stderr).not.toMatch(RAW_CONTROL);
    expect(r.stdout).toContain(visibleControls(MODEL));
    expect(r.stdout).toContain('␛]0;pwned by the server␇');
  });

  it('sweep against the hostile server: the report on the terminal and every message carry no raw control character', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spectune-tty-sweep-'));
    const out = join(dir, 'r.json');
    const r = await cli(['sweep', '--url', url, '--tokens', '0', '--repeats', '1', '--max-tokens', '4', '--no-warmup', '--prompt-types', 'code', '--system-prompts', 'direct', '--out', out]);
    expect(`${r.stdout}\n${r.stderr}`).not.toMatch(RAW_CONTROL);
    expect(r.stderr).toContain(visibleControls(MODEL)); // the target's status line names the model
    // The report keeps what the server said (JSON escapes it); its Markdown export shows it made visible.
    const report = parseReportText(readFileSync(out, 'utf8'), out);
    expect(report.server.model).toBe(MODEL);
    const md = await cli(['report', out, '--format', 'md']);
    expect(md.exitCode).toBe(0);
    expect(md.stdout).not.toMatch(RAW_CONTROL);
    expect(md.stdout).toContain('␛');
  });

  it('an error message quoting the server is printed made visible', async () => {
    const r = await cli(['sweep', '--url', `${url}/err`, '--engine', 'vllm', '--tokens', '0', '--repeats', '1', '--max-tokens', '4', '--no-warmup', '--out', join(mkdtempSync(join(tmpdir(), 'spectune-tty-err-')), 'r.json')]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('out of memory␛]0;pwned');
    expect(`${r.stdout}\n${r.stderr}`).not.toMatch(RAW_CONTROL);
  });
});

describe('the same function for the Markdown export and the log view', () => {
  it('Markdown: a hostile model name and warning are escaped and made visible', () => {
    const report = JSON.parse(readFileSync(join(ROOT, 'tests/renderer/fixtures/report.json'), 'utf8'));
    report.server.model = MODEL;
    report.warnings = [{ kind: 'errors', message: `bad${CLEAR}` }];
    const md = reportToMarkdown(report);
    expect(md).not.toMatch(RAW_CONTROL);
    expect(md).toContain('␛\\[2J');
  });

  it('a server log line: colour codes removed, other escapes made visible, C1 controls too', () => {
    const line = cleanLine(`\u001b[32mINFO\u001b[0m ready ${TITLE} \u009b2J done`);
    expect(line).not.toMatch(RAW_CONTROL);
    expect(line).toBe('INFO ready ␛]0;pwned by the server␇ \\u009b2J done');
  });

  it('visibleControls keeps tabs, keeps newlines only when asked, and leaves plain text alone', () => {
    expect(visibleControls('a\tb\nc')).toBe('a\tb␊c');
    expect(visibleControls('a\tb\nc\rd\r\ne', { multiline: true })).toBe('a\tb\nc␍d\r\ne');
    expect(visibleControls('Qwen/Qwen2.5-7B — ünïcode ✓')).toBe('Qwen/Qwen2.5-7B — ünïcode ✓');
    expect(visibleControls('x\u202ey\u007f')).toBe('x\\u202ey␡');
  });
});
