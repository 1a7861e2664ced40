// The figures at the end of a run (from summary.json) that the table and summary.csv report:
// mean over seeds with its 95% confidence interval.
import type { SummaryFile } from '../run-format/index.js';
import type { Group } from './group.js';
import { estimate, type Estimate } from './stats.js';

export interface FinalFigure {
  key: keyof SummaryFile & string;
  /** summary.csv column prefix */
  column: string;
  /** the table's heading */
  title: string;
  format: (v: number) => string;
}

const fixed = (digits: number) => (v: number) => v.toFixed(digits);
const percent = (v: number) => `${(100 * v).toFixed(2)}%`;
const sci = (v: number) => v.toExponential(2);
const bytes = (v: number) => {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let u = 0;
  while (Math.abs(v) >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
};

export const FINAL_FIGURES: readonly FinalFigure[] = [
  { key: 'finalMeanAccuracy', column: 'final_mean_accuracy', title: 'final mean accuracy', format: percent },
  { key: 'finalMinAccuracy', column: 'final_min_accuracy', title: 'final min accuracy', format: percent },
  { key: 'finalConsensusDistance', column: 'final_consensus_distance', title: 'final consensus distance', format: sci },
  { key: 'bytesSent', column: 'bytes_sent', title: 'bytes sent', format: bytes },
  { key: 'wallSeconds', column: 'wall_seconds', title: 'wall time (s)', format: fixed(1) },
  { key: 'peerStepsPerSecond', column: 'peer_steps_per_second', title: 'peer-steps/s', format: fixed(0) },
];

export interface GroupFinals {
  group: Group;
  /** runs in the group */
  n: number;
  figures: Estimate[];
}

export function groupFinals(group: Group): GroupFinals {
  const summaries = group.runs.map((r) => r.summary);
  const figures = FINAL_FIGURES.map((f) => estimate(summaries.map((s) => (s ? (s[f.key] as number | null) : null))));
  return { group, n: group.runs.length, figures };
}
