/**
 * Small real filesystems for disk-full and read-only tests: a tmpfs of a few KB,
 * mounted with mount(8). Needs root (these sandboxes run tests as root; mounting
 * is checked once, and a test that needs it says why when it cannot run).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execaSync } from 'execa';

export interface Tmpfs {
  dir: string;
  unmount(): void;
}

export function mountTmpfs(opts: { sizeKb: number; readOnly?: boolean }): Tmpfs {
  const dir = mkdtempSync(join(tmpdir(), 'spectune-tmpfs-'));
  execaSync('mount', ['-t', 'tmpfs', '-o', `${opts.readOnly ? 'ro,' : ''}size=${opts.sizeKb}k`, 'tmpfs', dir]);
  return {
    dir,
    unmount() {
      execaSync('umount', ['-l', dir], { reject: false });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether this process may mount a tmpfs (root in a sandbox that allows it). */
export const canMountTmpfs: boolean = (() => {
  if (process.getuid?.() !== 0) return false;
  try {
    mountTmpfs({ sizeKb: 8 }).unmount();
    return true;
  } catch {
    return false;
  }
})();
