/** `spectune status`: which servers are up, what really listens there, and which of them SpecTune launched. */
import { Option, type Command } from 'commander';
import { probeAll } from '../core/probes';
import { inspectRegistry } from '../core/run-registry';
import { DEFAULT_ENDPOINTS, type Endpoint } from '../shared/schemas';
import { endpointArg, intArg } from './args';
import { formatLaunched } from './launched-output';
import { formatStatus } from './output';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description(`probe every engine's default address (${DEFAULT_ENDPOINTS.map((e) => e.url.replace(/^https?:\/\/127\.0\.0\.1/, '')).join(', ')}), any --endpoint and every server SpecTune launched (orphans are marked); each server is named by its API`)
    .addOption(new Option('--endpoint <name=url>', 'another server to probe, e.g. llama=http://127.0.0.1:8080 (repeatable)').argParser(endpointArg).default([] as Endpoint[], 'none'))
    .option('--timeout <ms>', 'per-probe timeout in milliseconds', intArg(100, 60_000), 1500)
    .option('--json', 'print JSON: { endpoints, launched, registry }')
    .action(async (flags: { endpoint: Endpoint[]; timeout: number; json?: boolean }) => {
      const registry = await inspectRegistry();
      const launched = registry.servers;
      // A launched server may be on any port (the demo picks a free one): probe it where it is.
      const extra = launched.map((s) => ({ name: `${s.engine} launched by SpecTune (pid ${s.pid})`, url: s.url }));
      const known = new Set([...DEFAULT_ENDPOINTS, ...flags.endpoint].map((e) => e.url.replace(/\/+$/, '')));
      const endpoints = [...DEFAULT_ENDPOINTS, ...flags.endpoint, ...extra.filter((e) => !known.has(e.url))];
      const statuses = await probeAll(endpoints, flags.timeout);
      process.stdout.write(
        (flags.json
          ? JSON.stringify({ endpoints: statuses, launched, registry: { unreadable: registry.unreadable, skipped: registry.skipped } }, null, 2)
          : `${formatStatus(statuses)}\n${formatLaunched(registry)}`) + '\n',
      );
    });
}
