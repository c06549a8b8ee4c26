/** Terminal lines for servers SpecTune launched (run registry): `spectune status` and `spectune stop`. */
import pc from 'picocolors';
import type { LaunchedServer, StopRunsResult } from '../shared/launched-server';

export function formatLaunched(servers: readonly LaunchedServer[]): string {
  const lines = ['', 'Servers SpecTune launched', '========================='];
  if (!servers.length) {
    lines.push('none running');
    return lines.join('\n');
  }
  for (const s of servers) {
    const who = s.orphan
      ? pc.yellow(`ORPHAN — its SpecTune (pid ${s.ownerPid}) is gone`)
      : `owned by SpecTune pid ${s.ownerPid}`;
    lines.push(`• ${s.engine} on port ${s.port} (${s.url}), pid ${s.pid}: ${who}`);
    lines.push(`  processes: ${s.pids.join(', ')}; started ${s.createdAt}`);
  }
  const orphans = servers.filter((s) => s.orphan).length;
  if (orphans) lines.push(pc.dim(`Stop ${orphans === 1 ? 'it' : 'them'} with: spectune stop${orphans < servers.length ? '' : ' --all'}`));
  return lines.join('\n');
}

export function formatStopResult(r: StopRunsResult): string {
  const lines: string[] = [];
  if (!r.stopped.length) lines.push('No server to stop.');
  for (const s of r.stopped) {
    lines.push(
      s.survivors.length
        ? pc.red(`Could not end every process of the server on port ${s.port} (pid ${s.pid}): ${s.survivors.join(', ')} still running; end them by hand (kill -9)`)
        : `Stopped the server on port ${s.port} (pid ${s.pid}${s.forced ? ', SIGKILL needed' : ''}).`,
    );
  }
  if (r.dropped) lines.push(pc.dim(`Removed ${r.dropped} stale entr${r.dropped === 1 ? 'y' : 'ies'} (process gone or pid reused).`));
  return lines.join('\n');
}
