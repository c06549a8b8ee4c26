import type { ConfigurationResult, GroupComparison } from '../../../shared/schemas';
import * as f from '../format';
import { configKey, isBaseline } from '../../../shared/config-key';

/** The seed guide's configuration table: Config / Tok/s / Time / Speedup / Best, plus the detail behind them. */
export function ConfigTable({ configs, best: bestKey }: { configs: ConfigurationResult[]; best: string | null }) {
  if (configs.length === 0) return <p className="muted empty">No configuration has finished yet.</p>;
  return (
    <div className="table-wrap">
      <table data-testid="config-table">
        <caption>Configurations</caption>
        <thead>
          <tr>
            <th scope="col">Config</th>
            <th scope="col">Tok/s</th>
            <th scope="col">95% CI</th>
            <th scope="col">Time</th>
            <th scope="col">TTFT</th>
            <th scope="col">Speedup</th>
            <th scope="col">Acceptance</th>
            <th scope="col">Requests</th>
            <th scope="col">Best</th>
          </tr>
        </thead>
        <tbody>
          {configs.map((c) => {
            const best = configKey(c) === bestKey;
            return (
              <tr key={configKey(c)} className={best ? 'row-best' : c.failed ? 'row-failed' : undefined}>
                <th scope="row" title={c.prediction ? `not measured: predicted ≈${c.prediction.tokensPerSecond} tok/s (${c.prediction.interval[0]}–${c.prediction.interval[1]})` : undefined}>
                  {c.label}
                  {c.predicted ? ' (predicted)' : ''}
                </th>
                <td>{c.failed ? <span className="bad">failed</span> : f.tps(c.tokensPerSecond)}</td>
                <td>{c.tokensPerSecondCI ? `${c.tokensPerSecondCI[0].toFixed(1)}–${c.tokensPerSecondCI[1].toFixed(1)} tok/s` : '—'}</td>
                <td>{f.seconds(c.totalSeconds)}</td>
                <td>{f.ms(c.ttftSeconds)}</td>
                <td className={c.speedupPercent !== null && c.speedupPercent < 0 ? 'bad' : undefined}>
                  {isBaseline(c) ? 'baseline' : f.signedPct(c.speedupPercent)}
                </td>
                <td title={c.acceptanceRate === null ? c.acceptanceSource : undefined}>
                  {isBaseline(c) ? '—' : c.acceptanceRate === null && c.acceptanceSource ? 'not reported' : f.ratePct(c.acceptanceRate)}
                </td>
                <td>
                  {c.requests}
                  {c.errors > 0 && <span className="bad"> ({c.errors} errors)</span>}
                </td>
                <td>{best ? <span aria-label="best configuration">★ best</span> : ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** The seed guide's per-type table: Type / Baseline / Speculative / Speedup. */
export function GroupTable({ groups, caption, firstColumn, testId }: { groups: GroupComparison[]; caption: string; firstColumn: string; testId: string }) {
  if (groups.length === 0) return <p className="muted empty">No {firstColumn.toLowerCase()} comparison yet.</p>;
  return (
    <div className="table-wrap">
      <table data-testid={testId}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{firstColumn}</th>
            <th scope="col">Baseline</th>
            <th scope="col">Speculative</th>
            <th scope="col">Best k</th>
            <th scope="col">Speedup</th>
          </tr>
        </thead>
        <tbody>
          {groups.map((g) => (
            <tr key={g.id}>
              <th scope="row">{g.label}</th>
              <td>{f.tps(g.baselineTokensPerSecond)}</td>
              <td>{f.tps(g.speculativeTokensPerSecond)}</td>
              <td>{g.bestNumSpeculativeTokens ?? '—'}</td>
              <td className={g.speedupPercent !== null && g.speedupPercent < 0 ? 'bad' : undefined}>{f.signedPct(g.speedupPercent)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
