/**
 * Shared by the tests/sim-persona-*.test.ts files: start a simulator persona as
 * a real process (`spectune sim <persona> …`) on a free port, read SSE / NDJSON
 * streams, and kill every process a test started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createParser } from 'eventsource-parser';
import { freePort } from './helpers/processes';

const ROOT = path.resolve(import.meta.dirname, '..');
const live = new Set<ChildProcess>();

export interface PersonaProcess {
  proc: ChildProcess;
  url: string;
  port: number;
  out: string[];
  err: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnPersona(args: string[]): Omit<PersonaProcess, 'url' | 'port'> {
  const proc = spawn(process.execPath, [path.join(ROOT, 'bin/spectune.js'), 'sim', ...args], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  const out: string[] = [];
  const err: string[] = [];
  proc.stdout?.on('data', (b: Buffer) => out.push(b.toString('utf8')));
  proc.stderr?.on('data', (b: Buffer) => err.push(b.toString('utf8')));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
    }),
  );
  return { proc, out, err, exit };
}

/** Runs a command that should end by itself (--version, --help, bad flags). */
export async function runOnce(args: string[], timeoutMs = 15_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = spawnPersona(args);
  const timer = setTimeout(() => p.proc.kill('SIGKILL'), timeoutMs);
  const { code } = await p.exit;
  clearTimeout(timer);
  return { code, stdout: p.out.join(''), stderr: p.err.join('') };
}

/**
 * Starts a persona with `--port <free>` appended; resolves once `ready(url)`
 * says so (default: any HTTP answer at all).
 */
export async function startPersona(persona: string, args: string[], ready?: (url: string) => Promise<boolean>): Promise<PersonaProcess> {
  const port = await freePort();
  const p = spawnPersona([persona, ...args, '--port', String(port)]);
  const url = `http://127.0.0.1:${port}`;
  const probe = ready ?? (async (u: string) => (await fetch(u + '/')).status > 0);
  const end = Date.now() + 20_000;
  let exited = false;
  void p.exit.then(() => (exited = true));
  for (;;) {
    if (exited) throw new Error(`${persona} exited during start-up:\n${p.err.join('')}${p.out.join('')}`);
    try {
      if (await probe(url)) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > end) throw new Error(`${persona} not ready within 20 s:\n${p.err.join('')}${p.out.join('')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { ...p, url, port };
}

/** SIGTERM, then the exit status (SIGKILL after 5 s). */
export async function stopPersona(p: PersonaProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (p.proc.exitCode !== null || p.proc.signalCode !== null) return p.exit;
  p.proc.kill('SIGTERM');
  const timer = setTimeout(() => p.proc.kill('SIGKILL'), 5000);
  const r = await p.exit;
  clearTimeout(timer);
  return r;
}

/** Kills every process this file started (its whole group). */
export function killAllPersonas(): void {
  for (const p of live) {
    try {
      if (p.pid) process.kill(-p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; json: any; headers: Headers; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json, headers: res.headers, ms: performance.now() - t0 };
}

export interface SseResult {
  status: number;
  events: Array<Record<string, any>>;
  done: boolean;
  /** performance.now() when each event arrived. */
  at: number[];
  startedMs: number;
  endMs: number;
}

export async function postSse(url: string, body: unknown): Promise<SseResult> {
  const startedMs = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const out: SseResult = { status: res.status, events: [], done: false, at: [], startedMs, endMs: 0 };
  const parser = createParser({
    onEvent(ev) {
      if (ev.data === '[DONE]') {
        out.done = true;
        return;
      }
      out.events.push(JSON.parse(ev.data) as Record<string, any>);
      out.at.push(performance.now());
    },
  });
  const decoder = new TextDecoder();
  for await (const part of res.body as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(part, { stream: true }));
  out.endMs = performance.now();
  return out;
}

export async function postNdjson(url: string, body: unknown): Promise<{ status: number; lines: Array<Record<string, any>>; contentType: string | null; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    lines: text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, any>),
    ms: performance.now() - t0,
  };
}

/** Every key anywhere in a JSON value (to assert what a dialect must NOT report). */
export function allKeys(v: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) for (const x of v) allKeys(x, out);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      out.add(k);
      allKeys(x, out);
    }
  }
  return out;
}
