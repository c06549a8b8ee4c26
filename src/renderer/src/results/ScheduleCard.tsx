import type { Recommendation, ScheduleEntry } from '../../../shared/schemas';
import { CommandLine } from '../components/CopyButton';

/** "batch 1–7: k=5": one range of batch sizes and the draft length the server uses there. */
export function scheduleRange([start, end, k]: ScheduleEntry): string {
  return `batch ${start === end ? start : `${start}–${end}`}: k=${k}${k === 0 ? ' (no speculation)' : ''}`;
}

const STATUS: Record<'true' | 'false' | 'null', string> = {
  true: 'Confirmed: a server launched with this schedule was measured at every level and held up.',
  false: 'Not confirmed: the check run with this schedule was slower somewhere (see the note). Use the one k above instead.',
  null: 'Not confirmed by a run: it rests on the per-level measurements only.',
};

/**
 * Engines that take a draft length per batch size get the level picks as one schedule; the others
 * (and a schedule that failed its check) keep the one k recommended for the target level.
 */
export function ScheduleCard({ rec, target }: { rec: Recommendation; target: number }) {
  const s = rec.schedule;
  const oneK = `k = ${rec.numSpeculativeTokens ?? '—'}${rec.draftModel ? ` with draft ${rec.draftModel}` : ''}, picked for ${target} concurrent request${target === 1 ? '' : 's'}`;
  if (!s) {
    return (
      <section className="card schedule" data-testid="schedule" aria-label="One k for every load">
        <h4>One k for every load</h4>
        <p data-testid="schedule-fallback">
          This server takes a single draft length whatever the load, so keep the recommendation above ({oneK}). The table shows what each load
          would prefer: if your traffic sits at another level, recommend for that level instead.
        </p>
      </section>
    );
  }
  return (
    <section className="card schedule" data-testid="schedule" aria-label="Draft length by batch size">
      <h4>Draft length by batch size</h4>
      <ul className="schedule-entries" data-testid="schedule-entries">
        {s.entries.map((e) => (
          <li key={`${e[0]}-${e[1]}`}>{scheduleRange(e)}</li>
        ))}
      </ul>
      <p data-testid="schedule-status" className={s.confirmed === false ? 'bad' : s.confirmed ? 'ok' : 'muted'}>
        {STATUS[String(s.confirmed) as 'true' | 'false' | 'null']}
      </p>
      {s.note && <p data-testid="schedule-note">{s.note}</p>}
      {s.confirmed === false && <p data-testid="schedule-fallback">Fallback: {oneK}.</p>}
      {s.command && <CommandLine command={s.command} label="Startup command with the schedule" what="schedule command" testId="schedule-command" wrap />}
      <p className="muted">The server launches with k = {s.numSpeculativeTokens}, the largest in the schedule; each batch size then drafts its own.</p>
    </section>
  );
}
