import { useApp } from '../state/context';
import { METHOD_CHOICES, type ServerFormField } from '../state/forms';
import { Field } from '../components/Field';

const METHOD_LABEL: Record<string, string> = {
  draft_model: 'Draft model',
  ngram: 'n-gram (prompt lookup)',
  eagle: 'EAGLE',
  eagle3: 'EAGLE-3',
  mtp: 'MTP',
  medusa: 'Medusa',
};

/** The vLLM launch settings. They are also what sweeps, one-click and presets use. */
export function ServerForm() {
  const form = useApp((s) => s.serverForm);
  const errors = useApp((s) => s.serverFormErrors);
  const setField = useApp((s) => s.setServerField);

  const text = (field: ServerFormField, label: string, opts: { help?: string; placeholder?: string; inputMode?: 'numeric' | 'decimal' } = {}) => (
    <Field label={label} error={errors[field]} help={opts.help}>
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
      {text('command', 'vLLM command', { help: 'words, e.g. vllm or "python -m vllm.entrypoints.openai.api_server"' })}
      {text('model', 'Model', { placeholder: 'Qwen/Qwen2.5-7B-Instruct' })}
      <Field label="Speculation method" error={errors.method} help="used when k > 0">
        {(p) => (
          <select {...p} name="method" value={form.method} onChange={(e) => setField('method', e.target.value)}>
            <option value="">Automatic (draft model if given)</option>
            {METHOD_CHOICES.map((m) => (
              <option key={m} value={m}>
                {METHOD_LABEL[m] ?? m}
              </option>
            ))}
          </select>
        )}
      </Field>
      {text('draftModel', 'Draft model', { placeholder: 'Qwen/Qwen2.5-0.5B-Instruct', help: 'for draft-model speculation' })}
      {text('k', 'Draft tokens (k)', { inputMode: 'numeric', help: '0 = no speculation (baseline)' })}
      {text('port', 'Port', { inputMode: 'numeric' })}
      {text('gpuMemoryUtilization', 'GPU memory utilisation', { inputMode: 'decimal', help: 'fraction, e.g. 0.9' })}
      {text('tensorParallelSize', 'Tensor parallel size', { inputMode: 'numeric', help: 'number of GPUs' })}
      <div className="span-2">{text('extraArgs', 'Extra arguments', { placeholder: '--enforce-eager --max-num-seqs 8' })}</div>
    </div>
  );
}
