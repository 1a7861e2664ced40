// One curve per group: the mean over seeds of a per-round metric and its 95% confidence band.
// Seeds are aligned on the rounds they all recorded (accuracy exists on evaluation rounds only);
// a point's x is the mean over seeds of its x at that round (the same for every seed unless the
// axis is wall time, or bytes under randomized traffic).
import type { MetricsLine } from '../run-format/index.js';
import type { RunData } from './read-run.js';
import { estimate } from './stats.js';
import { xByRound, type XAxis } from './x-axis.js';

/** a built-in field, or one a configured metric (metrics:) added */
export type SeriesMetric = 'meanAccuracy' | 'consensusDistance' | 'miaAuc' | 'epsilon' | (string & {});

export interface SeriesPoint {
  round: number;
  x: number;
  /** seeds at this point */
  n: number;
  mean: number;
  /** the 95% confidence band; NaN with a single seed */
  low: number;
  high: number;
}

function valuesByRound(metrics: readonly MetricsLine[], metric: SeriesMetric): Map<number, number> {
  const ys = new Map<number, number>();
  for (const m of metrics) {
    const y = (m as unknown as Record<string, unknown>)[metric];
    if (typeof y === 'number' && Number.isFinite(y)) ys.set(m.round, y);
  }
  return ys;
}

export function groupSeries(runs: readonly RunData[], metric: SeriesMetric, axis: XAxis): SeriesPoint[] {
  const per = runs.map((r) => ({ ys: valuesByRound(r.metrics, metric), xs: xByRound(r.metrics, axis) }));
  const rounds = [...per[0].ys.keys()].filter((round) => per.every((p) => p.ys.has(round) && p.xs.has(round))).sort((a, b) => a - b);
  return rounds.map((round) => {
    const e = estimate(per.map((p) => p.ys.get(round)!));
    const x = per.reduce((s, p) => s + p.xs.get(round)!, 0) / per.length;
    return { round, x, n: e.n, mean: e.mean, low: e.low, high: e.high };
  });
}
