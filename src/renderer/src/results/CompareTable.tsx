import type { Report } from '../../../shared/schemas';
import * as f from '../format';
import { SimulatedBadge } from '../components/Simulated';

type Row = { label: string; cell: (r: Report) => React.ReactNode };

const kLabel = (k: number | undefined) => (k === undefined ? '—' : k === 0 ? 'baseline' : `k = ${k}`);

/** Two runs' headline numbers in one table, row by row, so they can be read across instead of scrolled between. */
export function CompareTable({ a, b }: { a: Report; b: Report }) {
  const ks = [...new Set([a, b].flatMap((r) => r.configurations.map((c) => c.numSpeculativeTokens)))].sort((x, y) => x - y);
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
    { label: 'Recommended', cell: (r) => kLabel(r.recommendation?.numSpeculativeTokens) },
    { label: 'Throughput there', cell: (r) => f.tps(r.recommendation?.tokensPerSecond) },
    { label: 'Speedup vs baseline', cell: (r) => f.signedPct(r.recommendation?.speedupPercent) },
    { label: 'Confidence', cell: (r) => r.recommendation?.confidence ?? '—' },
    ...ks.map((k) => ({
      label: `${f.configLabel(k)} tok/s`,
      cell: (r: Report) => f.tps(r.configurations.find((c) => c.numSpeculativeTokens === k)?.tokensPerSecond),
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
