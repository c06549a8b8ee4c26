/**
 * Results charts. Data comes straight from the report; the only arithmetic is
 * turning a CI into error-bar offsets and fractions into percentages to draw.
 */
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  ComposedChart,
  ErrorBar,
  Legend,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { ConfigurationResult, GroupComparison, Measurement } from '../../../shared/schemas';
import { configLabel } from '../format';
import { configKey, isBaseline } from '../../../shared/config-key';
import { SimulatedBadge } from '../components/Simulated';
import { tiedKeys } from './ties';

export const HEIGHT = 240;
export const SERIES = ['var(--c1)', 'var(--c2)', 'var(--c3)', 'var(--c4)', 'var(--c5)', 'var(--c6)'];
/** Line patterns, so series stay apart when colours repeat (and for readers who do not tell colours apart). */
export const DASHES = ['0', '6 3', '2 3', '8 3 2 3'];
const SHAPES = ['circle', 'square', 'triangle', 'diamond', 'cross', 'star', 'wye'] as const;

/** The i-th series' look: a colour, and past the colours a dash pattern of its own, and a marker shape. */
export function seriesStyle(i: number): { colour: string; dash: string; shape: (typeof SHAPES)[number] } {
  return { colour: SERIES[i % SERIES.length], dash: DASHES[Math.floor(i / SERIES.length) % DASHES.length], shape: SHAPES[i % SHAPES.length] };
}
// Fixed size on first render so charts draw before (and without) a layout pass, e.g. in jsdom.
const INITIAL = { width: 520, height: HEIGHT };

export const axis = { stroke: 'var(--muted)', tick: { fill: 'var(--muted)', fontSize: 12 } };
export const tooltipStyle = { contentStyle: { background: 'var(--surface)', border: '1px solid var(--border)', color: 'var(--text)' } };

export function ChartFrame({
  title,
  testId,
  children,
  empty,
  simulated = false,
}: {
  title: string;
  testId: string;
  children: React.ReactElement;
  empty?: string | null;
  simulated?: boolean;
}) {
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>
        {title} <SimulatedBadge show={simulated} />
      </figcaption>
      {empty ? (
        <p className="muted empty">{empty}</p>
      ) : (
        <ResponsiveContainer width="100%" height={HEIGHT} initialDimension={INITIAL}>
          {children}
        </ResponsiveContainer>
      )}
    </figure>
  );
}

export function ThroughputChart({ configs, best }: { configs: ConfigurationResult[]; best: string | null }) {
  // Marked only when there is a tie to show: the best alone "tying with itself" says nothing.
  const ties = tiedKeys(configs);
  const showTies = ties.size > 1;
  const data = configs
    .filter((c) => c.tokensPerSecond !== null)
    .map((c) => {
      const v = c.tokensPerSecond as number;
      const ci = c.tokensPerSecondCI;
      return {
        name: `${configLabel(c.numSpeculativeTokens, c.draftModel)}${configKey(c) === best ? ' ★' : ''}${showTies && ties.has(configKey(c)) && configKey(c) !== best ? ' ≈' : ''}`,
        key: configKey(c),
        tied: showTies && ties.has(configKey(c)),
        tps: Number(v.toFixed(2)),
        err: ci ? [Math.max(0, v - ci[0]), Math.max(0, ci[1] - v)] : [0, 0],
      };
    });
  return (
    <ChartFrame
      title={`Tokens/s per configuration (median, 95% interval; ★ = recommended${showTies ? '; ≈ = within noise of the best' : ''})`}
      testId="chart-throughput"
      empty={data.length ? null : 'No finished configuration yet.'}
    >
      <BarChart data={data} margin={{ top: 8, right: 8, bottom: 4, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
        <XAxis dataKey="name" {...axis} />
        <YAxis {...axis} unit=" tok/s" width={80} />
        <Tooltip {...tooltipStyle} formatter={(v) => [`${v} tok/s`, 'median']} />
        <Bar dataKey="tps" name="tok/s" isAnimationActive={false}>
          {data.map((d) => (
            <Cell
              key={d.key}
              fill={d.key === best ? 'var(--best)' : d.tied ? 'var(--tie)' : 'var(--c1)'}
              stroke={d.tied ? 'var(--best)' : undefined}
              strokeWidth={d.tied ? 2 : 0}
              strokeDasharray={d.tied && d.key !== best ? '4 2' : undefined}
            />
          ))}
          <ErrorBar dataKey="err" width={6} stroke="var(--text)" strokeWidth={1.5} direction="y" isAnimationActive={false} />
        </Bar>
      </BarChart>
    </ChartFrame>
  );
}

/** Splits a label into lines of about `width` characters at spaces ("Technical explanation" → two lines). */
export function wrapLabel(text: string, width = 12): string[] {
  const lines: string[] = [];
  for (const word of text.split(/\s+/)) {
    const last = lines.length - 1;
    if (last >= 0 && (lines[last] + ' ' + word).length <= width) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** An x-axis label on as many lines as it needs, so narrow charts name every group without overlap. */
function WrappedTick(props: { x?: number; y?: number; payload?: { value: string } }) {
  const { x = 0, y = 0, payload } = props;
  return (
    <text x={x} y={y + 12} textAnchor="middle" fill="var(--muted)" fontSize={12} className="recharts-cartesian-axis-tick-value">
      {wrapLabel(String(payload?.value ?? '')).map((line, i) => (
        <tspan key={i} x={x} dy={i === 0 ? 0 : 13}>
          {line}
        </tspan>
      ))}
    </text>
  );
}

export function GroupSpeedupChart({ groups, title, testId }: { groups: GroupComparison[]; title: string; testId: string }) {
  // One series per configuration, in the sweep's order (the report lists them that way).
  const series = [...new Map(groups.flatMap((g) => g.byTokens.map((t) => [configKey(t), t] as const))).values()];
  const ks = series.map((t) => ({ key: configKey(t), name: `${configLabel(t.numSpeculativeTokens, t.draftModel)} speedup` }));
  const data = groups.map((g) => {
    const row: Record<string, string | number | null> = { name: g.label };
    for (const t of g.byTokens) row[configKey(t)] = t.speedupPercent === null ? null : Number(t.speedupPercent.toFixed(1));
    return row;
  });
  return (
    <ChartFrame title={title} testId={testId} empty={ks.length && data.length ? null : 'Needs a baseline and at least one k > 0.'}>
      <BarChart data={data} margin={{ top: 8, right: 8, bottom: 4, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
        {/* interval 0: every group named, even where recharts would skip labels to avoid crowding; long names wrap. */}
        <XAxis dataKey="name" {...axis} interval={0} height={44} tick={<WrappedTick />} />
        <YAxis {...axis} unit="%" width={60} />
        <Tooltip {...tooltipStyle} formatter={(v, n) => [`${v}%`, String(n)]} />
        <Legend />
        <ReferenceLine y={0} stroke="var(--muted)" />
        {ks.map((k, i) => (
          <Bar key={k.key} dataKey={k.key} name={k.name} fill={SERIES[i % SERIES.length]} isAnimationActive={false} />
        ))}
      </BarChart>
    </ChartFrame>
  );
}

export function TtftChart({ configs }: { configs: ConfigurationResult[] }) {
  const data = configs
    .filter((c) => c.ttftSeconds !== null)
    .map((c) => ({ name: configLabel(c.numSpeculativeTokens, c.draftModel), ttft: Math.round((c.ttftSeconds as number) * 1000) }));
  return (
    <ChartFrame title="Time to first token (median)" testId="chart-ttft" empty={data.length ? null : 'No TTFT measured yet.'}>
      <BarChart data={data} margin={{ top: 8, right: 8, bottom: 4, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
        <XAxis dataKey="name" {...axis} />
        <YAxis {...axis} unit=" ms" width={70} />
        <Tooltip {...tooltipStyle} formatter={(v) => [`${v} ms`, 'TTFT']} />
        <Bar dataKey="ttft" name="TTFT (ms)" fill="var(--c2)" isAnimationActive={false} />
      </BarChart>
    </ChartFrame>
  );
}

export function AcceptanceChart({ configs }: { configs: ConfigurationResult[] }) {
  const data = configs
    .filter((c) => !isBaseline(c) && (c.acceptanceRate !== null || c.meanAcceptanceLength !== null))
    .map((c) => ({
      name: configLabel(c.numSpeculativeTokens, c.draftModel),
      rate: c.acceptanceRate === null ? null : Number((c.acceptanceRate * 100).toFixed(1)),
      len: c.meanAcceptanceLength === null ? null : Number(c.meanAcceptanceLength.toFixed(2)),
    }));
  return (
    <ChartFrame
      title="Acceptance rate and mean acceptance length per k"
      testId="chart-acceptance"
      empty={data.length ? null : `Not reported${configs.find((c) => c.acceptanceSource)?.acceptanceSource ? `: ${configs.find((c) => c.acceptanceSource)!.acceptanceSource}` : ' by the server'}.`}
    >
      <ComposedChart data={data} margin={{ top: 8, right: 8, bottom: 4, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
        <XAxis dataKey="name" {...axis} />
        <YAxis yAxisId="rate" {...axis} unit="%" domain={[0, 100]} width={55} />
        <YAxis yAxisId="len" orientation="right" {...axis} unit=" tok" width={60} />
        <Tooltip {...tooltipStyle} />
        <Legend />
        <Bar yAxisId="rate" dataKey="rate" name="acceptance rate (%)" fill="var(--c3)" isAnimationActive={false} />
        <Line yAxisId="len" dataKey="len" name="mean acceptance length (tokens)" stroke="var(--c4)" strokeWidth={2} isAnimationActive={false} />
      </ComposedChart>
    </ChartFrame>
  );
}

/** Live view while a sweep runs: every finished request as a dot, by k. */
export function LiveMeasurementsChart({ measurements, simulated }: { measurements: Measurement[]; simulated: boolean }) {
  const measured = measurements.filter((m) => m.ok && m.metrics);
  const keys = [...new Map(measured.map((m) => [configKey(m), m] as const)).values()];
  const series = keys.map((first) => ({
    key: configKey(first),
    // The same k at another load is another series: say which load.
    name: `${configLabel(first.numSpeculativeTokens, first.draftModel)}${(first.concurrency ?? 1) > 1 ? ` at ${first.concurrency} concurrent` : ''}`,
    points: measured.filter((m) => configKey(m) === configKey(first)).map((m, i) => ({ x: i + 1, y: Number((m.metrics?.tokensPerSecond ?? 0).toFixed(2)) })),
  }));
  // Failed requests have no tokens/s to draw: say so instead of drawing empty axes.
  const failed = measurements.length - measured.length;
  const empty = measured.length
    ? null
    : failed
      ? `${failed} request${failed === 1 ? '' : 's'} finished, none succeeded yet.`
      : 'Measurements appear here as they finish.';
  return (
    <ChartFrame title="Live: tokens/s of each finished request" testId="chart-live" simulated={simulated} empty={empty}>
      <ScatterChart margin={{ top: 8, right: 8, bottom: 4, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
        <XAxis
          type="number"
          dataKey="x"
          name="request"
          {...axis}
          allowDecimals={false}
          label={{ value: 'request # within its configuration', position: 'insideBottomRight', offset: -2, fill: 'var(--muted)', fontSize: 12 }}
        />
        <YAxis type="number" dataKey="y" name="tokens/s" unit=" tok/s" {...axis} width={80} />
        <Tooltip {...tooltipStyle} />
        <Legend />
        {series.map((s, i) => {
          const look = seriesStyle(i);
          // Points joined in order with the series' dash pattern: colour and pattern together tell 12+ series apart.
          return (
            <Scatter
              key={s.key}
              name={s.name}
              data={s.points}
              fill={look.colour}
              shape={look.shape}
              line={{ stroke: look.colour, strokeDasharray: look.dash, strokeWidth: 1.5 }}
              isAnimationActive={false}
            />
          );
        })}
      </ScatterChart>
    </ChartFrame>
  );
}
