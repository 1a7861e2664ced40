// What the figures put on the x axis: rounds, cumulative bytes, virtual time (asynchronous runs)
// or wall-clock time (roundSeconds cumulated).
import type { MetricsLine } from '../run-format/index.js';
import { ReportInputError } from './errors.js';
import type { RunData } from './read-run.js';

export const X_AXES = ['round', 'bytes', 'time', 'wall'] as const;
export type XAxis = (typeof X_AXES)[number];

export interface XAxisInfo {
  title: string;
  /** d3-format specifier for the tick labels */
  format: string;
  /** for the page: what a point's x is */
  describe: string;
}

export const X_AXIS_INFO: Record<XAxis, XAxisInfo> = {
  round: { title: 'round', format: 'd', describe: 'the round' },
  bytes: { title: 'bytes sent, all peers (B)', format: '~s', describe: 'the cumulative bytes sent by all peers (bytesSent), averaged over seeds at each round' },
  time: { title: 'virtual time (periods)', format: '~f', describe: 'the virtual clock of the asynchronous runs (virtualTime, in units of time.period)' },
  wall: {
    title: 'wall-clock time of the rounds (s)',
    format: '~f',
    describe: 'the wall-clock seconds of the rounds (roundSeconds cumulated: local steps, exchange and consensus measurement; evaluation and setup excluded), averaged over seeds at each round',
  },
};

export function isAsync(run: RunData): boolean {
  const time = run.config.time as { mode?: unknown } | undefined;
  return time?.mode === 'async' || run.metrics.some((m) => m.virtualTime !== undefined);
}

/** Refuses an axis the runs do not have: virtual time exists only in asynchronous runs. */
export function checkXAxis(runs: readonly RunData[], axis: XAxis): void {
  if (axis !== 'time') return;
  const sync = runs.filter((r) => !isAsync(r));
  if (sync.length === 0) return;
  throw new ReportInputError(
    `--x time: ${sync.length} of the ${runs.length} runs are synchronous (e.g. ${sync[0].dir}) and have no virtual time; ` +
      `use --x round (a synchronous round is one tick of the clock) or --x wall (wall-clock seconds), or report the asynchronous runs alone`,
  );
}

/** The x of each metrics line, by round. Lines without the needed field have none. */
export function xByRound(metrics: readonly MetricsLine[], axis: XAxis): Map<number, number> {
  const xs = new Map<number, number>();
  let wall = 0;
  for (const m of metrics) {
    wall += m.roundSeconds ?? 0;
    const x = axis === 'round' ? m.round : axis === 'bytes' ? m.bytesSent : axis === 'time' ? (m.virtualTime ?? m.round) : wall;
    if (typeof x === 'number' && Number.isFinite(x)) xs.set(m.round, x);
  }
  return xs;
}
