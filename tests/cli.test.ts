/** The `spectune` command as a user runs it: a real process, its exit code and output. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ReportSchema } from '../src/shared/schemas';
import { freePort, liveProcesses, until } from './helpers/processes';

const BIN = resolve(import.meta.dirname, '..', 'bin', 'spectune.js');
const dir = mkdtempSync(join(tmpdir(), 'spectune-cli-'));
const run = (args: string[], env: Record<string, string> = {}) =>
  execa(process.execPath, [BIN, ...args], { reject: false, env: { NO_COLOR: '1', ...env }, timeout: 120_000 });

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[/;

/** Process groups of servers launched on a port, remembered once seen: the engine child renames itself
 *  (EngineCore_0) and outlives a killed parent, so it is found by group, not by command line. */
const serverGroups = new Map<number, Set<number>>();

/** Pids of every live process in the group of a server launched with `--port PORT`. */
function launchedOnPort(port: number): string[] {
  const procs = liveProcesses();
  const groups = serverGroups.get(port) ?? new Set<number>();
  // A launched server leads its own group; the CLI that launched it (same flag) shares the test runner's.
  for (const p of procs) if (p.pid === p.pgid && p.cmd.includes(`--port ${port}`)) groups.add(p.pgid);
  serverGroups.set(port, groups);
  return procs.filter((p) => groups.has(p.pgid)).map((p) => String(p.pid));
}


describe('spectune CLI', () => {
  it('lists its commands', async () => {
    const r = await run(['--help']);
    expect(r.exitCode).toBe(0);
    for (const cmd of ['status', 'stop', 'sweep', 'ui', 'sim']) expect(r.stdout).toContain(cmd);
  });

  it.each([
    [['sweep', '--demo', '--repeats', 'abc'], /--repeats.*whole number/],
    [['sweep', '--demo', '--tokens', '0,x'], /--tokens.*"x" is not a k/],
    [['sweep', '--demo', '--method', 'magic'], /--method.*magic/],
    [['sweep', '--tokens', '0,5'], /--model is required/],
    [['sweep', '--model', 'm', '--tokens', '0,3'], /--method: k > 0 needs a draft model or a method/],
    [['sweep', '--demo', '--method', 'ngram', '--draft-model', 'd'], /--draft-model: method ngram uses no draft model/],
    [['sweep', '--demo', '--draft-p-min', '0,0.3'], /--draft-p-min: vLLM has no draft confidence cut-off: only (?=.*llama\.cpp \(llama-server\))(?=.*Embedded llama\.cpp).* have one/],
    [['sweep', '--demo', '--engine', 'llama.cpp', '--draft-p-min', '0,1.5'], /--draft-p-min.*"1\.5" is not a cut-off from 0 to 1/],
    [['sweep', '--demo', '--engine', 'llama.cpp', '--method', 'draft,ngram'], /--method: llama\.cpp \(llama-server\) has no method "ngram": give some of draft-simple, .*ngram-simple/],
    [['sweep', '--demo', '--engine', 'lmstudio', '--method', 'ngram'], /--method: LM Studio has one speculation method, its own/],
    [['sweep', '--url', 'http://127.0.0.1:9', '--engine', 'vllm', '--tokens', '0,4'], /--tokens: attached mode measures one running server/],
    [['status', '--endpoint', 'x=ftp://a'], /--endpoint/],
    [['ui', '--port', 'abc', '--no-open'], /--port: "abc" is not a port/],
    [['sweep', '--demo', '--prompt-types', 'code,poetry'], /unknown prompt type "poetry"/],
    [['sweep', '--demo', '--port', '70000'], /--port.*1 to 65535/],
    [['sweep', '--demo', '--system-prompts', 'direct,pirate'], /unknown system prompt "pirate"/],
    [['sweep', '--url', 'localhost:8000'], /--url: must be a URL like http:\/\/127\.0\.0\.1:8000/],
    [['sweep', '--model', 'm', '--tokens', '0', '--extra-args', '--max-model-len 4096 --port=9000'], /--extra-args: --port is written by SpecTune/],
  ])('rejects bad arguments %j with exit 2 and one clear reason', async (args, message) => {
    const r = await run(args);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    // Refused before anything else happens: no status probes, no launch.
    expect(r.stderr).not.toMatch(/Server Status Check|starting-server/);
  });

  it('reports servers that are not running, with the reason', async () => {
    const port = await freePort();
    const r = await run(['status', '--json', '--endpoint', `nothing=http://127.0.0.1:${port}`, '--timeout', '1000']);
    expect(r.exitCode).toBe(0);
    const statuses = (JSON.parse(r.stdout) as { endpoints: { name: string; running: boolean; reason: string | null }[] }).endpoints;
    expect(statuses.map((s) => s.name)).toContain('nothing');
    expect(statuses.find((s) => s.name === 'nothing')).toMatchObject({ running: false, reason: 'Connection refused' });
    const plain = await run(['status', '--endpoint', `nothing=http://127.0.0.1:${port}`]);
    expect(plain.stdout).toContain(`❌ nothing (port ${port}): NOT RUNNING - Connection refused`);
  });

  it('says exactly what is missing when vllm cannot be found', async () => {
    const r = await run(['sweep', '--vllm-command', '/nonexistent/bin/vllm', '--model', 'm', '--method', 'ngram', '--out', join(dir, 'nf.json')]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/\/nonexistent\/bin\/vllm/);
    expect(r.stderr).toMatch(/--demo|install/);
  });

  it('exits non-zero at once when nothing answers at --url, writing no report', async () => {
    const port = await freePort();
    const out = join(dir, 'none.json');
    const r = await run(['sweep', '--url', `http://127.0.0.1:${port}`, '--out', out]);
    expect(r.exitCode).toBe(1);
    // The one line says why, not only that: which engine is there cannot even be asked.
    expect(r.stderr).toMatch(new RegExp(`no server answers at http://127\\.0\\.0\\.1:${port}: Connection refused`));
    expect(existsSync(out)).toBe(false);
  });

  it('runs a small demo sweep: tables and recommendation in plain text, a valid report on disk', async () => {
    const out = join(dir, 'demo', 'test_results.json');
    const r = await run(['sweep', '--demo', '--tokens', '0,3', '--prompt-types', 'code', '--system-prompts', 'empty,concise', '--repeats', '1', '--max-tokens', '24', '--out', out]);
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Speculative Decoding Performance');
    expect(r.stdout).toContain('Performance by Prompt Type');
    expect(r.stdout).toMatch(/Recommended Configuration: (3 draft tokens|no speculative decoding)/);
    expect(r.stdout).toContain('SIMULATED');
    // The demo also teaches the real command, without the simulator's own flags.
    // Under "Startup command:" the real engine's line comes first; the simulator's follows under its own heading.
    expect(r.stdout).toMatch(/Startup command \(a real vLLM [\d.]+\):\nvllm serve Qwen\/Qwen2\.5-7B-Instruct[^\n]*(\n {4}[^\n]*)*\n\nThe simulator's command \(what this run started\):\n\S*node\S* \S*spectune\.js sim /);
    expect(r.stdout + r.stderr).not.toMatch(ANSI);
    // Piped progress: one line per configuration, with the sweep's estimate of the time left.
    expect(r.stderr).toMatch(/\[1\/2\] baseline starting-server \(0\/4 requests done\)\n/);
    expect(r.stderr).toMatch(/\[2\/2\] k=3 starting-server \(2\/4 requests done, about [1-9]\d*s left\)$/m);
    const report = ReportSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    // The report carries the real line too, for the app and the exports.
    expect(report.recommendation?.realEngine).toMatchObject({ label: 'vLLM', command: expect.stringMatching(/^vllm serve Qwen\/Qwen2\.5-7B-Instruct/) });
    // The plan's 2 cells × 1 repeat per k, and whole extra rounds where the decision needed them (issue 17).
    expect(report.measurements.length % 2).toBe(0);
    expect(report.measurements.length).toBeGreaterThanOrEqual(4);
    expect(report.server.simulated).toBe(true);
  });

  it('Ctrl-C cancels gracefully; a second Ctrl-C kills the server at once and leaves no process', async () => {
    const port = await freePort();
    const out = join(dir, 'sigint', 'r.json');
    const jsonl = out.replace(/\.json$/, '.jsonl');
    // The server ignores SIGTERM, so the graceful stop after the first Ctrl-C would wait out its 10 s grace period.
    const child = run(['sweep', '--demo', '--port', String(port), '--tokens', '0,3', '--repeats', '20', '--out', out, '--extra-args', '--sim-ignore-sigterm']);
    const launched = () => launchedOnPort(port);
    try {
      await until(() => existsSync(jsonl) && readFileSync(jsonl, 'utf8').includes('"type":"measurement"'), 60_000);
      expect(launched().length).toBeGreaterThanOrEqual(2); // the API server and its EngineCore child
      child.kill('SIGINT');
      // The first Ctrl-C is graceful: still stopping (SIGTERM ignored, 10 s grace) a while later.
      await new Promise((r) => setTimeout(r, 2000));
      expect(child.exitCode).toBeNull();
      expect(launched().length).toBeGreaterThan(0);
      const t0 = performance.now();
      child.kill('SIGINT');
      const r = await child;
      expect(performance.now() - t0).toBeLessThan(5000);
      expect(r.exitCode).toBe(130);
      expect(r.stderr).toMatch(/Cancelling[\s\S]*Stopping now/);
      await until(() => launched().length === 0, 3000);
    } finally {
      child.kill('SIGKILL');
      for (const pid of launched()) process.kill(Number(pid), 'SIGKILL');
    }
  });

  it('a hangup (closed terminal or SSH session) cancels the sweep and stops the server instead of orphaning it', async () => {
    const port = await freePort();
    const out = join(dir, 'sighup', 'r.json');
    const jsonl = out.replace(/\.json$/, '.jsonl');
    const child = run(['sweep', '--demo', '--port', String(port), '--tokens', '0,3', '--repeats', '20', '--out', out]);
    try {
      await until(() => existsSync(jsonl) && readFileSync(jsonl, 'utf8').includes('"type":"measurement"'), 60_000);
      expect(launchedOnPort(port).length).toBeGreaterThanOrEqual(2); // the API server and its EngineCore child
      child.kill('SIGHUP');
      await child;
      await until(() => launchedOnPort(port).length === 0, 5000);
      const report = ReportSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
      expect(report.status).toBe('cancelled');
      expect(report.measurements.length).toBeGreaterThan(0);
    } finally {
      child.kill('SIGKILL');
      for (const pid of launchedOnPort(port)) process.kill(Number(pid), 'SIGKILL');
    }
  });

  it('prints only the report on stdout with --json', async () => {
    const out = join(dir, 'json', 'r.json');
    const r = await run(['sweep', '--demo', '--json', '--tokens', '0,5', '--prompt-types', 'technical', '--system-prompts', 'empty', '--repeats', '1', '--max-tokens', '16', '--out', out]);
    expect(r.exitCode).toBe(0);
    const report = ReportSchema.parse(JSON.parse(r.stdout));
    expect(report.configurations.map((c) => c.numSpeculativeTokens)).toEqual([0, 5]);
    expect(report.recommendation).not.toBeNull();
  });
});
