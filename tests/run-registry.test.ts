/**
 * The run registry with real processes: a CLI killed with SIGKILL mid-sweep leaves
 * its server behind, `spectune status` finds it as an orphan and `spectune stop`
 * ends its whole group. A recycled pid (same pid, other start time) is never signalled.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LaunchedServerSchema, StopRunsResultSchema } from '../src/shared/launched-server';
import { inspectRegistry, listLaunchedServers, processStartTime, registerRun, runsDir, stopLaunchedServers, type RunEntry } from '../src/core/run-registry';
import { ServerProcess } from '../src/core/server-process';
import { freePort, groupPids, processAlive, until } from './helpers/processes';
import { writeRunEntry } from './helpers/registry';
import { RECORD_SIGNALS, recorderReady, signalLogPath, signalsReceived } from './helpers/signals';
import { z } from 'zod';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'spectune.js');
const SIM = [process.execPath, join(ROOT, 'bin/run-ts.js'), join(ROOT, 'src/simulator/main.ts')];

let stateDir: string;
const cleanups: (() => void)[] = [];
const savedStateDir = process.env.SPECTUNE_STATE_DIR;

beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'spectune-registry-'));
  process.env.SPECTUNE_STATE_DIR = stateDir;
});
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
afterAll(() => {
  process.env.SPECTUNE_STATE_DIR = savedStateDir;
});

const cli = (args: string[]) =>
  execa(process.execPath, [BIN, ...args], { reject: false, env: { NO_COLOR: '1', SPECTUNE_STATE_DIR: stateDir }, timeout: 120_000 });

const runFiles = () => (existsSync(runsDir()) ? readdirSync(runsDir()).filter((n) => n.endsWith('.json')) : []);

/** SIGKILL every process left in a group (test clean-up only). */
function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** A real process that leads its own group, like a launched server. */
function spawnGroupLeader(): number {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { detached: true, stdio: 'ignore' });
  child.unref();
  const pid = child.pid as number;
  cleanups.push(() => killGroup(pid));
  return pid;
}

/** The same, recording each signal it gets (tests/helpers/signals.ts): for proving it got none. */
async function spawnSignalRecorder(): Promise<{ pid: number; log: string }> {
  const log = signalLogPath();
  const child = spawn(process.execPath, ['-e', RECORD_SIGNALS], { detached: true, stdio: 'ignore', env: { ...process.env, SIGNAL_LOG: log } });
  child.unref();
  const pid = child.pid as number;
  cleanups.push(() => killGroup(pid));
  await recorderReady(log);
  return { pid, log };
}

const writeEntry = (over: Partial<RunEntry> & { pid: number }) => writeRunEntry(over);

describe('run registry: nothing left running after SIGKILL of the CLI', { timeout: 120_000 }, () => {
  it('status lists the orphaned server with its pids, stop --all ends its whole group', async () => {
    const port = await freePort();
    const out = join(stateDir, 'sweep', 'r.json');
    const jsonl = out.replace(/\.json$/, '.jsonl');
    const sweep = execa(process.execPath, [BIN, 'sweep', '--demo', '--port', String(port), '--tokens', '0,3', '--repeats', '20', '--out', out], {
      reject: false,
      env: { NO_COLOR: '1', SPECTUNE_STATE_DIR: stateDir },
    });
    let serverPid = 0;
    cleanups.push(() => {
      sweep.kill('SIGKILL');
      if (serverPid) killGroup(serverPid);
    });
    // Registered before the server is ready, and measuring once the JSONL has a measurement.
    await until(() => runFiles().length === 1, 60_000);
    serverPid = Number(runFiles()[0].replace('.json', ''));
    await until(() => existsSync(jsonl) && readFileSync(jsonl, 'utf8').includes('"type":"measurement"'), 60_000);
    expect(groupPids(serverPid).length).toBeGreaterThanOrEqual(2); // API server and its EngineCore child

    sweep.kill('SIGKILL');
    await sweep;
    // Nobody is left to stop it: that is the bug the registry exists for. Still there once status has answered.
    const status = await cli(['status', '--json', '--timeout', '500']);
    const left = groupPids(serverPid);
    expect(left.length).toBeGreaterThanOrEqual(1);
    expect(status.exitCode).toBe(0);
    const parsed = z.object({ launched: z.array(LaunchedServerSchema), endpoints: z.array(z.object({ url: z.string(), running: z.boolean() })) }).parse(JSON.parse(status.stdout));
    expect(parsed.launched).toHaveLength(1);
    const orphan = parsed.launched[0];
    expect(orphan).toMatchObject({ pid: serverPid, pgid: serverPid, port, url: `http://127.0.0.1:${port}`, engine: 'vllm', orphan: true, ownerPid: sweep.pid });
    expect(orphan.pids).toEqual(expect.arrayContaining(left));
    // The demo port is probed too, and answers.
    expect(parsed.endpoints.find((e) => e.url === `http://127.0.0.1:${port}`)?.running).toBe(true);

    const plain = await cli(['status', '--timeout', '500']);
    expect(plain.stdout).toMatch(new RegExp(`port ${port} .*pid ${serverPid}: ORPHAN — its SpecTune \\(pid ${sweep.pid}\\) is gone`));
    expect(plain.stdout).toContain(`processes: ${orphan.pids.join(', ')}`);

    const stop = await cli(['stop', '--all', '--json']);
    expect(stop.exitCode).toBe(0);
    const result = StopRunsResultSchema.parse(JSON.parse(stop.stdout));
    expect(result.stopped).toEqual([{ pid: serverPid, port, forced: expect.any(Boolean), survivors: [] }]);
    expect(groupPids(serverPid)).toEqual([]);
    for (const pid of left) expect(processAlive(pid)).toBe(false);
    expect(runFiles()).toEqual([]);

    const after = await cli(['status', '--json', '--timeout', '500']);
    expect(JSON.parse(after.stdout).launched).toEqual([]);
    expect((await cli(['stop'])).stdout).toContain('No server to stop.');
  });
});

describe('run registry: entries and the recycled-pid guard', { timeout: 60_000 }, () => {
  it('the launcher records a server at spawn (secrets redacted) and forgets it once stopped', async () => {
    const server = new ServerProcess();
    cleanups.push(() => void server.stop());
    const port = await freePort();
    const st = await server.start({ command: SIM, model: 'sim/m', port, startupTimeoutMs: 20_000, extraArgs: ['--api-key', 'sk-abcdefghijkl'] });
    const pid = st.pid as number;
    const entry = JSON.parse(readFileSync(join(runsDir(), `${pid}.json`), 'utf8')) as RunEntry;
    expect(entry).toMatchObject({ pid, pgid: pid, port, url: `http://127.0.0.1:${port}`, engine: 'vllm', ownerPid: process.pid });
    expect(entry.startTime).toBe(processStartTime(pid));
    // The marker every process of the launch inherits, so one that leaves the group is still found.
    expect(entry.launchId).toMatch(/^[0-9a-f-]{36}$/);
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')).toContain(`SPECTUNE_LAUNCH_ID=${entry.launchId}`);
    expect(entry.command).toContain('--api-key');
    expect(JSON.stringify(entry)).not.toContain('sk-abcdefghijkl');
    // This process owns it and is alive: listed, but not an orphan, and `stop` without --all leaves it alone.
    expect(await listLaunchedServers()).toMatchObject([{ pid, orphan: false }]);
    expect((await stopLaunchedServers()).stopped).toEqual([]);
    expect(processAlive(pid)).toBe(true);
    await server.stop();
    expect(runFiles()).toEqual([]);
  });

  it('a synchronous kill at exit (killSync) also removes the entry', async () => {
    const server = new ServerProcess();
    cleanups.push(() => void server.stop());
    const st = await server.start({ command: SIM, model: 'sim/m', port: await freePort(), startupTimeoutMs: 20_000 });
    expect(runFiles()).toEqual([`${st.pid}.json`]);
    server.killSync();
    expect(runFiles()).toEqual([]);
    await until(() => groupPids(st.pid as number).length === 0, 5000);
  });

  it('never signals a live pid whose start time differs from the recorded one; drops the entry instead', async () => {
    const { pid, log } = await spawnSignalRecorder();
    const file = writeEntry({ pid, startTime: String(Number(processStartTime(pid)) - 100) });
    const result = await stopLaunchedServers({ all: true, graceMs: 200 });
    expect(result).toEqual({ stopped: [], refused: [], dropped: 1 });
    expect(existsSync(file)).toBe(false);
    expect(await signalsReceived(pid, log)).toEqual([]);
    expect(processAlive(pid)).toBe(true);
    expect(await listLaunchedServers()).toEqual([]);
  });

  it('the signal recorder the two tests above rely on sees a signal sent before it is asked, and a kill', async () => {
    const a = await spawnSignalRecorder();
    process.kill(-a.pid, 'SIGTERM');
    expect(await signalsReceived(a.pid, a.log)).toEqual(['SIGTERM']);
    const b = await spawnSignalRecorder();
    process.kill(-b.pid, 'SIGKILL');
    expect(await signalsReceived(b.pid, b.log)).toEqual(['died']);
  });

  it('with no start time recorded, nothing proves the pid is the server: never signalled, kept and listed unverified', async () => {
    const { pid, log } = await spawnSignalRecorder();
    // Even naming the program that really runs there proves nothing: any process could be that program.
    const file = writeEntry({ pid, startTime: '', command: [process.execPath, '-e', '…'] });
    const result = await stopLaunchedServers({ all: true, graceMs: 200 });
    expect(result.stopped).toEqual([]);
    expect(result.refused).toEqual([{ pid, port: 45678, why: expect.stringContaining('no start time was recorded'), file }]);
    expect(await signalsReceived(pid, log)).toEqual([]);
    expect(processAlive(pid)).toBe(true);
    expect(existsSync(file)).toBe(true);
    expect(await listLaunchedServers()).toEqual([]);
    expect((await inspectRegistry()).servers).toMatchObject([{ pid, unverified: expect.stringContaining(`pid ${pid}`) }]);
  });

  it('stops the same process when its start time matches (the guard is not simply refusing everything)', async () => {
    const pid = spawnGroupLeader();
    await until(() => processStartTime(pid) !== null, 5000);
    writeEntry({ pid, port: 45679 });
    expect(await listLaunchedServers()).toMatchObject([{ pid, orphan: true, pids: [pid] }]);
    // --port picks it out; another port does not.
    expect((await stopLaunchedServers({ port: 45670 })).stopped).toEqual([]);
    const result = await stopLaunchedServers({ port: 45679, graceMs: 2000 });
    expect(result.stopped).toEqual([{ pid, port: 45679, forced: false, survivors: [] }]);
    expect(processAlive(pid)).toBe(false);
    expect(runFiles()).toEqual([]);
  });

  it('drops entries whose process is gone, and keeps files it cannot read (they may be a newer version\'s)', async () => {
    const pid = spawnGroupLeader();
    await until(() => processStartTime(pid) !== null, 5000);
    writeEntry({ pid });
    killGroup(pid);
    await until(() => !processAlive(pid), 5000);
    writeFileSync(join(runsDir(), '12345.json'), '{ not json');
    expect(await listLaunchedServers()).toEqual([]);
    expect(runFiles()).toEqual(['12345.json']);
    expect((await inspectRegistry()).unreadable).toEqual([join(runsDir(), '12345.json')]);
  });

  it('writes secret flag values in both forms and credential-looking words redacted, and nothing else', () => {
    const env = { ...process.env, SPECTUNE_STATE_DIR: mkdtempSync(join(tmpdir(), 'spectune-reg-redact-')) };
    const argv = ['vllm', 'serve', 'm', '--api-key', 'K', '--hf-token=T', '--my-secret', 'S', '--num-speculative-tokens', '5', '--tokenizer', 'tok', '--max-num-batched-tokens', '8192', 'hf_abcdefghijkl'];
    registerRun({ pid: process.pid, port: 1, url: 'http://127.0.0.1:1', engine: 'vllm', argv }, env);
    const written = readFileSync(join(runsDir(env), `${process.pid}.json`), 'utf8');
    expect(JSON.parse(written).command).toEqual(['vllm', 'serve', 'm', '--api-key', '<redacted>', '--hf-token=<redacted>', '--my-secret', '<redacted>', '--num-speculative-tokens', '5', '--tokenizer', 'tok', '--max-num-batched-tokens', '8192', '<redacted>']);
    for (const secret of ['"K"', '"T"', '"S"', 'hf_abcdefghijkl']) expect(written).not.toContain(secret);
  });
});
