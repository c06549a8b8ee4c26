/**
 * The report's two charts as inline SVG strings (no script, no font, no network):
 * tokens/s per configuration with its 95% interval, and speedup per prompt type.
 * Horizontal bars, so long labels never collide. Colours come from presentation
 * attributes the HTML's stylesheet overrides by class (dark mode, print); a predicted
 * figure is drawn hollow and dashed so it never passes for a measured one.
 */
import type { ConfigurationResult, GroupComparison } from '../schemas';
import { escapeHtml as esc } from './escape';
import { configurationExtras, finite, hasLoadLevels, interval, isRecommendedRow } from './fields';
import { isBaseline, type ConfigKeyed } from '../config-key';

const WIDTH = 680;
/** Room for labels: as wide as the longest needs (about 6.8 px a character at 12 px), within bounds. */
const CHAR_W = 6.8;
const LABEL_MIN = 120;
const LABEL_MAX = 320;
const VALUE_W = 110;
const ROW_H = 26;
const ROW_GAP = 10;
const TOP = 8;
const AXIS_H = 40;

export interface BarRow {
  label: string;
  /** null: no bar (failed, not measured) and `missing` is written instead. */
  value: number | null;
  ci: [number, number] | null;
  valueText: string;
  missing?: string;
  best?: boolean;
  predicted?: boolean;
}

/**
 * A readable axis step for 0..max in about five ticks: 1, 2, 2.5 or 5 × 10^n.
 * 64 → step 20 (axis 0–80), never 0–100 with a third of the chart empty.
 */
export function niceStep(max: number, ticks = 5): number {
  if (!(max > 0)) return 1;
  const raw = max / ticks;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5]) if (raw <= m * p + 1e-12) return m * p;
  return 10 * p;
}

const n = (x: number) => (Math.round(x * 10) / 10).toString();

/**
 * One horizontal bar chart. Domain [lo, hi] always includes 0 so negative speedups grow
 * left of the zero line.
 */
export function barChartSvg(opts: { id: string; title: string; description: string; unit: string; rows: BarRow[] }): string {
  const { id, rows } = opts;
  const values = rows.flatMap((r) => [r.value ?? 0, ...(r.ci ?? [])]);
  const maxV = Math.max(0, ...values);
  const minV = Math.min(0, ...values);
  const step = niceStep(maxV - minV || 1);
  const hi = Math.max(step, Math.ceil(maxV / step - 1e-9) * step);
  const lo = Math.floor(minV / step + 1e-9) * step;
  const longest = Math.max(0, ...rows.map((r) => r.label.length));
  const LABEL_W = Math.ceil(Math.min(LABEL_MAX, Math.max(LABEL_MIN, longest * CHAR_W + 12)));
  const maxChars = Math.floor((LABEL_W - 12) / CHAR_W);
  const PLOT_W = WIDTH - LABEL_W - VALUE_W;
  const x = (v: number) => LABEL_W + ((v - lo) / (hi - lo)) * PLOT_W;
  const height = TOP + rows.length * (ROW_H + ROW_GAP) + AXIS_H;
  const plotBottom = TOP + rows.length * (ROW_H + ROW_GAP);
  const parts: string[] = [];

  // Grid and axis labels, one per step.
  const ticks = Math.round((hi - lo) / step);
  for (let i = 0; i <= ticks; i++) {
    const v = lo + step * i;
    const gx = x(v);
    parts.push(`<line class="grid" x1="${n(gx)}" y1="${TOP}" x2="${n(gx)}" y2="${plotBottom}" stroke="#d0d4da" stroke-width="1"/>`);
    parts.push(
      `<text class="tick" x="${n(gx)}" y="${plotBottom + 16}" text-anchor="middle" font-size="11" fill="#555">${esc(formatTick(v))}</text>`,
    );
  }
  parts.push(`<line class="axis" x1="${n(x(0))}" y1="${TOP}" x2="${n(x(0))}" y2="${plotBottom}" stroke="#555" stroke-width="1.5"/>`);

  rows.forEach((r, i) => {
    const y = TOP + i * (ROW_H + ROW_GAP) + ROW_GAP / 2;
    const mid = y + ROW_H / 2;
    parts.push(`<g class="row${r.best ? ' best' : ''}${r.predicted ? ' predicted' : ''}">`);
    parts.push(
      `<text class="label" x="${LABEL_W - 8}" y="${n(mid + 4)}" text-anchor="end" font-size="12" fill="#222">${esc(truncate(r.label, maxChars))}</text>`,
    );
    if (r.value === null) {
      parts.push(`<text class="missing" x="${n(x(0) + 6)}" y="${n(mid + 4)}" font-size="12" fill="#a33">${esc(r.missing ?? 'not measured')}</text>`);
    } else {
      const x0 = Math.min(x(0), x(r.value));
      const w = Math.max(1, Math.abs(x(r.value) - x(0)));
      const cls = `bar${r.best ? ' best' : ''}${r.predicted ? ' predicted' : ''}${r.value < 0 ? ' negative' : ''}`;
      const paint = r.predicted
        ? `fill="none" stroke="#4a6fa5" stroke-width="2" stroke-dasharray="5 3"`
        : `fill="${r.best ? '#1f8a4c' : r.value < 0 ? '#c0392b' : '#4a6fa5'}"`;
      parts.push(`<rect class="${cls}" x="${n(x0)}" y="${n(y + 3)}" width="${n(w)}" height="${ROW_H - 6}" rx="2" ${paint}/>`);
      if (r.ci) {
        const [a, b] = r.ci;
        parts.push(
          `<path class="whisker" d="M${n(x(a))} ${n(mid)}H${n(x(b))}M${n(x(a))} ${n(mid - 6)}V${n(mid + 6)}M${n(x(b))} ${n(mid - 6)}V${n(mid + 6)}" stroke="#222" stroke-width="1.5" fill="none"/>`,
        );
      }
      const textX = Math.max(x(r.value), r.ci ? x(r.ci[1]) : 0, x(0)) + 6;
      parts.push(`<text class="value" x="${n(textX)}" y="${n(mid + 4)}" font-size="12" fill="#222">${esc(r.valueText)}</text>`);
    }
    parts.push('</g>');
  });

  return (
    `<svg class="chart" id="${esc(id)}" viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-labelledby="${esc(id)}-title ${esc(id)}-desc" preserveAspectRatio="xMinYMin meet">` +
    `<title id="${esc(id)}-title">${esc(opts.title)}</title><desc id="${esc(id)}-desc">${esc(opts.description)}</desc>` +
    parts.join('') +
    `<text class="unit" x="${n(LABEL_W + PLOT_W / 2)}" y="${height - 4}" text-anchor="middle" font-size="11" fill="#555">${esc(opts.unit)}</text>` +
    `</svg>`
  );
}

function formatTick(v: number): string {
  return Math.abs(v) >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1);
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

const DEFAULT_LABEL = /^(no spec(ulation)?|baseline|\d+ (draft )?tokens?|k\s*=\s*\d+)$/i;

/**
 * The label a configuration row carries everywhere: k, a label of its own, the draft
 * model, and the concurrency level (left out where a table has a column for it).
 */
export function configurationRowLabel(c: ConfigurationResult, opts: { concurrency?: boolean } = {}): string {
  const e = configurationExtras(c);
  // "No spec" and "5 tokens" are the builder's defaults: say them the one way the summary does.
  const base = isBaseline(c) ? 'No speculation' : c.numSpeculativeTokens === null ? 'Draft model' : `k = ${c.numSpeculativeTokens}`;
  const label = (c.label ?? '').trim();
  const parts = [label && !DEFAULT_LABEL.test(label) ? `${base} (${label})` : base];
  if (e.draftModel) parts.push(e.draftModel);
  if (e.concurrency !== null && opts.concurrency !== false) parts.push(`${e.concurrency} parallel`);
  return parts.join(' · ');
}

export function throughputChartSvg(configs: readonly ConfigurationResult[], rec: ConfigKeyed | null): string {
  const levels = hasLoadLevels(configs);
  const rows: BarRow[] = configs.map((c) => {
    const e = configurationExtras(c);
    const v = c.failed ? null : finite(c.tokensPerSecond);
    return {
      label: configurationRowLabel(c, { concurrency: levels }),
      value: v,
      ci: v === null ? null : interval(c.tokensPerSecondCI),
      valueText: v === null ? '' : `${v.toFixed(1)} tok/s${e.predicted ? ' (predicted)' : ''}`,
      missing: c.failed ? 'failed' : 'not measured',
      best: !c.failed && isRecommendedRow(c, rec),
      predicted: e.predicted,
    };
  });
  return barChartSvg({
    id: 'chart-throughput',
    title: 'Tokens per second per configuration',
    description:
      'Median tokens per second of each configuration, with a line for its 95% interval. The recommended one is green; predicted figures are hollow and dashed.',
    unit: 'tokens/s',
    rows,
  });
}

export function speedupByGroupChartSvg(groups: readonly GroupComparison[], id: string, title: string): string {
  const rows: BarRow[] = groups.map((g) => {
    const v = finite(g.speedupPercent);
    return {
      label: g.label || g.id,
      value: v,
      ci: null,
      valueText: v === null ? '' : `${v >= 0 ? '+' : ''}${v.toFixed(1)}%${g.bestNumSpeculativeTokens !== null ? ` at k = ${g.bestNumSpeculativeTokens}` : ''}`,
      missing: 'no comparison',
    };
  });
  return barChartSvg({
    id,
    title,
    description: 'Speedup of the best k for each group against no speculation, in percent. Bars left of the zero line are slower.',
    unit: '% speedup vs no speculation',
    rows,
  });
}
