/**
 * A form's errors once the user has tried to use it: computed from the values each time they
 * change, so a fixed field's message goes at once and no action clears another form's errors by
 * hand. The Sweep and guided plans read the Servers and Sweep forms too, so every form change
 * re-checks each form that was tried.
 */
import type { EngineDescriptor } from '../../../shared/engine-descriptor';
import { buildPlan, formToSettings, type FieldErrors, type ServerFormField, type SweepFormField } from './forms';
import { guideErrors, guidePlan, type GuideErrors } from './guide';
import type { AppState } from './store';
import type { Tools } from './tools';

/** The descriptor of the engine the Servers form launches (undefined until the descriptors arrive). */
export function serverEngine(s: Pick<AppState, 'engines' | 'serverForm'>): EngineDescriptor | undefined {
  return s.engines.find((e) => e.id === s.serverForm.engine);
}

export function guideEngine(s: Pick<AppState, 'engines' | 'guide'>): EngineDescriptor | null {
  return s.engines.find((e) => e.id === s.guide.values.engine) ?? null;
}

export function serverFormErrors(s: AppState): FieldErrors<ServerFormField> {
  const r = formToSettings(s.serverForm, serverEngine(s)?.fields);
  return r.ok ? {} : r.errors;
}

export function sweepFormErrors(s: AppState, kind: 'sweep' | 'optimize'): FieldErrors<SweepFormField> {
  // One click always launches: it runs the Sweep form's measurements on the Servers settings.
  const form = kind === 'optimize' ? { ...s.sweepForm, mode: 'managed' as const } : s.sweepForm;
  const r = buildPlan(form, s.serverForm, serverEngine(s));
  return r.ok ? {} : r.errors;
}

export function guideFormErrors(s: AppState): GuideErrors {
  const d = guideEngine(s);
  if (!d) return guideErrors(s.guide.values, null);
  const r = guidePlan(s.guide.values, d, s.sweepForm);
  return r.ok ? {} : r.errors;
}

/** After any form change: every tried form's errors, from the values as they are now. */
export function revalidate({ set, get }: Tools): void {
  const s = get();
  set({
    ...(s.serverFormTried ? { serverFormErrors: serverFormErrors(s) } : {}),
    ...(s.sweepTried ? { sweepFormErrors: sweepFormErrors(s, s.sweepTried) } : {}),
    ...(s.guide.tried ? { guide: { ...s.guide, errors: guideFormErrors(s) } } : {}),
  });
}
