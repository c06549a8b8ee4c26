import { useApp } from '../state/context';
import { METHOD_CHOICES, wordsToText, type ServerFormField } from '../state/forms';
import { Field } from '../components/Field';

const METHOD_LABEL: Record<string, string> = {
  draft_model: 'Draft model',
  ngram: 'n-gram (prompt lookup)',
  eagle: 'EAGLE',
  eagle3: 'EAGLE-3',
  mtp: 'MTP',
  medusa: 'Medusa',
};

/**
 * The launch settings of the engine SpecTune starts. They are also what sweeps, one-click and
 * presets use. Which fields show comes from the engine's descriptor (a GGUF path for llama.cpp).
 */
export function ServerForm() {
  const form = useApp((s) => s.serverForm);
  const errors = useApp((s) => s.serverFormErrors);
  const setField = useApp((s) => s.setServerField);
  const touch = useApp((s) => s.touchServerField);
  const engines = useApp((s) => s.engines);
  const launched = engines.filter((e) => e.lifecycle === 'launched');
  const d = engines.find((e) => e.id === form.engine) ?? null;
  // Until the descriptors arrive (and for an engine this app does not know), show every field.
  const shows = (field: string) => !d || (d.fields as string[]).includes(field);
  const label = d?.label ?? (form.engine || 'Server');

  const text = (field: ServerFormField, label: string, opts: { help?: string; placeholder?: string; inputMode?: 'numeric' | 'decimal' } = {}) => (
    <Field label={label} error={errors[field]} help={opts.help} onBlur={() => touch(field)}>
      {(p) => (
        <input
          {...p}
          name={field}
          value={form[field]}
          placeholder={opts.placeholder}
          inputMode={opts.inputMode}
          onChange={(e) => setField(field, e.target.value)}
        />
      )}
    </Field>
  );

  return (
    <div className="form-grid" data-testid="server-form">
      {launched.length > 1 && (
        <Field label="Engine" help="the server SpecTune starts">
          {(p) => (
            <select
              {...p}
              name="engine"
              value={form.engine}
              onChange={(e) => {
                const next = launched.find((x) => x.id === e.target.value);
                // Keep a command the user typed; replace only the previous engine's default.
                if (next && (!d || form.command === wordsToText(d.defaultCommand))) setField('command', wordsToText(next.defaultCommand));
                setField('engine', e.target.value);
              }}
            >
              {launched.map((x) => (
                <option key={x.id} value={x.id}>
                  {x.label}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      {text('command', `${label} command`, { help: d ? `words, e.g. ${wordsToText(d.defaultCommand)}` : 'the words that start the server' })}
      {text('model', 'Model', { placeholder: d?.placeholders.model ?? 'Qwen/Qwen2.5-7B-Instruct' })}
      {shows('method') && (d?.methods.length ?? 1) > 0 && (
        <Field label="Speculation method" error={errors.method} help="used when k > 0; Automatic = the draft model">
          {(p) => (
            <select {...p} name="method" value={form.method} onChange={(e) => setField('method', e.target.value)}>
              {/* Short, so the closed select shows it whole in a form column; the help says what it means. */}
              <option value="">Automatic</option>
              {(d?.methods ?? METHOD_CHOICES).map((m) => (
                <option key={m} value={m}>
                  {METHOD_LABEL[m] ?? m}
                </option>
              ))}
            </select>
          )}
        </Field>
      )}
      {shows('draftModel') && text('draftModel', 'Draft model', { placeholder: d?.placeholders.draftModel ?? 'Qwen/Qwen2.5-0.5B-Instruct', help: 'for draft-model speculation' })}
      {text('k', 'Draft tokens (k)', { inputMode: 'numeric', help: '0 = no speculation (baseline)' })}
      {text('port', 'Port', { inputMode: 'numeric' })}
      {shows('gpuMemoryUtilization') && text('gpuMemoryUtilization', 'GPU memory utilisation', { inputMode: 'decimal', help: 'fraction, e.g. 0.9' })}
      {shows('tensorParallelSize') && text('tensorParallelSize', 'Tensor parallel size', { inputMode: 'numeric', help: 'number of GPUs' })}
      {shows('extraArgs') && <div className="span-2">{text('extraArgs', 'Extra arguments', { placeholder: '--enforce-eager --max-num-seqs 8' })}</div>}
    </div>
  );
}
