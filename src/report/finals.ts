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

/** Figures only some runs have (their config asked for them): reported where any run of the report has one. */
export const OPTIONAL_FIGURES: readonly FinalFigure[] = [
  { key: 'finalAverageModelAccuracy', column: 'final_average_model_accuracy', title: 'average model accuracy', format: percent },
  { key: 'finalEpsilon', column: 'final_epsilon', title: 'final ε (DP)', format: fixed(2) },
  { key: 'finalMiaAuc', column: 'final_mia_auc', title: 'membership AUC', format: fixed(3) },
  { key: 'finalMiaAucMax', column: 'final_mia_auc_max', title: 'membership AUC, max', format: fixed(3) },
];

/** The report's figures: every fixed one, then the optional ones some run has. */
export function finalFigures(groups: readonly Group[]): FinalFigure[] {
  const has = (f: FinalFigure) => groups.some((g) => g.runs.some((r) => r.summary !== undefined && r.summary[f.key] !== undefined));
  return [...FINAL_FIGURES, ...OPTIONAL_FIGURES.filter(has)];
}

export interface GroupFinals {
  group: Group;
  /** runs in the group */
  n: number;
  /** what each of `figures` is (the same list for every group of a report) */
  defs: readonly FinalFigure[];
  figures: Estimate[];
}

export function groupFinals(group: Group, defs: readonly FinalFigure[] = FINAL_FIGURES): GroupFinals {
  const summaries = group.runs.map((r) => r.summary);
  const figures = defs.map((f) => estimate(summaries.map((s) => (s ? (s[f.key] as number | null) : null))));
  return { group, n: group.runs.length, defs, figures };
}
