/**
 * `spectune stop` and `status` against forged and hostile registry files, with real
 * processes and the real CLI: a group is signalled only with proof that it is the
 * server SpecTune launched (the recorded pid leads that group now, with the recorded
 * start time, and the group is neither 1 nor SpecTune's own); without proof nothing is
 * signalled, the pid is named, and the innocent process lives on. `status` removes only
 * entries proven dead and never follows links out of its folder. Processes a launch
 * started that left its group (double fork) are found by the marker in their environment.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processStartTime, runsDir, type RunEntry } from '../src/core/run-registry';
import { ServerProcess } from '../src/core/server-process';
import { LAUNCH_MARKER } from '../src/node/process-tree';
import { freePort, liveProcesses, processAlive, until } from './helpers/processes';
import { writeRunEntry } from './helpers/registry';
import { RECORD_SIGNALS, recorderReady, signalLogPath, signalsReceived } from './helpers/signals';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'spectune.js');
const FAKE = resolve(ROOT, 'tests/fixtures/fake-vllm.mjs');

let stateDir: string;
const cleanups: (() => void)[] = [];

beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'spectune-proof-'));
});
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const env = () => ({ ...process.env, SPECTUNE_STATE_DIR: stateDir });
const cli = (args: string[]) => execa(process.execPath, [BIN, ...args], { reject: false, env: { NO_COLOR: '1', SPECTUNE_STATE_DIR: stateDir }, timeout: 60_000 });

function kill(pid: number, group = false): void {
  try {
    process.kill(group ? -pid : pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** A real process leading its own group, like a launched server (or an innocent bystander). */
async function spawnLeader(code = 'setInterval(() => {}, 1 << 30)', extraEnv: Record<string, string> = {}): Promise<number> {
  const child = spawn(process.execPath, ['-e', code], { detached: true, stdio: 'ignore', env: { ...process.env, ...extraEnv } });
  child.unref();
  const pid = child.pid as number;
  cleanups.push(() => kill(pid, true));
  await until(() => processStartTime(pid) !== null, 5000);
  return pid;
}

const writeEntry = (over: Partial<RunEntry> & { pid: number }) => writeRunEntry(over, env());

/** A leader recording each signal it gets (tests/helpers/signals.ts), for proving it got none. */
async function spawnRecorder(): Promise<{ pid: number; log: string }> {
  const log = signalLogPath();
  const pid = await spawnLeader(RECORD_SIGNALS, { SIGNAL_LOG: log });
  await recorderReady(log);
  return { pid, log };
}

describe('stop signals a process group only with proof', { timeout: 60_000 }, () => {
  it("an entry naming one process's pid and another's group: the other group is not signalled", async () => {
    const named = await spawnRecorder();
    const innocent = await spawnRecorder();
    const file = writeEntry({ pid: named.pid, pgid: innocent.pid });
    const stop = await cli(['stop', '--all', '--grace', '200']);
    expect(await signalsReceived(innocent.pid, innocent.log)).toEqual([]);
    expect(await signalsReceived(named.pid, named.log)).toEqual([]);
    expect(stop.stdout).not.toMatch(/Stopped the server/);
    expect(stop.stdout).toContain(`Not signalled: pid ${named.pid}`);
    expect(stop.stdout).toContain(`group ${innocent.pid}`);
    expect(stop.exitCode).toBe(1);
    // Not proven dead: the entry stays for the user to look at.
    expect(existsSync(file)).toBe(true);
  });

  it('pgid 1 is never signalled (kill(-1) would reach every process)', async () => {
    const named = await spawnRecorder();
    const bystander = await spawnRecorder();
    writeEntry({ pid: named.pid, pgid: 1 });
    const stop = await cli(['stop', '--all', '--json', '--grace', '200']);
    expect(await signalsReceived(named.pid, named.log)).toEqual([]);
    expect(await signalsReceived(bystander.pid, bystander.log)).toEqual([]);
    const result = JSON.parse(stop.stdout) as { stopped: unknown[]; refused: { pid: number; why: string }[] };
    expect(result.stopped).toEqual([]);
    expect(result.refused).toEqual([expect.objectContaining({ pid: named.pid, why: expect.stringContaining('group 1') })]);
  });

  it("SpecTune's own process group is never signalled", async () => {
    // The CLI runs in this test's group: an entry naming that group must not take the test down.
    const ownGroup = Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[2]);
    const named = await spawnLeader();
    writeEntry({ pid: named, pgid: ownGroup });
    const stop = await cli(['stop', '--all', '--json', '--grace', '200']);
    expect(JSON.parse(stop.stdout).stopped).toEqual([]);
    expect(processAlive(named)).toBe(true);
  });

  it('an entry with no start time is not signalled, even when the command matches: the pid is named', async () => {
    const innocent = await spawnRecorder();
    writeEntry({ pid: innocent.pid, startTime: '', command: [process.execPath, '-e', '…'] });
    const stop = await cli(['stop', '--all', '--grace', '200']);
    expect(await signalsReceived(innocent.pid, innocent.log)).toEqual([]);
    expect(stop.stdout).toContain(`Not signalled: pid ${innocent.pid}`);
    expect(stop.stdout).toMatch(/no start time was recorded/);
  });

  it('a leader that is gone while other processes carry its group id: nothing proves they are the server, none is signalled', async () => {
    // The leader starts a child in its group and exits; the child keeps the group id.
    const log = signalLogPath();
    const leader = await spawnLeader(
      `const c = require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(RECORD_SIGNALS)}], { stdio: 'ignore' }); console.log(c.pid); setTimeout(() => process.exit(0), 300)`,
      { SIGNAL_LOG: log },
    );
    const startTime = processStartTime(leader) as string;
    await recorderReady(log);
    await until(() => !processAlive(leader), 5000);
    const carrier = liveProcesses().find((p) => p.pgid === leader);
    expect(carrier).toBeDefined();
    writeEntry({ pid: leader, startTime });
    const stop = await cli(['stop', '--all', '--grace', '200']);
    expect(await signalsReceived(carrier!.pid, log)).toEqual([]);
    expect(stop.stdout).toContain(`Not signalled: pid ${leader}`);
  });

  it('a real entry is still stopped: the leader matches, and processes carrying its launch marker go too', async () => {
    const marker = 'proof-test-' + process.pid + '-' + Date.now();
    const leader = await spawnLeader(
      "require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore', detached: true }); setInterval(() => {}, 1 << 30)",
      { [LAUNCH_MARKER]: marker },
    );
    let escaped: number | undefined;
    await until(() => (escaped = liveProcesses().find((p) => p.ppid === leader && p.pgid !== leader)?.pid) !== undefined, 5000);
    cleanups.push(() => kill(escaped!));
    const file = writeEntry({ pid: leader, launchId: marker });
    const stop = await cli(['stop', '--all', '--json', '--grace', '2000']);
    const result = JSON.parse(stop.stdout) as { stopped: { pid: number; survivors: number[] }[]; refused: unknown[] };
    expect(result.refused).toEqual([]);
    expect(result.stopped).toEqual([expect.objectContaining({ pid: leader, survivors: [] })]);
    expect(processAlive(leader)).toBe(false);
    // It left the group (setsid): only the marker says it is the launch's.
    expect(processAlive(escaped!)).toBe(false);
    expect(existsSync(file)).toBe(false);
  });
});

describe('status removes only entries proven dead, inside its own folder', { timeout: 60_000 }, () => {
  it("keeps a file it cannot parse (a future version's) and says so", async () => {
    const dir = runsDir(env());
    mkdirSync(dir, { recursive: true });
    const future = join(dir, '4242.json');
    writeFileSync(future, JSON.stringify({ version: 2, pid: 4242, somethingNew: true }));
    const status = await cli(['status', '--timeout', '200']);
    expect(status.exitCode).toBe(0);
    expect(existsSync(future)).toBe(true);
    expect(status.stdout).toContain(future);
  });

  it('does not follow a symlinked runs folder', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'spectune-elsewhere-'));
    const stale = join(elsewhere, '99999999.json');
    writeFileSync(stale, JSON.stringify({ version: 1, pid: 99999999 }));
    mkdirSync(stateDir, { recursive: true });
    symlinkSync(elsewhere, runsDir(env()));
    const status = await cli(['status', '--timeout', '200']);
    expect(existsSync(stale)).toBe(true);
    expect(status.stdout).toMatch(/is a link/);
  });

  it('does not follow a symlinked entry, and leaves it in place', async () => {
    const dir = runsDir(env());
    mkdirSync(dir, { recursive: true });
    const outside = mkdtempSync(join(tmpdir(), 'spectune-outside-'));
    const target = join(outside, 'victim.json');
    writeFileSync(target, JSON.stringify({ version: 1, pid: 99999998 }));
    const link = join(dir, '99999998.json');
    symlinkSync(target, link);
    await cli(['status', '--timeout', '200']);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(existsSync(target)).toBe(true);
  });

  it('still removes an entry whose process is proven gone', async () => {
    const pid = await spawnLeader();
    const file = writeEntry({ pid });
    kill(pid, true);
    await until(() => !processAlive(pid), 5000);
    await cli(['status', '--timeout', '200']);
    expect(existsSync(file)).toBe(false);
  });
});

describe('processes a launch started that left its group', { timeout: 60_000 }, () => {
  const sleepers = (seconds: string) => liveProcesses().filter((p) => p.cmd.trim() === `sleep ${seconds}`);

  it('a server that double-forks a sleep out of its group: stop() ends the sleep too', async () => {
    const seconds = String(3000 + (process.pid % 500));
    cleanups.push(() => sleepers(seconds).forEach((p) => kill(p.pid)));
    const server = new ServerProcess();
    cleanups.push(() => void server.stop());
    const st = await server.start({ command: [process.execPath, FAKE], model: 'm', port: await freePort(), startupTimeoutMs: 20_000, extraArgs: ['--fake-double-fork-sleep', seconds] });
    await until(() => sleepers(seconds).length === 1, 10_000);
    const sleeper = sleepers(seconds)[0];
    // Out of the group and out of the tree: neither a group signal nor the descendant scan reaches it.
    expect(sleeper.pgid).not.toBe(st.pid);
    expect(sleeper.ppid).not.toBe(st.pid);
    const stopped = await server.stop();
    expect(stopped.error).toBeNull();
    await until(() => !processAlive(sleeper.pid), 5000);
    expect(server.logTail().map((l) => l.line).join('\n')).toMatch(/left the group/);
  });

  it('`spectune stop` of an orphan ends what carries its launch marker', async () => {
    const seconds = String(3500 + (process.pid % 500));
    cleanups.push(() => sleepers(seconds).forEach((p) => kill(p.pid)));
    const marker = `orphan-${process.pid}-${Date.now()}`;
    const port = await freePort();
    const child = spawn(process.execPath, [FAKE, 'serve', 'm', '--port', String(port), '--fake-double-fork-sleep', seconds], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, [LAUNCH_MARKER]: marker },
    });
    child.unref();
    const pid = child.pid as number;
    cleanups.push(() => kill(pid, true));
    await until(() => sleepers(seconds).length === 1, 10_000);
    writeEntry({ pid, port, launchId: marker });
    const stop = await cli(['stop', '--all', '--json', '--grace', '2000']);
    expect(JSON.parse(stop.stdout).stopped).toEqual([expect.objectContaining({ pid, survivors: [] })]);
    await until(() => sleepers(seconds).length === 0, 5000);
  });
});
