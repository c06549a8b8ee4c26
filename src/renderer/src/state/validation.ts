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
  const r = buildPlan(form, s.serverForm, serverEngine(s), kind === 'optimize');
  return r.ok ? {} : r.errors;
}

export function guideFormErrors(s: AppState): GuideErrors {
  const d = guideEngine(s);
  if (!d) return guideErrors(s.guide.values, null);
  const r = guidePlan(s.guide.values, d, s.sweepForm);
  return r.ok ? {} : r.errors;
}

/** A form's errors on screen: all of them once it was tried, before that those of the boxes the user has left. */
function shown<F extends string>(all: FieldErrors<F>, tried: boolean, touched: readonly F[]): FieldErrors<F> {
  return tried ? all : (Object.fromEntries(Object.entries(all).filter(([f]) => touched.includes(f as F))) as FieldErrors<F>);
}

/** The run a Sweep form check is for: the one tried, else what the screen it is on starts (One click always launches). */
function sweepKind(s: AppState): 'sweep' | 'optimize' {
  return s.sweepTried ?? (s.screen === 'oneclick' ? 'optimize' : 'sweep');
}

/** After any form change: every tried form's errors, and those of the boxes left, from the values as they are now. */
export function revalidate({ set, get }: Tools): void {
  const s = get();
  const server = s.serverFormTried || s.serverTouched.length > 0;
  const sweep = s.sweepTried !== null || s.sweepTouched.length > 0;
  set({
    ...(server ? { serverFormErrors: shown(serverFormErrors(s), s.serverFormTried, s.serverTouched) } : {}),
    ...(sweep ? { sweepFormErrors: shown(sweepFormErrors(s, sweepKind(s)), s.sweepTried !== null, s.sweepTouched) } : {}),
    ...(s.guide.tried ? { guide: { ...s.guide, errors: guideFormErrors(s) } } : {}),
  });
}
