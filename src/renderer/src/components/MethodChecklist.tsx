/** The methods to compare, one checkbox each in the engine's own words; the Sweep form and Get started both use it. */
export function MethodChecklist({
  legend,
  methods,
  chosen,
  error,
  help,
  onChange,
}: {
  legend: string;
  methods: readonly string[];
  chosen: readonly string[];
  error?: string;
  /** What ticking none means, shown when there is no error. */
  help: string;
  onChange: (chosen: string[]) => void;
}) {
  const toggle = (m: string, on: boolean) => onChange(on ? [...chosen.filter((x) => x !== m), m] : chosen.filter((x) => x !== m));
  return (
    <fieldset className={error ? 'field-invalid' : undefined}>
      <legend>{legend}</legend>
      <div className="checklist">
        {methods.map((m) => (
          <div key={m} className="check-row">
            <label>
              <input type="checkbox" checked={chosen.includes(m)} onChange={(e) => toggle(m, e.target.checked)} /> {m}
            </label>
          </div>
        ))}
      </div>
      {error ? (
        <span className="field-error" role="alert">
          {error}
        </span>
      ) : (
        <span className="field-help">{help}</span>
      )}
    </fieldset>
  );
}
