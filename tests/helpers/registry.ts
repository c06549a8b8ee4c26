/** Test helper: a run registry entry written by hand, as a forged or an old file would be. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processStartTime, runsDir, type RunEntry } from '../../src/core/run-registry';

/**
 * Writes `<pid>.json` in the registry of `env`: by default an orphan (no such owner) whose start
 * time and boot id are right for the live pid, with `over` on top. Returns the file.
 */
export function writeRunEntry(over: Partial<RunEntry> & { pid: number }, env: NodeJS.ProcessEnv = process.env): string {
  const entry: RunEntry = {
    version: 1,
    pgid: over.pid,
    port: 45678,
    url: 'http://127.0.0.1:45678',
    engine: 'vllm',
    command: ['vllm', 'serve', 'm'],
    ownerPid: 2 ** 22 + 7, // above any pid_max default: no such owner
    startTime: processStartTime(over.pid) ?? '',
    ownerStartTime: '1',
    bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
    createdAt: new Date().toISOString(),
    ...over,
  };
  mkdirSync(runsDir(env), { recursive: true });
  const file = join(runsDir(env), `${over.pid}.json`);
  writeFileSync(file, JSON.stringify(entry));
  return file;
}
