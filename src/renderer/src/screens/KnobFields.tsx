import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../state/context';
import { Field } from '../components/Field';
import { MethodChecklist } from '../components/MethodChecklist';
import { knobBoxes, type SweepFormField } from '../state/forms';
import { serverEngine } from '../state/validation';
import { PLAN_DEFAULTS } from '../../../shared/plan-builder';

type KnobField = Extract<SweepFormField, 'draftModels' | 'draftPMins' | 'methods'>;

/** The form's draft models as typed, with one more appended (comma separated). */
function withDraft(text: string, model: string): string {
  const t = text.trim().replace(/,\s*$/, '');
  return t === '' ? model : `${t}, ${model}`;
}

/**
 * What a launch compares besides k: the draft models, the confidence cut-offs and the methods — each
 * box only where the Servers engine's descriptor has that knob. The text lives in the Sweep form, so
 * the Sweep and One click screens build the same plan; the plan builder parses and checks it.
 */
export function KnobFields({ errors, onBlur }: { errors: Partial<Record<KnobField, string>>; onBlur?: (field: KnobField) => void }) {
  const { form, engine, candidates, setForm } = useApp(
    useShallow((s) => ({ form: s.sweepForm, engine: serverEngine(s), candidates: s.guide.draftCandidates, setForm: s.setSweepForm })),
  );
  const boxes = knobBoxes(engine);
  if (form.mode !== 'managed' || (!boxes.draftModels && !boxes.draftPMins && boxes.methods.length === 0)) return null;
  const typed = form.draftModels.split(/[,;\n]+/).map((w) => w.trim());
  const offered = candidates.filter((m) => !typed.includes(m));
  return (
    <>
      {boxes.draftModels && (
        <Field label="Draft models to compare" error={errors.draftModels} onBlur={() => onBlur?.('draftModels')} help="several, comma or line separated (names or file paths); empty = the Servers draft model">
          {(p) => (
            <textarea {...p} name="draftModels" rows={2} value={form.draftModels} placeholder={engine?.placeholders.draftModel} onChange={(e) => setForm({ draftModels: e.target.value })} />
          )}
        </Field>
      )}
      {boxes.draftModels && offered.length > 0 && (
        <div className="chips" aria-label="Draft models the server lists">
          {offered.map((m) => (
            <button key={m} type="button" className="link" onClick={() => setForm({ draftModels: withDraft(form.draftModels, m) })}>
              + {m}
            </button>
          ))}
        </div>
      )}
      {boxes.draftPMins && (
        <Field label="Confidence cut-offs (p_min)" error={errors.draftPMins} onBlur={() => onBlur?.('draftPMins')} help={`the draft stops where it is less sure than this, from 0 to 1, e.g. 0, 0.5; empty = 0 (One click: ${PLAN_DEFAULTS.oneClickPMins.join(' and ')})`}>
          {(p) => <input {...p} name="draftPMins" value={form.draftPMins} placeholder="0, 0.5" onChange={(e) => setForm({ draftPMins: e.target.value })} />}
        </Field>
      )}
      {boxes.methods.length > 0 && (
        <MethodChecklist legend="Methods" methods={boxes.methods} chosen={form.methods} error={errors.methods} help="none ticked = the Servers method" onChange={(methods) => setForm({ methods })} />
      )}
    </>
  );
}
