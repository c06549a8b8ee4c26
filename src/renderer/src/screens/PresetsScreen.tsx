import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Preset } from '../../../shared/ipc-contract';
import { useApp } from '../state/context';
import { ErrorPanel } from '../components/ErrorPanel';
import { PortHolder } from '../components/PortHolder';
import { serverControlLock } from '../state/server-lock';
import * as f from '../format';

function PresetRow({ p }: { p: Preset }) {
  const { rename, remove, apply, busy } = useApp(
    useShallow((s) => ({ rename: s.renamePreset, remove: s.deletePreset, apply: s.applyPreset, busy: s.serverTask.busy })),
  );
  const locked = useApp(serverControlLock);
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(p.name);
  const [confirm, setConfirm] = useState(false);
  const s = p.settings;
  // A cancelled rename must not come back with the abandoned text next time.
  const stopEditing = () => {
    setName(p.name);
    setEditing(false);
  };
  return (
    <li className="card preset" data-testid="preset-row" aria-label={`Preset ${p.name}`}>
      {editing ? (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void rename(p.id, name).then((ok) => ok && setEditing(false));
          }}
        >
          <label>
            New name{' '}
            <input value={name} onChange={(e) => setName(e.target.value)} onKeyDown={(e) => e.key === 'Escape' && stopEditing()} autoFocus />
          </label>
          <button type="submit">Save name</button>
          <button type="button" onClick={stopEditing}>
            Cancel
          </button>
        </form>
      ) : (
        <h3>{p.name}</h3>
      )}
      <p className="muted">
        {s.model} · k = {s.numSpeculativeTokens}
        {s.method ? ` · ${s.method}` : s.draftModel ? ` · draft ${s.draftModel}` : ''} · port {s.port} · updated {f.when(p.updatedAt)}
        {p.note ? ` · ${p.note}` : ''}
      </p>
      <div className="actions">
        <button type="button" className="primary" disabled={busy || !!locked} title={locked ?? undefined} onClick={() => void apply(p.id)}>
          Apply
        </button>
        {locked && (
          <span className="muted" data-testid="preset-lock-reason">
            {locked}
          </span>
        )}
        {!editing && (
          <button type="button" onClick={() => setEditing(true)}>
            Rename
          </button>
        )}
        {confirm ? (
          <>
            <button type="button" className="danger" onClick={() => void remove(p.id)}>
              Confirm delete
            </button>
            {/* The Delete button just vanished: keyboard focus lands on the safe choice, not on <body>. */}
            <button type="button" onClick={() => setConfirm(false)} autoFocus>
              Keep
            </button>
          </>
        ) : (
          <button type="button" onClick={() => setConfirm(true)}>
            Delete
          </button>
        )}
      </div>
    </li>
  );
}

export function PresetsScreen() {
  const { presets, error, save, form } = useApp(useShallow((s) => ({ presets: s.presets, error: s.presetsTask.error, save: s.savePreset, form: s.serverForm })));
  const [name, setName] = useState('');
  return (
    <section aria-labelledby="presets-title">
      <h2 id="presets-title">Presets</h2>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void save(name).then((p) => p && setName(''));
        }}
      >
        <label>
          Preset name <input value={name} onChange={(e) => setName(e.target.value)} placeholder="Qwen 7B, ngram k=5" />
        </label>
        <button type="submit" className="primary">
          Save current settings
        </button>
        <span className="muted">
          current: {form.model || 'no model'} · k = {form.k} · port {form.port}
        </span>
      </form>
      <ErrorPanel error={error} title="Preset problem" testId="presets-error" />
      {error && <PortHolder />}
      {presets.length === 0 ? (
        <p className="empty-state">No presets yet. Save the current server settings, or save the winner of a one-click run.</p>
      ) : (
        <ul className="preset-list">
          {presets.map((p) => (
            <PresetRow key={p.id} p={p} />
          ))}
        </ul>
      )}
    </section>
  );
}
