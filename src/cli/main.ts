/**
 * The `spectune` command. `spectune sim …` never reaches this file: bin/spectune.js
 * hands it to the simulator untouched, whose personas parse flags like the engines they impersonate.
 */
import { Command, CommanderError } from 'commander';
import pc from 'picocolors';
import { TOOL_VERSION } from '../node/tool-version';
import { stopAllServers } from '../core/server-process';
import { SpecTuneError } from '../shared/errors';
import { SIM_COMMANDS } from '../simulator/help';
import { visibleControls } from '../shared/safe-text';
import { registerReportCommand } from './report-command';
import { registerStatusCommand } from './status-command';
import { registerStopCommand } from './stop-command';
import { registerSweepCommand } from './sweep-command';
import { registerUiCommand } from './ui-command';

async function main(argv: string[]): Promise<void> {
  const program = new Command('spectune')
    .description('Find the best speculative-decoding settings for a local LLM server and put the server on them.')
    .version(TOOL_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerStatusCommand(program);
  registerStopCommand(program);
  registerSweepCommand(program);
  registerUiCommand(program);
  registerReportCommand(program);
  program
    .command('sim')
    .description(`the built-in simulator, a stand-in server per engine: ${SIM_COMMANDS.map((c) => c.word).join(', ')} (\`spectune sim --help\` says what each is)`);
  await program.parseAsync(argv, { from: 'user' });
}

main(process.argv.slice(2)).catch(async (err: unknown) => {
  await stopAllServers().catch(() => undefined);
  if (err instanceof CommanderError) {
    // commander already printed its message (or help/version).
    process.exitCode = err.exitCode === 0 ? 0 : 2;
    return;
  }
  // Messages quote servers, files and reports: control characters are shown, never obeyed.
  const shown = (text: string) => visibleControls(text, { multiline: true });
  if (err instanceof SpecTuneError) {
    process.stderr.write(`${pc.red('spectune:')} ${shown(err.message)}${err.hint ? `\n  ${pc.dim(shown(err.hint))}` : ''}\n`);
    if (err.logTail?.length) process.stderr.write(pc.dim(err.logTail.slice(-15).map((l) => `  | ${visibleControls(l)}`).join('\n')) + '\n');
    process.exitCode = err.code === 'INVALID_INPUT' ? 2 : err.code === 'CANCELLED' ? 130 : 1;
    return;
  }
  process.stderr.write(`${pc.red('spectune: unexpected error:')} ${shown(err instanceof Error ? (err.stack ?? err.message) : String(err))}\n`);
  process.exitCode = 1;
});
