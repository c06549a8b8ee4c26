import { useState } from 'react';
import { PromptDefSchema, SystemPromptDefSchema, type PromptDef } from '../../../shared/schemas';
import { formatZodErrorShort } from '../validation';

/** Add or edit one custom prompt (type or system prompt), validated with the shared schema. */
export function PromptEditor({
  kind,
  initial,
  onSave,
  onCancel,
}: {
  kind: 'prompt type' | 'system prompt';
  initial?: PromptDef;
  onSave: (p: PromptDef) => void;
  onCancel: () => void;
}) {
  const [id, setId] = useState(initial?.id ?? '');
  const [label, setLabel] = useState(initial?.label ?? '');
  const [prompt, setPrompt] = useState(initial?.prompt ?? '');
  const [error, setError] = useState<string | null>(null);
  const schema = kind === 'prompt type' ? PromptDefSchema : SystemPromptDefSchema;
  return (
    <form
      className="card prompt-editor"
      aria-label={`${initial ? 'Edit' : 'Add'} custom ${kind}`}
      onSubmit={(e) => {
        e.preventDefault();
        const r = schema.safeParse({ id: id.trim(), label: label.trim() || id.trim(), prompt });
        if (!r.success) return setError(formatZodErrorShort(r.error));
        onSave(r.data);
      }}
    >
      <label>
        Id
        <input value={id} onChange={(e) => setId(e.target.value)} disabled={Boolean(initial)} placeholder="sql-review" />
      </label>
      <label>
        Label
        <input value={label} onChange={(e) => setLabel(e.target.value)} placeholder="SQL review" />
      </label>
      <label className="span-2">
        {kind === 'prompt type' ? 'Prompt' : 'System prompt text (may be empty)'}
        <textarea value={prompt} rows={3} onChange={(e) => setPrompt(e.target.value)} />
      </label>
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
      <div className="actions">
        <button type="submit" className="primary">
          {initial ? 'Save changes' : `Add ${kind}`}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
