// What became of one run: its status from the exit code and summary.json, the error it printed,
// and its final figures, as a line of sweep.jsonl.
import { join } from 'node:path';
import { RUN_FILES, type SummaryFile } from '../run-format/files.js';
import type { ChildExit } from './child.js';
import type { PlannedRun } from './plan.js';
import { summaryFigures, type SweepRecord } from './records.js';
import { readRunJson } from './run-state.js';

/** `plexus run`'s status after Ctrl-C (docs: README, "Exit status"). */
export const EXIT_INTERRUPTED = 130;
/** Lines of stderr kept in a failed run's record. */
const ERROR_LINES = 8;

export function recordOf(run: PlannedRun, exit: ChildExit, runDir: string, stopped: boolean): SweepRecord {
  const base = { id: run.id, params: run.combination.params, seed: run.seed, dir: run.dir };
  const summary = exit.code === 0 || exit.code === EXIT_INTERRUPTED ? readSummary(runDir) : undefined;
  if (exit.code === 0 && summary && !summary.aborted) {
    return { ...base, status: 'done', exitCode: exit.code, error: null, ...summaryFigures(summary) };
  }
  // a child stopped by the sweep (or by someone else's Ctrl-C) is not a failure of its config
  if (exit.code === EXIT_INTERRUPTED || (stopped && (exit.signal === 'SIGINT' || exit.signal === 'SIGKILL'))) {
    return { ...base, status: 'interrupted', exitCode: exit.code, error: null, ...summaryFigures(summary) };
  }
  const why = exit.code === 0 ? ['exited with status 0 but wrote no finished summary.json'] : exit.signal ? [`killed by ${exit.signal}`] : [];
  const error = [...exit.stderrTail.slice(-ERROR_LINES), ...why].join('\n') || `exited with status ${exit.code}`;
  return { ...base, status: 'failed', exitCode: exit.code, error, ...summaryFigures(undefined) };
}

/** The run's summary.json when it is a regular file holding a JSON object; undefined otherwise. */
export function readSummary(runDir: string): SummaryFile | undefined {
  try {
    const s = readRunJson(join(runDir, RUN_FILES.summary));
    return typeof s === 'object' && s !== null && !Array.isArray(s) ? (s as SummaryFile) : undefined;
  } catch {
    return undefined;
  }
}
