/** Terminal lines for servers SpecTune launched (run registry): `spectune status` and `spectune stop`. */
import pc from 'picocolors';
import type { LaunchedServer, StopRunsResult } from '../shared/launched-server';
import type { RegistryView } from '../core/run-registry';
import { visibleControlsDeep } from '../shared/safe-text';

/** Registry files are written by whatever runs as the user: every string from them with control characters made visible. */
export function formatLaunched(raw: RegistryView): string {
  const view = visibleControlsDeep(raw);
  const lines = ['', 'Servers SpecTune launched', '========================='];
  const servers = view.servers;
  if (!servers.length) lines.push('none running');
  for (const s of servers) {
    const who = s.unverified
      ? pc.red(`UNVERIFIED — ${s.unverified}; \`spectune stop\` will not signal it`)
      : s.orphan
        ? pc.yellow(`ORPHAN — its SpecTune (pid ${s.ownerPid}) is gone`)
        : `owned by SpecTune pid ${s.ownerPid}`;
    lines.push(`• ${s.engine} on port ${s.port} (${s.url}), pid ${s.pid}: ${who}`);
    lines.push(`  processes: ${s.pids.join(', ')}; started ${s.createdAt}`);
  }
  const orphans = servers.filter((s) => s.orphan && !s.unverified).length;
  if (orphans) lines.push(pc.dim(`Stop ${orphans === 1 ? 'it' : 'them'} with: spectune stop${orphans < servers.length ? '' : ' --all'}`));
  if (view.skipped) lines.push(pc.yellow(`Registry not read: ${view.skipped}.`));
  if (view.unreadable.length) {
    lines.push(pc.dim(`Kept ${view.unreadable.length} registry file${view.unreadable.length === 1 ? '' : 's'} this SpecTune cannot read (a newer version's?): ${view.unreadable.join(', ')}`));
  }
  return lines.join('\n');
}

export function formatStopResult(raw: StopRunsResult): string {
  const r = visibleControlsDeep(raw);
  const lines: string[] = [];
  if (!r.stopped.length && !r.refused.length) lines.push('No server to stop.');
  for (const s of r.stopped) {
    lines.push(
      s.survivors.length
        ? pc.red(`Could not end every process of the server on port ${s.port} (pid ${s.pid}): ${s.survivors.join(', ')} still running; end them by hand (kill -9)`)
        : `Stopped the server on port ${s.port} (pid ${s.pid}${s.forced ? ', SIGKILL needed' : ''}).`,
    );
  }
  for (const s of r.refused) {
    lines.push(pc.red(`Not signalled: pid ${s.pid} (port ${s.port}): ${s.why}. Remove ${s.file} if that server is not SpecTune's.`));
  }
  if (r.dropped) lines.push(pc.dim(`Removed ${r.dropped} stale entr${r.dropped === 1 ? 'y' : 'ies'} (process gone or pid reused).`));
  return lines.join('\n');
}
