import { useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { ConfigurationResult } from '../../../shared/schemas';
import { launchKey } from '../../../shared/config-key';
import { configLabel } from '../format';
import { ChartFrame, SERIES, axis, tooltipStyle } from './charts';
import { levelOf } from './levels';

type View = 'request' | 'aggregate';

/**
 * Tokens/s against the load, one line per k: per request (what one user sees) or the whole
 * server's output (what the hardware delivers). The two disagree as load grows, which is the point:
 * drafting that speeds one user up spends compute a full batch needs.
 */
export function LoadChart({ configs, levels }: { configs: ConfigurationResult[]; levels: number[] }) {
  const [view, setView] = useState<View>('request');
  // Predicted cells were never measured at a level: they have no figure to draw here.
  const measured = configs.filter((c) => !c.predicted && !c.failed);
  const series = [...new Map(measured.map((c) => [launchKey(c), c] as const)).values()].map((c) => ({
    key: launchKey(c),
    name: configLabel(c.numSpeculativeTokens, c.draftModel),
  }));
  const value = (c: ConfigurationResult) => (view === 'request' ? c.tokensPerSecond : (c.aggregateTokensPerSecond ?? null));
  const data = levels.map((level) => {
    const row: Record<string, number | null> = { c: level };
    for (const c of measured.filter((m) => levelOf(m) === level)) {
      const v = value(c);
      row[launchKey(c)] = v === null ? null : Number(v.toFixed(2));
    }
    return row;
  });
  const any = data.some((row) => series.some((s) => typeof row[s.key] === 'number'));
  return (
    <div className="load-chart">
      <div className="segmented" role="group" aria-label="Tokens/s shown">
        <button type="button" aria-pressed={view === 'request'} onClick={() => setView('request')}>
          Per request
        </button>
        <button type="button" aria-pressed={view === 'aggregate'} onClick={() => setView('aggregate')}>
          Aggregate (whole server)
        </button>
      </div>
      <ChartFrame
        title={view === 'request' ? 'Tokens/s of one request against concurrent requests, per k (median)' : 'Tokens/s of the whole server against concurrent requests, per k'}
        testId="chart-load"
        empty={any ? null : 'No level has a finished configuration yet.'}
      >
        <LineChart data={data} margin={{ top: 8, right: 16, bottom: 16, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
          {/* Levels like 1, 8, 32 spread evenly on a log axis; only measured levels get a tick. */}
          <XAxis
            type="number"
            dataKey="c"
            scale="log"
            domain={[levels[0] ?? 1, levels[levels.length - 1] ?? 1]}
            ticks={levels}
            interval={0}
            allowDataOverflow
            {...axis}
            label={{ value: 'concurrent requests', position: 'insideBottom', offset: -8, fill: 'var(--muted)', fontSize: 12 }}
          />
          <YAxis {...axis} unit=" tok/s" width={80} />
          <Tooltip {...tooltipStyle} labelFormatter={(c) => `${c} concurrent`} formatter={(v, n) => [`${v} tok/s`, String(n)]} />
          <Legend verticalAlign="top" />
          {series.map((s, i) => (
            <Line key={s.key} dataKey={s.key} name={s.name} stroke={SERIES[i % SERIES.length]} strokeWidth={2} connectNulls isAnimationActive={false} />
          ))}
        </LineChart>
      </ChartFrame>
    </div>
  );
}
