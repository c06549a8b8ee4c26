/**
 * terminateTree on its own, with nothing tracked: what `spectune stop` has after the
 * launching SpecTune died. The fake vllm's EngineCore child ignores its parent's death,
 * so only a signal to the whole process group ends it — signalling the leader alone fails.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { terminateTree } from '../src/node/process-tree';
import { freePort, groupPids, processAlive, until } from './helpers/processes';

const FAKE = resolve(import.meta.dirname, 'fixtures/fake-vllm.mjs');
const groups: number[] = [];

afterEach(() => {
  for (const g of groups.splice(0)) {
    try {
      process.kill(-g, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

async function launchFake(extra: string[] = []): Promise<{ pid: number; engine: number }> {
  const child = spawn(process.execPath, [FAKE, 'serve', 'm', '--port', String(await freePort()), ...extra], { detached: true, stdio: 'ignore' });
  child.unref();
  const pid = child.pid as number;
  groups.push(pid);
  await until(() => groupPids(pid).length >= 2, 10_000);
  const engine = groupPids(pid).find((p) => p !== pid) as number;
  return { pid, engine };
}

describe('terminateTree', { timeout: 30_000 }, () => {
  it('ends the engine child too, knowing only the group id (a leader-only signal would leave it running)', async () => {
    const { pid, engine } = await launchFake();
    const result = await terminateTree({ pgid: pid, graceMs: 3000 });
    expect(result.survivors).toEqual([]);
    // The engine does not die with its parent: only the group SIGTERM could have ended it within the grace period.
    expect(result.forced).toBe(false);
    expect(processAlive(engine)).toBe(false);
    expect(groupPids(pid)).toEqual([]);
  });

  it('SIGKILLs the whole group when SIGTERM is ignored', async () => {
    const { pid, engine } = await launchFake(['--fake-ignore-sigterm']);
    const result = await terminateTree({ pgid: pid, graceMs: 300 });
    expect(result.forced).toBe(true);
    expect(result.survivors).toEqual([]);
    expect(processAlive(engine)).toBe(false);
    expect(groupPids(pid)).toEqual([]);
  });
});
