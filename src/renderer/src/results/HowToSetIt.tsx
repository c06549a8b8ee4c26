import type { Recommendation } from '../../../shared/schemas';
import { CommandLine } from '../components/CopyButton';
import { scheduleRange } from './ScheduleCard';

/**
 * Where to put the answer, the same block on Results and One click: the startup line (for a load
 * run whose schedule held up, the whole per-batch-size one), or the setting in the engine's own
 * words where it has no startup line (LM Studio, Ollama). Wrapped, never scrolled sideways.
 */
export function HowToSetIt({ rec, testId }: { rec: Recommendation; testId: string }) {
  const schedule = rec.schedule && rec.schedule.confirmed !== false && rec.schedule.command ? rec.schedule : null;
  const line = schedule?.command ?? rec.command ?? rec.setting ?? null;
  if (!line) return null;
  // The one-k words ("num_speculative_tokens = 3") would contradict a schedule: only beside the one-k line.
  const words = !schedule && rec.setting && rec.setting !== line ? rec.setting : null;
  return (
    <section className="how-to-set" aria-label="How to set it" data-testid="how-to-set">
      <h4>How to set it</h4>
      {schedule && (
        <p data-testid={`${testId}-schedule`}>
          A draft length per batch size: {schedule.entries.map(scheduleRange).join('; ')}.
        </p>
      )}
      <CommandLine
        command={line}
        label={schedule ? 'Startup command with the schedule' : rec.command ? 'Startup command' : 'Setting to keep'}
        what={rec.command || schedule ? 'command' : 'setting'}
        testId={testId}
        wrap
      />
      {words && <p data-testid={`${testId}-words`}>{words}</p>}
    </section>
  );
}
