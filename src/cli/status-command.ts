/** `spectune status`: which servers are up, and what really listens there. */
import type { Command } from 'commander';
import { probeAll } from '../main/probes';
import { DEFAULT_ENDPOINTS, type Endpoint } from '../shared/schemas';
import { endpointArg, intArg } from './args';
import { formatStatus } from './output';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('probe vLLM (:8000), LM Studio (:1234), the MLX server (:11434) and any --endpoint')
    .option('--endpoint <name=url>', 'another server to probe (repeatable)', endpointArg, [] as Endpoint[])
    .option('--timeout <ms>', 'per-probe timeout', intArg(100, 60_000), 1500)
    .option('--json', 'print JSON')
    .action(async (flags: { endpoint: Endpoint[]; timeout: number; json?: boolean }) => {
      const statuses = await probeAll([...DEFAULT_ENDPOINTS, ...flags.endpoint], flags.timeout);
      process.stdout.write((flags.json ? JSON.stringify(statuses, null, 2) : formatStatus(statuses)) + '\n');
    });
}
