import type { ConfigurationResult, Report } from '../../../shared/schemas';
import * as f from '../format';
import { configKey } from '../../../shared/config-key';
import { SimulatedBadge } from '../components/Simulated';

type Row = { label: string; cell: (r: Report) => React.ReactNode };

const recLabel = (r: Report['recommendation']) => (r ? f.configLabel(r.numSpeculativeTokens, r.draftModel) : '—');

/** Two runs' headline numbers in one table, row by row, so they can be read across instead of scrolled between. */
/** A configuration's tok/s, or its predicted figure marked as such (an adaptive run's unmeasured k). */
function tpsCell(c: ConfigurationResult | undefined): string {
  if (c?.predicted && c.prediction) return `≈${f.tps(c.prediction.tokensPerSecond)} predicted`;
  return f.tps(c?.tokensPerSecond);
}

export function CompareTable({ a, b }: { a: Report; b: Report }) {
  // Every configuration either run measured, once, in the order the runs list them.
  const configs = [...new Map([a, b].flatMap((r) => r.configurations.map((c) => [configKey(c), c] as const))).values()];
  const rows: Row[] = [
    {
      label: 'Model',
      cell: (r) => (
        <>
          {r.server.model ?? '—'} <SimulatedBadge show={r.server.simulated} />
        </>
      ),
    },
    { label: 'Status', cell: (r) => r.status },
    { label: 'Requests measured', cell: (r) => r.measurements.length },
    { label: 'Recommended', cell: (r) => recLabel(r.recommendation) },
    { label: 'Throughput there', cell: (r) => f.tps(r.recommendation?.tokensPerSecond) },
    { label: 'Speedup vs baseline', cell: (r) => f.signedPct(r.recommendation?.speedupPercent) },
    { label: 'Confidence', cell: (r) => r.recommendation?.confidence ?? '—' },
    ...configs.map((k) => ({
      // Keyed per load level too: "k = 3 tok/s" twice would not say which load each is.
      label: `${f.configLabel(k.numSpeculativeTokens, k.draftModel)}${(k.concurrency ?? 1) > 1 ? ` at ${k.concurrency} concurrent` : ''} tok/s`,
      cell: (r: Report) => tpsCell(r.configurations.find((c) => configKey(c) === configKey(k))),
    })),
  ];
  return (
    <div className="table-wrap">
      <table data-testid="compare-table">
        <caption>A and B side by side</caption>
        <thead>
          <tr>
            <th scope="col">Measure</th>
            <th scope="col">A</th>
            <th scope="col">B</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.label}>
              <th scope="row">{row.label}</th>
              <td>{row.cell(a)}</td>
              <td>{row.cell(b)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
