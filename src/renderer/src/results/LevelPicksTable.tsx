import type { LevelPick } from '../../../shared/schemas';
import * as f from '../format';
import { isBaseline } from '../../../shared/config-key';
import { UNSTABLE_WORDS } from './levels';

/** The report's pick at each load level, lowest first: what k to use when that many requests share the server. */
export function LevelPicksTable({ picks, target }: { picks: LevelPick[]; target: number }) {
  if (picks.length === 0) return <p className="muted empty">No level has a pick yet: each needs finished configurations.</p>;
  return (
    // Focusable: the reasons make it wider than a small window, and a keyboard must be able to scroll it.
    <div className="table-wrap" tabIndex={0} role="region" aria-label="Best k at each load (scrolls sideways)">
      <table data-testid="level-picks-table">
        <caption>Best k at each load (speedup against the baseline at the same load)</caption>
        <thead>
          <tr>
            <th scope="col">Concurrent requests</th>
            <th scope="col">Best k</th>
            <th scope="col">Per request</th>
            <th scope="col">Aggregate</th>
            <th scope="col">Speedup vs baseline</th>
            <th scope="col">Confidence</th>
            <th scope="col" className="why">
              Why
            </th>
          </tr>
        </thead>
        <tbody>
          {picks.map((p) => (
            <tr key={p.concurrency} className={p.unstable ? 'row-unstable' : p.concurrency === target ? 'row-best' : undefined} data-level={p.concurrency}>
              <th scope="row">
                {p.concurrency}
                {p.concurrency === target ? <span className="muted"> (recommended for)</span> : ''}
              </th>
              <td>{f.configLabel(p.numSpeculativeTokens, p.draftModel)}</td>
              <td>{f.tps(p.tokensPerSecond)}</td>
              <td>{f.tps(p.aggregateTokensPerSecond)}</td>
              <td className={p.speedupPercent !== null && p.speedupPercent < 0 ? 'bad' : undefined}>
                {/* The baseline picked: nothing beat it, which "+0.0%" would hide. */}
                {isBaseline(p) ? 'baseline: no k beats it' : f.signedPct(p.speedupPercent)}
              </td>
              <td>{p.confidence}</td>
              <td className="why">
                {p.unstable && (
                  <span className="unstable-mark" data-testid="level-unstable">
                    ⚠ {UNSTABLE_WORDS}.{' '}
                  </span>
                )}
                {p.reason}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
