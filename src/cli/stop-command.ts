/** `spectune stop`: end servers SpecTune launched that are still running, orphans above all. */
import { Option, type Command } from 'commander';
import { stopLaunchedServers } from '../core/run-registry';
import { intArg } from './args';
import { formatStopResult } from './launched-output';

interface StopFlags {
  all?: boolean;
  port?: number;
  grace: number;
  json?: boolean;
}

export function registerStopCommand(program: Command): void {
  program
    .command('stop')
    .description('stop servers SpecTune launched: by default those left behind by a SpecTune that is gone (see `spectune status`)')
    .addOption(new Option('--all', 'also stop servers a running SpecTune still owns').conflicts('port'))
    .addOption(new Option('--port <n>', 'only the server SpecTune launched on this port').argParser(intArg(1, 65535)))
    .option('--grace <ms>', 'how long to wait after SIGTERM before SIGKILL', intArg(0, 120_000), 5000)
    .option('--json', 'print JSON')
    .action(async (flags: StopFlags) => {
      const result = await stopLaunchedServers({ all: flags.all, port: flags.port, graceMs: flags.grace });
      process.stdout.write((flags.json ? JSON.stringify(result, null, 2) : formatStopResult(result)) + '\n');
      if (result.stopped.some((s) => s.survivors.length) || result.refused.length) process.exitCode = 1;
    });
}
