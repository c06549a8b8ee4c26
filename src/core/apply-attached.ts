/**
 * "Apply" for an engine the user runs (attached): the engine's own CLI puts the winner in place
 * (LM Studio: `lms unload` then `lms load … --speculative-draft-model`). SpecTune shows the exact
 * commands first and runs them only when the user confirms; no shell, bounded time, the tool's
 * own message on failure.
 */
import { execa } from 'execa';
import { SpecTuneError } from '../shared/errors';
import type { Report } from '../shared/schemas';
import { settingOf } from '../shared/config-key';
import { formatCommand } from '../shared/shell-words';
import { engineById } from '../engines';

const RUN_TIMEOUT_MS = 300_000;

export async function applyAttached(report: Report, confirm: boolean): Promise<{ commands: string[]; ran: boolean }> {
  const rec = report.recommendation;
  if (!rec) throw new SpecTuneError('INVALID_INPUT', 'this run has no recommendation to apply', { hint: 'run a sweep that finishes at least the baseline and one setting' });
  if ((report.plan as { mode?: unknown }).mode !== 'attached') {
    throw new SpecTuneError('INVALID_INPUT', 'SpecTune launched this server: use Apply, which restarts it on the recommendation');
  }
  const engine = engineById(report.server.kind);
  if (!engine.applyAttached || !report.server.model) {
    throw new SpecTuneError('INVALID_INPUT', `${engine.descriptor.label} has no command SpecTune can run to change this setting`, {
      hint: `set it yourself: ${rec.setting ?? rec.command ?? 'see the recommendation'}`,
    });
  }
  const argvs = await engine.applyAttached({ config: settingOf(rec), model: report.server.model });
  const commands = argvs.map((a) => formatCommand(a).replace(/ \\\n\s+/g, ' '));
  if (!confirm) return { commands, ran: false };
  for (const [file, ...args] of argvs) {
    const r = await execa(file, args, { reject: false, stdin: 'ignore', timeout: RUN_TIMEOUT_MS, killSignal: 'SIGKILL', windowsHide: true });
    if (r.exitCode !== 0) {
      const said = `${String(r.stderr ?? '')}\n${String(r.stdout ?? '')}`.trim().split('\n').slice(-5).join('\n');
      throw new SpecTuneError('IO_ERROR', `"${formatCommand([file, ...args]).replace(/ \\\n\s+/g, ' ')}" failed (${r.timedOut ? 'timed out' : `exit code ${r.exitCode ?? r.signal}`})${said ? `: ${said}` : ''}`, {
        hint: `${engine.descriptor.label} kept its previous settings if the load did not start; set it yourself: ${rec.setting ?? rec.command ?? ''}`,
      });
    }
  }
  return { commands, ran: true };
}
