// The figures at the end of a run (from summary.json) that the table and summary.csv report:
// mean over seeds with its 95% confidence interval.
import type { SummaryFile } from '../run-format/index.js';
import { metricFieldsOf } from '../run-format/fields.js';
import type { Group } from './group.js';
import type { RunData } from './read-run.js';
import { estimate, type Estimate } from './stats.js';

export interface FinalFigure {
  /** the summary.json field (absent when `read` reads the run) */
  key?: keyof SummaryFile & string;
  /** summary.csv column prefix */
  column: string;
  /** the table's heading */
  title: string;
  format: (v: number) => string;
  /** reads the figure from the run itself rather than from summary.json[key] (a configured metric's last value) */
  read?: (run: RunData) => number | null;
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

/** The report's figures: every fixed one, the optional ones some run has, then the last value of each configured metric's field. */
export function finalFigures(groups: readonly Group[]): FinalFigure[] {
  const has = (f: FinalFigure) => groups.some((g) => g.runs.some((r) => r.summary !== undefined && f.key !== undefined && r.summary[f.key] !== undefined));
  const runs = groups.flatMap((g) => g.runs);
  const fields = metricFieldsOf(runs.flatMap((r) => r.metrics));
  return [...FINAL_FIGURES, ...OPTIONAL_FIGURES.filter(has), ...fields.map((field) => metricFinal(field))];
}

/** A configured metric's field (metrics:) as it was on the last line of metrics.jsonl that has it. */
function metricFinal(field: string): FinalFigure {
  return {
    column: `final_${field}`, title: `final ${field}`, format: (v) => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? sci(v) : v.toFixed(4)),
    read: (run) => {
      for (let i = run.metrics.length - 1; i >= 0; i--) {
        const v = (run.metrics[i] as unknown as Record<string, unknown>)[field];
        if (typeof v === 'number') return v;
      }
      return null;
    },
  };
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
  const figures = defs.map((f) => estimate(group.runs.map((r) => (f.read ? f.read(r) : r.summary && f.key ? (r.summary[f.key] as number | null) : null))));
  return { group, n: group.runs.length, defs, figures };
}
