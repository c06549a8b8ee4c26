/** `spectune status`: which servers are up, and what really listens there. */
import { Option, type Command } from 'commander';
import { probeAll } from '../core/probes';
import { DEFAULT_ENDPOINTS, type Endpoint } from '../shared/schemas';
import { endpointArg, intArg } from './args';
import { formatStatus } from './output';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('probe the default ports (:8000 vLLM, :1234 LM Studio, :11434 Ollama, :8080 llama-server/mlx_lm, :9931) and any --endpoint; each server is named by its API')
    .addOption(new Option('--endpoint <name=url>', 'another server to probe, e.g. llama=http://127.0.0.1:8080 (repeatable)').argParser(endpointArg).default([] as Endpoint[], 'none'))
    .option('--timeout <ms>', 'per-probe timeout in milliseconds', intArg(100, 60_000), 1500)
    .option('--json', 'print JSON')
    .action(async (flags: { endpoint: Endpoint[]; timeout: number; json?: boolean }) => {
      const statuses = await probeAll([...DEFAULT_ENDPOINTS, ...flags.endpoint], flags.timeout);
      process.stdout.write((flags.json ? JSON.stringify(statuses, null, 2) : formatStatus(statuses)) + '\n');
    });
}
