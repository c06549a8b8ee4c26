/** Test helpers for real processes and ports. */
import { readFileSync } from 'node:fs';

export { freePort } from '../../src/node/port-check';

/** True while a process with this pid exists (zombies excluded on Linux). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}
