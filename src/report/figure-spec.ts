// The Vega-Lite spec of one line figure: a line per group (the mean over seeds) over its 95%
// confidence band, with fixed colours per group and an optional log scale on y.
import type { TopLevelSpec } from 'vega-lite';
import { logTicks } from './log-ticks.js';
import type { SeriesPoint } from './series.js';
import { extent } from './stats.js';
import { FIGURE, type GroupStyle } from './style.js';

export interface Curve {
  label: string;
  style: GroupStyle;
  points: SeriesPoint[];
}

export interface FigureOptions {
  xTitle: string;
  xFormat: string;
  yTitle: string;
  /** d3-format of the y labels (linear scale only) */
  yFormat?: string;
  log?: boolean;
  /** null: no legend (a single unlabelled group) */
  legendTitle: string | null;
  /** also mark each point (for sparse curves such as accuracy on evaluation rounds) */
  markers?: boolean;
  /** the x range, the same in every figure of a report */
  xDomain?: [number, number];
  /** the values the metric can take (accuracy: [0, 1]); bands are cut to it */
  yRange?: [number, number];
}

interface Row {
  g: string;
  x: number;
  mean: number;
  low?: number;
  high?: number;
}

export function lineFigureSpec(curves: readonly Curve[], opts: FigureOptions): TopLevelSpec {
  const rows: Row[] = curves.flatMap((c) => c.points.map((p) => ({ g: c.label, x: p.x, mean: p.mean, low: p.low, high: p.high })));
  const lines = rows.filter((r) => Number.isFinite(r.mean) && (!opts.log || r.mean > 0));
  const [yMin, yMax] = opts.yRange ?? [-Infinity, Infinity];
  let bands = lines
    .filter((r) => Number.isFinite(r.low) && Number.isFinite(r.high))
    .map((r) => ({ ...r, low: Math.max(r.low!, yMin), high: Math.min(r.high!, yMax) }));
  const y: Record<string, unknown> = { zero: false, nice: true };
  const axis: Record<string, unknown> = { title: opts.yTitle, format: opts.yFormat };
  if (opts.log) {
    const positive = [...lines.map((r) => r.mean), ...bands.map((r) => r.low!).filter((v) => v > 0), ...bands.map((r) => r.high!)];
    const ticks = logTicks(...extent(positive));
    Object.assign(y, { type: 'log', domain: ticks.domain, nice: false, zero: undefined });
    const labelExpr = `${JSON.stringify(ticks.labels)}[indexof(${JSON.stringify(ticks.values)}, datum.value)]`;
    // tickCount: Vega thins explicit log ticks down to it
    Object.assign(axis, { values: ticks.values, labelExpr, format: undefined, labelOverlap: false, tickCount: ticks.values.length });
    // a band reaching zero or below runs off the bottom of a log axis
    bands = bands.map((r) => ({ ...r, low: Math.max(r.low!, ticks.domain[0]) }));
  }
  const labels = curves.map((c) => c.label);
  const color = { field: 'g', type: 'nominal', scale: { domain: labels, range: curves.map((c) => c.style.color) } } as const;
  const legend = opts.legendTitle === null ? null : { title: opts.legendTitle || null };
  // formatted label by label: one SI prefix per label ("400M", "1.2G"), not one for the whole axis
  const xLabels = `format(datum.value, ${JSON.stringify(opts.xFormat)})`;
  const x = { field: 'x', type: 'quantitative', title: opts.xTitle, axis: { labelExpr: xLabels }, scale: { zero: false, nice: false, domain: opts.xDomain } } as const;
  const layer: unknown[] = [
    {
      data: { values: bands },
      mark: { type: 'area', opacity: 0.18, interpolate: 'linear' },
      encoding: { x, y: { field: 'low', type: 'quantitative', scale: y, axis }, y2: { field: 'high' }, color },
    },
    {
      data: { values: lines },
      mark: { type: 'line', strokeWidth: 1.6, interpolate: 'linear' },
      encoding: {
        x,
        y: { field: 'mean', type: 'quantitative', scale: y, axis },
        color: { ...color, legend },
        strokeDash: { field: 'g', type: 'nominal', scale: { domain: labels, range: curves.map((c) => c.style.dash) }, legend },
      },
    },
  ];
  if (opts.markers) {
    layer.push({
      data: { values: lines },
      mark: { type: 'point', filled: true, size: 14, opacity: 1 },
      encoding: { x, y: { field: 'mean', type: 'quantitative', scale: y, axis }, color },
    });
  }
  const longest = extent(labels.map((l) => l.length))[1];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: FIGURE.width,
    height: FIGURE.height,
    background: 'white',
    padding: 4,
    config: {
      font: FIGURE.font,
      view: { stroke: '#888', strokeWidth: 0.6 },
      axis: {
        labelFontSize: FIGURE.labelSize, titleFontSize: FIGURE.titleSize, titleFontWeight: 'normal',
        labelColor: '#222', titleColor: '#000', gridColor: '#e6e6e6', gridWidth: 0.6, domainColor: '#888', tickColor: '#888',
        labelFlush: true, labelOverlap: true,
      },
      axisX: { tickCount: 5 },
      // the same room for y labels in every figure, so figures set side by side line up
      axisY: { tickCount: 5, minExtent: 48 },
      legend: {
        orient: 'bottom', direction: 'horizontal', columns: longest > 18 ? 1 : longest > 9 ? 2 : 3,
        labelFontSize: FIGURE.labelSize, titleFontSize: FIGURE.labelSize, titleFontWeight: 'normal',
        symbolType: 'stroke', symbolOpacity: 1, symbolSize: 220, offset: 6, symbolStrokeWidth: 1.8, labelLimit: 300, columnPadding: 14, rowPadding: 3,
      },
    },
    layer,
  } as unknown as TopLevelSpec;
}
