/**
 * Secrets in extra args, end to end: a real CLI sweep on the simulator (which, like
 * vLLM, enforces --api-key on /v1 and logs its non-default args, key included), and
 * the server manager's log and state events. The secrets must appear nowhere
 * SpecTune writes or prints, and the launched server must still get them.
 */
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ServerProcess } from '../src/core/server-process';
import type { LogLine, ServerState } from '../src/shared/schemas';
import { freePort } from './helpers/processes';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'spectune.js');
const SIM = [process.execPath, join(ROOT, 'bin/run-ts.js'), join(ROOT, 'src/simulator/main.ts')];
const API_KEY = 'sk-abcdef123456';
const HF_TOKEN = 'hf_secretvalue';
const SECRETS = [API_KEY, HF_TOKEN];
const dir = mkdtempSync(join(tmpdir(), 'spectune-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Command lines of live processes that hold `needle` (the launched simulator), read from /proc. */
function cmdlinesWith(needle: string): string[][] {
  const out: string[][] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (argv.includes(needle) && argv.includes('serve')) out.push(argv);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function expectNoSecret(what: string, text: string): void {
  for (const s of SECRETS) expect(text.includes(s), `${what} contains ${s}`).toBe(false);
}

describe('secrets in --extra-args, through a CLI sweep on the simulator', () => {
  it('reach the server, and nowhere SpecTune writes or prints', async () => {
    const out = join(dir, 'r.json');
    const child = execa(
      process.execPath,
      [BIN, 'sweep', '--demo', '--tokens', '0,3', '--repeats', '1', '--prompt-types', 'code', '--system-prompts', 'direct',
        '--extra-args', `--api-key ${API_KEY} --hf-token ${HF_TOKEN}`, '--out', out],
      // The sweep sends VLLM_API_KEY as its bearer key, as it would to a real vLLM started with --api-key.
      { reject: false, env: { NO_COLOR: '1', VLLM_API_KEY: API_KEY }, timeout: 120_000 },
    );
    // While it runs: the launched simulator's own argv, as the kernel has it.
    const seen: string[][] = [];
    const watch = setInterval(() => seen.push(...cmdlinesWith(HF_TOKEN)), 50);
    const r = await child.finally(() => clearInterval(watch));

    expect(r.exitCode, r.stderr).toBe(0);
    expect(seen.length, 'the simulator was never seen running with the real --hf-token').toBeGreaterThan(0);
    for (const argv of seen) {
      expect(argv[argv.indexOf('--api-key') + 1]).toBe(API_KEY);
      expect(argv[argv.indexOf('--hf-token') + 1]).toBe(HF_TOKEN);
    }

    const reportText = readFileSync(out, 'utf8');
    const jsonlText = readFileSync(join(dir, 'r.jsonl'), 'utf8');
    expectNoSecret('stdout', r.stdout);
    expectNoSecret('stderr', r.stderr);
    expectNoSecret('test_results.json', reportText);
    expectNoSecret('test_results.jsonl', jsonlText);

    const report = JSON.parse(reportText) as {
      status: string;
      measurements: { ok: boolean }[];
      recommendation: { command: string; argv: string[] } | null;
      plan: { server: { extraArgs: string[] } };
    };
    // The simulator answers /v1 only with the right bearer key: every request succeeding shows it got the real one.
    expect(report.status).toBe('complete');
    expect(report.measurements.length).toBeGreaterThan(0);
    expect(report.measurements.every((m) => m.ok)).toBe(true);
    // The recommended line names where the key comes from and is otherwise exact.
    expect(report.plan.server.extraArgs).toEqual(['--api-key', '$VLLM_API_KEY', '--hf-token', '$HF_TOKEN']);
    expect(report.recommendation?.command).toContain('--api-key "$VLLM_API_KEY"');
    expect(report.recommendation?.command).toContain('--hf-token "$HF_TOKEN"');
    expect(report.recommendation?.argv).toContain('--speculative-config');
    expect(r.stdout).toContain('--api-key "$VLLM_API_KEY"');
  }, 150_000);
});

/** Registry entries written while a run goes (they are removed once its server is stopped). */
function registryTexts(stateDir: string): string[] {
  const runs = join(stateDir, 'runs');
  try {
    return readdirSync(runs)
      .filter((n) => n.endsWith('.json'))
      .map((n) => readFileSync(join(runs, n), 'utf8'));
  } catch {
    return [];
  }
}

describe('secrets in every spelling, through a CLI sweep on the simulator', () => {
  // No credential shape (hf_…, sk-…): only the mechanisms that know these spellings and values can hide them.
  const KEY = 'plainkey-7f3a9c21';
  const HUB = 'plainhub-5e8d1b40';

  async function sweep(args: string[], env: Record<string, string>) {
    const stateDir = mkdtempSync(join(tmpdir(), 'spectune-secrets-state-'));
    const out = join(mkdtempSync(join(tmpdir(), 'spectune-secrets-out-')), 'r.json');
    const child = execa(process.execPath, [BIN, 'sweep', '--demo', '--tokens', '0,3', '--repeats', '1', '--prompt-types', 'code', '--system-prompts', 'direct', '--out', out, ...args], {
      reject: false,
      env: { NO_COLOR: '1', SPECTUNE_STATE_DIR: stateDir, ...env },
      timeout: 120_000,
    });
    const registry: string[] = [];
    const watch = setInterval(() => registry.push(...registryTexts(stateDir)), 50);
    const r = await child.finally(() => clearInterval(watch));
    const texts = { stdout: r.stdout, stderr: r.stderr, report: readFileSync(out, 'utf8'), jsonl: readFileSync(out.replace(/\.json$/, '.jsonl'), 'utf8'), registry: registry.join('\n') };
    return { r, texts, registrySeen: registry.length };
  }

  it('--api_key and --hf_token (underscores, as vLLM reads them) reach the server and nowhere else', async () => {
    const { r, texts, registrySeen } = await sweep(['--extra-args', `--api_key ${KEY} --hf_token=${HUB}`], { VLLM_API_KEY: KEY });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(registrySeen).toBeGreaterThan(0);
    for (const [where, text] of Object.entries(texts)) for (const s of [KEY, HUB]) expect(text.includes(s), `${where} contains ${s}`).toBe(false);
    // The simulator enforces the key: every request succeeding shows the launch got the real one.
    const report = JSON.parse(texts.report) as { measurements: { ok: boolean }[]; plan: { server: { extraArgs: string[] } } };
    expect(report.measurements.every((m) => m.ok)).toBe(true);
    expect(report.plan.server.extraArgs).toEqual(['--api_key', '$VLLM_API_KEY', '--hf_token=$HF_TOKEN']);
  }, 150_000);

  it('a NAME=value word in --server-command ("env VLLM_API_KEY=… node …") is redacted in the report, the JSONL, the output and the registry', async () => {
    const command = ['env', `VLLM_API_KEY=${KEY}`, ...SIM].join(' ');
    const { texts, registrySeen } = await sweep(['--server-command', command], {});
    expect(registrySeen).toBeGreaterThan(0);
    for (const [where, text] of Object.entries(texts)) expect(text.includes(KEY), `${where} contains the key`).toBe(false);
    const report = JSON.parse(texts.report) as { plan: { server: { command: string[] } } };
    expect(report.plan.server.command.slice(0, 2)).toEqual(['env', 'VLLM_API_KEY=<redacted>']);
  }, 150_000);
});

describe('the server manager with a secret in extraArgs', () => {
  let server: ServerProcess | null = null;
  afterEach(async () => {
    await server?.stop();
    server = null;
  });

  it('never emits the key in log lines or state, and a restart from the shown settings keeps the real key', async () => {
    server = new ServerProcess({ healthPollMs: 50 });
    const lines: LogLine[] = [];
    const states: ServerState[] = [];
    server.on('log', (l) => lines.push(l));
    server.on('state', (s) => states.push(s));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const key = 'K-plain-key-42'; // no credential shape: only the mechanism that knows the value can hide it
    await server.start({
      command: SIM,
      model: 'sim/M',
      port,
      startupTimeoutMs: 20_000,
      stopGraceMs: 3000,
      extraArgs: ['--api-key', key, '--sim-startup-ms', '50'],
      env: { HF_TOKEN: HF_TOKEN },
    });
    const authorized = (k: string) => fetch(`${base}/v1/models`, { headers: { authorization: `Bearer ${k}` } }).then((res) => res.status);
    expect(await authorized(key)).toBe(200);
    expect(await authorized('wrong')).toBe(401);

    // The simulator logged "non-default args: {... 'api_key': 'K-plain-key-42' ...}" like vLLM does.
    expect(lines.some((l) => l.line.includes('non-default args') && l.line.includes("'api_key'"))).toBe(true);
    const emitted = JSON.stringify({ lines, states, state: server.state(), tail: server.logTail() });
    expect(emitted.includes(key)).toBe(false);
    expect(emitted.includes(HF_TOKEN)).toBe(false);
    const shown = server.state().settings!;
    expect(shown.extraArgs).toEqual(['--api-key', '$VLLM_API_KEY', '--sim-startup-ms', '50']);
    expect(shown.env.HF_TOKEN).toBe('<redacted>');
    expect(lines.some((l) => l.line.startsWith('$ ') && l.line.includes('--api-key "$VLLM_API_KEY"'))).toBe(true);

    // What the Servers form sends back after showing the redacted state: the server still gets the real key.
    await server.restart({ ...shown, numSpeculativeTokens: 0 });
    expect(await authorized(key)).toBe(200);
  }, 60_000);
});
