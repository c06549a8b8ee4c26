import type { ConfigurationResult, GroupComparison } from '../../../shared/schemas';
import * as f from '../format';
import { configKey, isBaseline } from '../../../shared/config-key';
import { Term } from '../components/Term';
import { tiedKeys } from './ties';
import { UNSTABLE_WORDS } from './levels';
import { comparedKnobs, knobWords, type ArmKnob, type ArmSetting } from './arms';

/** The arm's knobs as headers: only those the run compared more than one value of. */
const KNOB_HEADERS: readonly [ArmKnob, string][] = [
  ['method', 'Method'],
  ['draftModel', 'Draft model'],
  ['draftPMin', 'p_min'],
];

function ArmHeaders({ compared }: { compared: ReadonlySet<ArmKnob> }) {
  return (
    <>
      {KNOB_HEADERS.filter(([k]) => compared.has(k)).map(([k, label]) => (
        <th key={k} scope="col">
          {label}
        </th>
      ))}
    </>
  );
}

/** A setting's arm in the compared columns; the baseline has none. */
function ArmCells({ compared, setting, baseline }: { compared: ReadonlySet<ArmKnob>; setting: ArmSetting; baseline: boolean }) {
  return (
    <>
      {KNOB_HEADERS.filter(([k]) => compared.has(k)).map(([k]) => (
        <td key={k} data-testid={`arm-${k}`}>
          {baseline ? '—' : knobWords(k, setting)}
        </td>
      ))}
    </>
  );
}

/** Why a predicted setting was not measured (an arm dropped, behind the fastest, the caps), as the tooltip and the note say it. */
function predictedTitle(c: ConfigurationResult): string | undefined {
  if (!c.prediction) return undefined;
  const p = c.prediction;
  return `not measured: predicted ≈${p.tokensPerSecond} tok/s (${p.interval[0]}–${p.interval[1]})${p.why ? ` — ${p.why}` : ''}`;
}

const range = (r: [number, number] | null | undefined) => (r ? `${r[0].toFixed(1)}–${r[1].toFixed(1)} tok/s` : '—');

/** A figure computed from the measured k, never shown as if measured (as the k-curve chart draws it). */
function Predicted({ text }: { text: string }) {
  return (
    <span className="predicted-figure" data-testid="predicted-figure">
      {text} <span className="muted">predicted</span>
    </span>
  );
}

/** A predicted k's gain over the measured baseline, in the table's words ("≈+12.0%"); a dash without a baseline. */
function predictedSpeedup(tps: number, baseline: number | null): string {
  return baseline ? `≈${f.signedPct((tps / baseline - 1) * 100)}` : '—';
}

/**
 * The seed guide's configuration table: Config / Tok/s / Time / Speedup / Best, plus the detail behind them.
 * At a load level above 1 (many requests in flight) it adds the whole server's output and latency
 * percentiles, since a k can keep the median while the slowest requests or chunks get much slower.
 */
export function ConfigTable({ configs, best: bestKey, level = 1 }: { configs: ConfigurationResult[]; best: string | null; level?: number }) {
  if (configs.length === 0) return <p className="muted empty">No configuration has finished yet.</p>;
  const ties = tiedKeys(configs);
  const loaded = level > 1;
  const baselineTps = configs.find((c) => isBaseline(c) && !c.failed)?.tokensPerSecond ?? null;
  const compared = comparedKnobs(configs);
  return (
    <div className="table-wrap">
      <table data-testid="config-table">
        <caption>{loaded ? `Configurations at ${level} concurrent requests` : 'Configurations'}</caption>
        <thead>
          <tr>
            <th scope="col">Config</th>
            <ArmHeaders compared={compared} />
            <th scope="col">
              <Term k="tokps" label="Tok/s" />
            </th>
            {loaded && <th scope="col">Aggregate</th>}
            <th scope="col">
              <Term k="interval" label="95% interval" />
            </th>
            <th scope="col">
              <Term k="spread" label="Spread p10–p90" />
            </th>
            <th scope="col">Time</th>
            {loaded ? (
              <>
                <th scope="col">TTFT p50</th>
                <th scope="col">TTFT p99</th>
                <th scope="col" title="inter-token latency: the gap between streamed chunks">
                  ITL p50
                </th>
                <th scope="col" title="inter-token latency: the gap between streamed chunks">
                  ITL p99
                </th>
              </>
            ) : (
              <th scope="col">
                <Term k="ttft" label="TTFT" />
              </th>
            )}
            <th scope="col">
              <Term k="speedup" label="Speedup" />
            </th>
            <th scope="col">
              <Term k="acceptance" label="Acceptance" />
            </th>
            <th scope="col">Requests</th>
            <th scope="col">
              <Term k="ties" label="Best" />
            </th>
          </tr>
        </thead>
        <tbody>
          {configs.map((c) => {
            const best = configKey(c) === bestKey;
            const tied = ties.has(configKey(c));
            return (
              <tr
                key={configKey(c)}
                className={best ? 'row-best' : c.failed ? 'row-failed' : c.unstable ? 'row-unstable' : tied ? 'row-tie' : undefined}
                data-ties-with-best={tied || undefined}
              >
                <th scope="row" title={predictedTitle(c)}>
                  {c.label}
                  {c.predicted ? ' (predicted)' : ''}
                </th>
                <ArmCells compared={compared} setting={c} baseline={isBaseline(c)} />
                <td>{c.failed ? <span className="bad">failed</span> : c.prediction && c.predicted ? <Predicted text={`≈${f.tps(c.prediction.tokensPerSecond)}`} /> : f.tps(c.tokensPerSecond)}</td>
                {loaded && <td>{f.tps(c.aggregateTokensPerSecond)}</td>}
                <td>{c.prediction && c.predicted ? <Predicted text={range(c.prediction.interval)} /> : range(c.tokensPerSecondCI)}</td>
                <td className="muted">{range(c.tokensPerSecondSpread)}</td>
                <td>{f.seconds(c.totalSeconds)}</td>
                {loaded ? (
                  <>
                    <td>{f.ms(c.latency?.ttftP50)}</td>
                    <td>{f.ms(c.latency?.ttftP99)}</td>
                    <td>{f.ms(c.latency?.itlP50)}</td>
                    <td>{f.ms(c.latency?.itlP99)}</td>
                  </>
                ) : (
                  <td>{f.ms(c.ttftSeconds)}</td>
                )}
                <td className={c.speedupPercent !== null && c.speedupPercent < 0 ? 'bad' : undefined}>
                  {isBaseline(c) ? 'baseline' : c.predicted && c.prediction ? <Predicted text={predictedSpeedup(c.prediction.tokensPerSecond, baselineTps)} /> : f.signedPct(c.speedupPercent)}
                </td>
                <td title={c.acceptanceRate === null ? c.acceptanceSource : undefined}>
                  {isBaseline(c) ? '—' : c.acceptanceRate === null && !c.acceptance && c.acceptanceSource ? 'not reported' : f.ratePct(c.acceptanceRate)}
                </td>
                <td>
                  {c.requests}
                  {c.errors > 0 && <span className="bad"> ({c.errors} errors)</span>}
                </td>
                <td>
                  {best ? <span>★ recommended</span> : ''}
                  {best && tied && ties.size > 1 ? ' · ' : ''}
                  {tied && ties.size > 1 ? <span className="tie-mark">≈ within noise of the best</span> : ''}
                  {c.predicted && c.prediction?.why && (
                    <span className="muted" data-testid="prediction-why">
                      {best || tied ? ' · ' : ''}
                      {c.prediction.why}
                    </span>
                  )}
                  {c.unstable && (
                    <span className="unstable-mark" title={UNSTABLE_WORDS} data-testid="config-unstable">
                      {best || tied ? ' · ' : ''}⚠ {UNSTABLE_WORDS}
                    </span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** A group's best setting: its k, or its draft model where the engine's k is its own (LM Studio). */
function bestKText(g: GroupComparison): string {
  if (g.bestNumSpeculativeTokens !== null) return String(g.bestNumSpeculativeTokens);
  return g.bestDraftModel ? `draft ${g.bestDraftModel}` : '—';
}

/** The seed guide's per-type table: Type / Baseline / Speculative / Speedup. */
export function GroupTable({
  groups,
  caption,
  firstColumn,
  testId,
  compared = new Set(),
}: {
  groups: GroupComparison[];
  caption: string;
  firstColumn: string;
  testId: string;
  /** The knobs the run compared: the best setting's arm gets a column for each. */
  compared?: ReadonlySet<ArmKnob>;
}) {
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
            <ArmHeaders compared={compared} />
            <th scope="col">Speedup</th>
          </tr>
        </thead>
        <tbody>
          {groups.map((g) => (
            <tr key={g.id}>
              <th scope="row">{g.label}</th>
              <td>{f.tps(g.baselineTokensPerSecond)}</td>
              <td>{f.tps(g.speculativeTokensPerSecond)}</td>
              <td>
                {bestKText(g)}
                {/* A rule other than "the fastest" chose it (a tie, too few samples): said beside the figure. */}
                {g.bestNote && (
                  <span className="muted best-note" data-testid="best-note">
                    {' '}
                    ({g.bestNote})
                  </span>
                )}
              </td>
              <ArmCells compared={compared} setting={{ method: g.bestMethod, draftModel: g.bestDraftModel, draftPMin: g.bestDraftPMin }} baseline={g.bestNumSpeculativeTokens === null && !g.bestDraftModel} />
              <td className={g.speedupPercent !== null && g.speedupPercent < 0 ? 'bad' : undefined}>{f.signedPct(g.speedupPercent)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
