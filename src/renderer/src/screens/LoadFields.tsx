import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../state/context';
import { levelsAsTyped } from '../../../shared/plan-builder';
import { Field } from '../components/Field';

/**
 * Load levels, on every screen that starts a sweep: the levels to measure and the one the single
 * recommendation is for. The text lives in the Sweep form, so the Sweep, One click and guided
 * screens run the same plan. Errors come from the screen's own run attempt (the plan builder
 * names the wrong item of a list).
 */
export function LoadFields({ errors }: { errors: { concurrency?: string; targetConcurrency?: string; sloTtftP99?: string; sloItlP99?: string } }) {
  const { concurrency, target, ttft, itl, setForm } = useApp(
    useShallow((s) => ({
      concurrency: s.sweepForm.concurrency,
      target: s.sweepForm.targetConcurrency,
      ttft: s.sweepForm.sloTtftP99,
      itl: s.sweepForm.sloItlP99,
      setForm: s.setSweepForm,
    })),
  );
  const levels = levelsAsTyped(concurrency);
  const stale = target !== '' && !levels.includes(Number(target));
  return (
    <>
      <Field
        label="Concurrent requests"
        error={errors.concurrency}
        help="requests in flight at once, e.g. 1,8,32: a shared server is not one user, and a k that pays for one can cost at 32"
      >
        {(p) => <input {...p} name="concurrency" value={concurrency} onChange={(e) => setForm({ concurrency: e.target.value })} />}
      </Field>
      <Field label="Recommend for" error={errors.targetConcurrency} help="the load the one recommended k is for; each level still gets its own pick">
        {(p) => (
          <select {...p} name="targetConcurrency" value={target} onChange={(e) => setForm({ targetConcurrency: e.target.value })}>
            <option value="">the lowest level{levels.length ? ` (${levels[0]})` : ''}</option>
            {levels.map((c) => (
              <option key={c} value={String(c)}>
                {c} concurrent request{c === 1 ? '' : 's'}
              </option>
            ))}
            {/* Kept visible so the error can name it, instead of silently becoming another level. */}
            {stale && <option value={target}>{target} (not in the list)</option>}
          </select>
        )}
      </Field>
      {/* Latency bounds: at each level a setting whose p99 is above one cannot be the pick (plan.slo). */}
      <Field label="TTFT p99 bound (ms)" error={errors.sloTtftP99} help="optional: the slowest 1% of first tokens may take at most this long, e.g. 500">
        {(p) => <input {...p} name="sloTtftP99" inputMode="decimal" value={ttft} onChange={(e) => setForm({ sloTtftP99: e.target.value })} />}
      </Field>
      <Field label="ITL p99 bound (ms)" error={errors.sloItlP99} help="optional: the slowest 1% of gaps between streamed chunks may be at most this, e.g. 50">
        {(p) => <input {...p} name="sloItlP99" inputMode="decimal" value={itl} onChange={(e) => setForm({ sloItlP99: e.target.value })} />}
      </Field>
    </>
  );
}
