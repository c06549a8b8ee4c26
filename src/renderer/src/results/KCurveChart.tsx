import { Area, CartesianGrid, ComposedChart, Legend, Line, Scatter, Tooltip, XAxis, YAxis } from 'recharts';
import type { ConfigurationResult } from '../../../shared/schemas';
import { isBaseline } from '../../../shared/config-key';
import { ChartFrame, axis, seriesStyle, tooltipStyle } from './charts';
import { armName, armsOf, comparedKnobs } from './arms';

export const PREDICTED_NAME = 'predicted (not measured)';

interface Point {
  k: number;
  measured: number | null;
  curve: number;
  band: [number, number];
  predicted: boolean;
}

const round = (v: number) => Number(v.toFixed(2));

/** A setting as a point: its measured median, else its prediction; null when it has neither (failed, not yet run). */
function pointOf(c: ConfigurationResult): Point | null {
  if (c.numSpeculativeTokens === null || c.failed) return null;
  if (c.predicted) {
    if (!c.prediction) return null;
    const p = c.prediction;
    return { k: c.numSpeculativeTokens, measured: null, curve: round(p.tokensPerSecond), band: [round(p.interval[0]), round(p.interval[1])], predicted: true };
  }
  if (c.tokensPerSecond === null) return null;
  const v = round(c.tokensPerSecond);
  return { k: c.numSpeculativeTokens, measured: v, curve: v, band: [v, v], predicted: false };
}

/** Each arm's points by k, the baseline (k = 0) at the start of every curve: all of them start from it. */
function armCurves(configs: readonly ConfigurationResult[]): { name: string; points: Point[] }[] {
  const compared = comparedKnobs(configs);
  const base = configs.find((c) => isBaseline(c) && c.numSpeculativeTokens === 0);
  const basePoint = base ? pointOf(base) : null;
  return [...armsOf(configs).values()].map((arm) => {
    const points = arm.map(pointOf).filter((p): p is Point => p !== null);
    if (basePoint && !points.some((p) => p.k === 0)) points.push(basePoint);
    return { name: armName(arm[0], compared), points: points.sort((a, b) => a.k - b.k) };
  });
}

/**
 * Tokens/s against k, one curve per arm (method, draft model, cut-off), each named in words. Adaptive
 * sweeps measure a few k and predict the rest: a curve through predicted points is dashed, the
 * measured k solid dots on it, so a predicted figure never looks measured. With one arm its
 * predicted interval is a faint band.
 */
export function KCurveChart({ configs }: { configs: ConfigurationResult[] }) {
  const curves = armCurves(configs).filter((c) => c.points.some((p) => p.k > 0));
  const one = curves.length === 1;
  const anyPredicted = curves.some((c) => c.points.some((p) => p.predicted));
  return (
    <ChartFrame title="Tokens/s against k: measured (dots) and predicted (dashed, not measured)" testId="chart-k-curve" empty={curves.length ? null : 'Nothing to draw yet.'}>
      <ComposedChart data={one ? curves[0].points : undefined} margin={{ top: 8, right: 16, bottom: 16, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
        <XAxis
          type="number"
          dataKey="k"
          domain={['dataMin', 'dataMax']}
          allowDecimals={false}
          allowDuplicatedCategory={false}
          {...axis}
          label={{ value: 'k (draft tokens)', position: 'insideBottom', offset: -8, fill: 'var(--muted)', fontSize: 12 }}
        />
        <YAxis {...axis} unit=" tok/s" width={80} />
        <Tooltip
          {...tooltipStyle}
          labelFormatter={(k) => `k = ${k}`}
          // At a measured k the curve only repeats the measurement: show each figure once, named for what it is.
          formatter={(v, name, item) => {
            const row = item.payload as Point;
            if (String(name).endsWith('measured')) return [`${v} tok/s`, `${name} (median)`];
            if (!row.predicted) return [null, null];
            return [Array.isArray(v) ? `${v[0]}–${v[1]} tok/s` : `${v} tok/s`, `${name}${one ? '' : ' (predicted)'}`];
          }}
        />
        <Legend verticalAlign="top" />
        {one && <Area dataKey="band" name="predicted interval" stroke="none" fill="var(--c5)" fillOpacity={0.18} isAnimationActive={false} />}
        {curves.map((c, i) => {
          const { colour } = one ? { colour: 'var(--c5)' } : seriesStyle(i);
          const dashed = one || c.points.some((p) => p.predicted);
          return (
            <Line
              key={`line-${i}`}
              data={one ? undefined : c.points}
              dataKey="curve"
              name={one ? PREDICTED_NAME : c.name}
              stroke={colour}
              strokeWidth={2}
              strokeDasharray={dashed && anyPredicted ? '6 4' : undefined}
              dot={false}
              isAnimationActive={false}
            />
          );
        })}
        {/* Their own points: a null in the shared rows would still be drawn as a dot somewhere. */}
        {curves.map((c, i) => (
          <Scatter
            key={`dots-${i}`}
            data={c.points.filter((p) => p.measured !== null)}
            dataKey="measured"
            name={one ? 'measured' : `${c.name} measured`}
            legendType={one ? undefined : 'none'}
            fill={one ? 'var(--c1)' : seriesStyle(i).colour}
            isAnimationActive={false}
          />
        ))}
      </ComposedChart>
    </ChartFrame>
  );
}
