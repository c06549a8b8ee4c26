/**
 * `spectune ui --host`: the browser-mode guard answers only to the Host names
 * 127.0.0.1, localhost and [::1], so the UI listens only where those reach it.
 * Another loopback address (127.0.0.2) would listen and then refuse every request
 * with a hint pointing elsewhere: it is refused at once instead, saying which work.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = resolve(import.meta.dirname, '..', 'bin', 'spectune.js');

function ui(host: string): Promise<{ code: number | null; err: string; out: string }> {
  const p = spawn(process.execPath, [BIN, 'ui', '--host', host, '--port', '0', '--no-open', '--data-dir', mkdtempSync(join(tmpdir(), 'spectune-ui-host-'))], { stdio: 'pipe' });
  let err = '';
  let out = '';
  p.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  p.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  // A UI that started would serve until stopped: give it a moment, then end it (that is the failure).
  const stop = setTimeout(() => p.kill('SIGKILL'), 20_000);
  return new Promise((r) => p.on('exit', (code) => (clearTimeout(stop), r({ code, err, out }))));
}

describe('spectune ui --host', { timeout: 60_000 }, () => {
  it.each(['127.0.0.2', '127.1.2.3'])('refuses %s with exit 2, naming the hosts that work, before serving anything', async (host) => {
    const r = await ui(host);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(new RegExp(`--host: ${host.replace(/\./g, '\\.')} .*use 127\\.0\\.0\\.1, localhost or ::1`));
  });
});
