import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { PromptDef } from '../../../shared/schemas';
import { mergeById } from '../../../shared/prompts';
import { useApp } from '../state/context';
import { Field } from '../components/Field';
import { PromptEditor } from './PromptEditor';
import { kListPreview, planStrategy } from '../../../shared/plan-builder';
import { LoadFields } from './LoadFields';
import { KnobFields } from './KnobFields';

type Kind = 'prompt type' | 'system prompt';

/** Before the run: whether the search will be adaptive for the k list as typed, and what that means. */
function strategyHelp(chosen: '' | 'adaptive' | 'exhaustive', ks: readonly (number | null)[]): string {
  const tokens = ks.filter((k): k is number => k !== null);
  const strategy = planStrategy({ tokens, strategy: chosen || undefined });
  return strategy === 'adaptive'
    ? 'this run will be adaptive: it measures the k that can decide the answer and predicts the others'
    : 'this run will measure every k in the list';
}

function PromptChecklist({ kind, legend, all, custom, selected, error, onToggle, onSaveCustom }: {
  kind: Kind;
  legend: string;
  all: PromptDef[];
  custom: PromptDef[];
  selected: string[];
  error?: string;
  onToggle: (id: string, on: boolean) => void;
  onSaveCustom: (p: PromptDef) => void;
}) {
  const [editing, setEditing] = useState<PromptDef | 'new' | null>(null);
  const customIds = new Set(custom.map((c) => c.id));
  return (
    <fieldset className={error ? 'field-invalid' : undefined}>
      <legend>{legend}</legend>
      <div className="checklist">
        {all.map((p) => (
          <div key={p.id} className="check-row">
            <label title={p.prompt}>
              <input type="checkbox" checked={selected.includes(p.id)} onChange={(e) => onToggle(p.id, e.target.checked)} />
              {p.label} <span className="muted">({p.id})</span>
              {customIds.has(p.id) && <span className="badge">custom</span>}
            </label>
            {customIds.has(p.id) && (
              <button type="button" className="link" onClick={() => setEditing(custom.find((c) => c.id === p.id) ?? null)} aria-label={`Edit ${p.label}`}>
                Edit
              </button>
            )}
          </div>
        ))}
        {all.length === 0 && <span className="muted">Loading built-in {kind}s…</span>}
      </div>
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
      {editing ? (
        <PromptEditor
          kind={kind}
          initial={editing === 'new' ? undefined : editing}
          onCancel={() => setEditing(null)}
          onSave={(p) => {
            onSaveCustom(p);
            setEditing(null);
          }}
        />
      ) : (
        <button type="button" className="link" onClick={() => setEditing('new')}>
          + Add custom {kind}
        </button>
      )}
    </fieldset>
  );
}

export function SweepForm({ showMode = true }: { showMode?: boolean }) {
  const { form, errors, builtinTypes, builtinSystem, setForm, touch } = useApp(
    useShallow((s) => ({
      touch: s.touchSweepField,
      form: s.sweepForm,
      errors: s.sweepFormErrors,
      builtinTypes: s.builtinPromptTypes,
      builtinSystem: s.builtinSystemPrompts,
      setForm: s.setSweepForm,
    })),
  );
  const ks = kListPreview(form.tokens);
  const toggle = (key: 'promptTypes' | 'systemPrompts', id: string, on: boolean) =>
    setForm({ [key]: on ? [...form[key].filter((x) => x !== id), id] : form[key].filter((x) => x !== id) });

  return (
    <div className="sweep-form" data-testid="sweep-form">
      {showMode && (
        <fieldset>
          <legend>Server</legend>
          <label>
            <input type="radio" name="mode" checked={form.mode === 'managed'} onChange={() => setForm({ mode: 'managed' })} />
            Managed: launch the server with the Servers settings, restarting as k needs
          </label>
          <label>
            <input type="radio" name="mode" checked={form.mode === 'attached'} onChange={() => setForm({ mode: 'attached' })} />
            Attached: measure a server that is already running
          </label>
          {form.mode === 'attached' && (
            <Field label="Server URL" error={errors.url} onBlur={() => touch('url')}>
              {(p) => <input {...p} value={form.url} onChange={(e) => setForm({ url: e.target.value })} />}
            </Field>
          )}
          {errors.server && (
            <span className="field-error" role="alert">
              {errors.server}
            </span>
          )}
        </fieldset>
      )}
      <div className="form-grid">
        <Field
          label="Configurations (k list)"
          error={errors.tokens}
          onBlur={() => touch('tokens')}
          help={form.mode === 'attached' ? 'the k the running server uses (one value)' : 'comma-separated, or a range like 1-8; 0 = baseline'}
        >
          {(p) => <input {...p} name="tokens" value={form.tokens} onChange={(e) => setForm({ tokens: e.target.value })} />}
        </Field>
        <div className="chips" aria-label="Configurations to run">
          {ks.map((k, i) => (
            <span key={i} className={`chip${k === null ? ' chip-bad' : ''}`}>
              {k === null ? '?' : k === 0 ? 'baseline' : `k=${k}`}
            </span>
          ))}
        </div>
        <Field label="Search" error={errors.strategy} help={strategyHelp(form.strategy, ks)}>
          {(p) => (
            <select {...p} name="strategy" value={form.strategy} onChange={(e) => setForm({ strategy: e.target.value as typeof form.strategy })}>
              <option value="">automatic (adaptive above three k)</option>
              <option value="adaptive">adaptive: measure what decides, predict the rest</option>
              <option value="exhaustive">exhaustive: measure every k</option>
            </select>
          )}
        </Field>
        <Field label="Max repeats" error={errors.maxRepeats} onBlur={() => touch('maxRepeats')} help={`most repeats for two settings not yet told apart; empty = 3 × repeats`}>
          {(p) => <input {...p} name="maxRepeats" inputMode="numeric" value={form.maxRepeats} placeholder="e.g. 9" onChange={(e) => setForm({ maxRepeats: e.target.value })} />}
        </Field>
        <Field label="Repeats" error={errors.repeats} onBlur={() => touch('repeats')} help="requests per prompt × system prompt">
          {(p) => <input {...p} name="repeats" inputMode="numeric" value={form.repeats} onChange={(e) => setForm({ repeats: e.target.value })} />}
        </Field>
        <Field label="Max tokens" error={errors.maxTokens} onBlur={() => touch('maxTokens')} help="per request">
          {(p) => <input {...p} name="maxTokens" inputMode="numeric" value={form.maxTokens} onChange={(e) => setForm({ maxTokens: e.target.value })} />}
        </Field>
        <LoadFields errors={errors} onBlur={touch} />
        <KnobFields errors={errors} onBlur={touch} />
      </div>
      <div className="two-col">
        <PromptChecklist
          kind="prompt type"
          legend="Prompt types"
          all={mergeById(builtinTypes, form.customPrompts)}
          custom={form.customPrompts}
          selected={form.promptTypes}
          error={errors.promptTypes}
          onToggle={(id, on) => toggle('promptTypes', id, on)}
          onSaveCustom={(p) =>
            setForm({ customPrompts: mergeById(form.customPrompts, [p]), promptTypes: [...form.promptTypes.filter((x) => x !== p.id), p.id] })
          }
        />
        <PromptChecklist
          kind="system prompt"
          legend="System prompts"
          all={mergeById(builtinSystem, form.customSystemPrompts)}
          custom={form.customSystemPrompts}
          selected={form.systemPrompts}
          error={errors.systemPrompts}
          onToggle={(id, on) => toggle('systemPrompts', id, on)}
          onSaveCustom={(p) =>
            setForm({
              customSystemPrompts: mergeById(form.customSystemPrompts, [p]),
              systemPrompts: [...form.systemPrompts.filter((x) => x !== p.id), p.id],
            })
          }
        />
      </div>
    </div>
  );
}
