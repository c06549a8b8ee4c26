import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { EndpointSchema, type EndpointStatus, type ServerPhase } from '../../../shared/schemas';
import { formatZodErrorShort } from '../validation';
import { useApp } from '../state/context';
import { errorLine } from '../state/store';
import { serverControlLock } from '../state/server-lock';
import { LeftRunningBanner } from '../components/LeftRunningBanner';
import { ErrorPanel } from '../components/ErrorPanel';
import { PortHolder } from '../components/PortHolder';
import { LogTail } from '../components/LogTail';
import { SimulatedBadge } from '../components/Simulated';
import { ServerForm } from './ServerForm';
import { AttachedDemos, LaunchDemo } from './ServerDemo';

/**
 * vLLM logs every request it answers: a fast poll buries the log tail (and a crash's last lines)
 * under its own GETs. Phase changes of the launched server re-probe at once anyway.
 */
export const POLL_MS = 15_000;

export function PhaseBadge({ phase }: { phase: ServerPhase | undefined }) {
  const p = phase ?? 'stopped';
  return (
    <span className={`badge phase phase-${p}`} data-testid="server-phase">
      {p}
    </span>
  );
}

function EndpointCard({ s, removable, onRemove }: { s: EndpointStatus; removable: boolean; onRemove: () => void }) {
  // Engines (the generic OpenAI-compatible one included) are named by their descriptors; 'unknown' as it is.
  const kindLabel = useApp((st) => st.engines.find((e) => e.id === s.kind)?.label) ?? s.kind;
  return (
    <article className="card endpoint" data-testid="endpoint-card" aria-label={`${s.name} status`}>
      <header>
        <h3>{s.name}</h3>
        <span className={`badge ${s.running ? 'badge-ok' : 'badge-off'}`} data-testid="endpoint-status">
          {s.running ? 'RUNNING' : 'NOT RUNNING'}
        </span>
        <SimulatedBadge show={s.simulated} />
      </header>
      <dl className="kv">
        <dt>URL</dt>
        <dd>
          <code>{s.url}</code>
        </dd>
        {s.running ? (
          <>
            <dt>Listening</dt>
            <dd data-testid="endpoint-kind">
              {kindLabel}
              {s.version ? ` ${s.version}` : ''}
            </dd>
            <dt>Models</dt>
            <dd>{s.models.length ? s.models.join(', ') : 'none reported'}</dd>
            <dt>Latency</dt>
            <dd>{s.latencyMs === null ? '—' : `${Math.round(s.latencyMs)} ms`}</dd>
          </>
        ) : (
          <>
            <dt>Why</dt>
            <dd>{s.reason ?? 'not answering'}</dd>
          </>
        )}
      </dl>
      {removable && (
        <button type="button" className="link" onClick={onRemove}>
          Remove
        </button>
      )}
    </article>
  );
}

function AddEndpoint() {
  const add = useApp((s) => s.addEndpoint);
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      className="inline-form"
      aria-label="Add a server to watch"
      onSubmit={(e) => {
        e.preventDefault();
        const r = EndpointSchema.safeParse({ name: name.trim(), url: url.trim() });
        if (!r.success) return setError(formatZodErrorShort(r.error));
        setError(null);
        add(r.data);
        setName('');
        setUrl('');
      }}
    >
      <label>
        Name <input value={name} onChange={(e) => setName(e.target.value)} placeholder="llama.cpp box" />
      </label>
      <label>
        URL <input value={url} onChange={(e) => setUrl(e.target.value)} placeholder="http://127.0.0.1:8080" />
      </label>
      <button type="submit">Add endpoint</button>
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}

export function ServersScreen() {
  const engines = useApp((s) => s.engines);
  const engineId = useApp((s) => s.serverForm.engine);
  const { statuses, probeError, customEndpoints, server, serverError, serverBusy, logs } = useApp(
    useShallow((s) => ({
      statuses: s.statuses,
      probeError: s.probeTask.error,
      customEndpoints: s.customEndpoints,
      server: s.server,
      serverError: s.serverTask.error,
      serverBusy: s.serverTask.busy,
      logs: s.logs,
    })),
  );
  const { probe, removeEndpoint, startServer, stopServer, restartServer } = useApp(
    useShallow((s) => ({
      probe: s.probe,
      removeEndpoint: s.removeEndpoint,
      startServer: s.startServer,
      stopServer: s.stopServer,
      restartServer: s.restartServer,
    })),
  );

  useEffect(() => {
    const t = setInterval(() => {
      if (document.visibilityState !== 'hidden') void probe();
    }, POLL_MS);
    return () => clearInterval(t);
  }, [probe]);

  const locked = useApp(serverControlLock);
  const phase = server?.phase;
  const live = phase === 'starting' || phase === 'ready';
  const customNames = new Set(customEndpoints.map((e) => e.name));
  // A crash after ready arrives as state, not as a rejected call: show both.
  const stateError = server?.phase === 'crashed' ? server.error : null;
  const engineLabel = engines.find((e) => e.id === engineId)?.label ?? engineId;

  return (
    <section aria-labelledby="servers-title">
      <h2 id="servers-title">Servers</h2>
      <LeftRunningBanner />
      <div className="cards" data-testid="endpoint-cards">
        {statuses.length === 0 && !probeError && <p className="muted">Checking which servers are up…</p>}
        {statuses.map((s) => (
          <EndpointCard key={s.name + s.url} s={s} removable={customNames.has(s.name)} onRemove={() => removeEndpoint(s.name)} />
        ))}
      </div>
      {probeError && <p className="field-error">Status check failed: {errorLine(probeError)}</p>}
      <AttachedDemos />
      <AddEndpoint />

      <article className="card vllm-card" aria-labelledby="vllm-title">
        <header>
          <h3 id="vllm-title">{engineLabel} launched by SpecTune</h3>
          <PhaseBadge phase={phase} />
          <SimulatedBadge show={Boolean(server?.simulated)} />
          {server?.url && live && <code data-testid="server-url">{server.url}</code>}
          {server?.settings && live && (
            <span className="muted" data-testid="server-k">
              k = {server.settings.numSpeculativeTokens}
            </span>
          )}
        </header>
        <LaunchDemo />
        <ServerForm />
        <div className="actions">
          <button type="button" className="primary" onClick={() => void startServer()} disabled={serverBusy || live || !!locked} title={locked ?? undefined}>
            Start
          </button>
          <button type="button" onClick={() => void stopServer()} disabled={serverBusy || !live || !!locked} title={locked ?? undefined}>
            Stop
          </button>
          <button type="button" onClick={() => void restartServer()} disabled={serverBusy || !!locked} title={locked ?? undefined}>
            Restart
          </button>
          {serverBusy && <span className="muted">Working… (a real model can take minutes to load)</span>}
          {locked && (
            <span className="muted" data-testid="server-lock-reason">
              {locked}
            </span>
          )}
        </div>
        <ErrorPanel error={serverError} title="The server did not start" testId="server-error" />
        {serverError && <PortHolder />}
        {!serverError && <ErrorPanel error={stateError} title="The server crashed" testId="server-error" />}
        {server?.exit && phase !== 'ready' && phase !== 'starting' && (
          <p className="muted" data-testid="server-exit">
            Last exit: code {server.exit.code ?? '—'}
            {server.exit.signal ? `, signal ${server.exit.signal}` : ''}
          </p>
        )}
        <h4>Log</h4>
        <LogTail lines={logs} />
      </article>
    </section>
  );
}
