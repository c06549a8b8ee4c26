import { Area, CartesianGrid, ComposedChart, Legend, Line, Scatter, Tooltip, XAxis, YAxis } from 'recharts';
import type { ConfigurationResult } from '../../../shared/schemas';
import { ChartFrame, axis, tooltipStyle } from './charts';

export const PREDICTED_NAME = 'predicted (not measured)';

/**
 * Adaptive sweeps measure a few k and predict the rest. The curve through them is dashed and its
 * interval a faint band, the measured k solid dots on it: a predicted figure never looks measured.
 * The dashed curve runs through the measured dots so the shape reads as one curve.
 */
export function KCurveChart({ configs }: { configs: ConfigurationResult[] }) {
  // An adaptive sweep predicts along one draft model's k; draw that one (the first predicted's).
  const first = configs.find((c) => c.predicted && c.prediction);
  const draft = first?.draftModel ?? null;
  const points = configs
    .filter((c) => c.numSpeculativeTokens !== null && (c.draftModel ?? null) === draft && !c.failed)
    .filter((c) => (c.predicted ? Boolean(c.prediction) : c.tokensPerSecond !== null))
    .sort((a, b) => (a.numSpeculativeTokens as number) - (b.numSpeculativeTokens as number));
  const round = (v: number) => Number(v.toFixed(2));
  const data = points.map((c) => {
    if (c.predicted && c.prediction) {
      const p = c.prediction;
      return { k: c.numSpeculativeTokens, measured: null, curve: round(p.tokensPerSecond), band: [round(p.interval[0]), round(p.interval[1])], predicted: true };
    }
    const v = round(c.tokensPerSecond as number);
    return { k: c.numSpeculativeTokens, measured: v, curve: v, band: [v, v], predicted: false };
  });
  return (
    <ChartFrame title="Tokens/s against k: measured (dots) and predicted (dashed, not measured)" testId="chart-k-curve" empty={first ? null : 'Nothing was predicted.'}>
      <ComposedChart data={data} margin={{ top: 8, right: 16, bottom: 16, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
        <XAxis
          type="number"
          dataKey="k"
          domain={['dataMin', 'dataMax']}
          allowDecimals={false}
          {...axis}
          label={{ value: 'k (draft tokens)', position: 'insideBottom', offset: -8, fill: 'var(--muted)', fontSize: 12 }}
        />
        <YAxis {...axis} unit=" tok/s" width={80} />
        <Tooltip
          {...tooltipStyle}
          labelFormatter={(k) => `k = ${k}`}
          // At a measured k the curve only repeats the measurement: show each figure once, named for what it is.
          formatter={(v, name, item) => {
            const row = item.payload as { predicted: boolean };
            if (name === 'measured') return [`${v} tok/s`, 'measured (median)'];
            if (!row.predicted) return [null, null];
            return [Array.isArray(v) ? `${v[0]}–${v[1]} tok/s` : `${v} tok/s`, String(name)];
          }}
        />
        <Legend verticalAlign="top" />
        <Area dataKey="band" name="predicted interval" stroke="none" fill="var(--c5)" fillOpacity={0.18} isAnimationActive={false} />
        <Line dataKey="curve" name={PREDICTED_NAME} stroke="var(--c5)" strokeWidth={2} strokeDasharray="6 4" dot={false} isAnimationActive={false} />
        {/* Its own points: a null in the shared rows would still be drawn as a dot somewhere. */}
        <Scatter data={data.filter((d) => d.measured !== null)} dataKey="measured" name="measured" fill="var(--c1)" isAnimationActive={false} />
      </ComposedChart>
    </ChartFrame>
  );
}
