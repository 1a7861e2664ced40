// The runs a report covers: every directory found behind the DIR arguments, read, with the runs
// that have not finished left out (with a warning), since their final figures do not exist yet.
import { findRunDirs } from './discover.js';
import { ReportInputError, type Warn } from './errors.js';
import { readRun, type RunData } from './read-run.js';

export function loadRuns(inputs: readonly string[], warn: Warn): RunData[] {
  if (inputs.length === 0) throw new ReportInputError('name at least one run or sweep directory, e.g. plexus report runs/ring64');
  const runs: RunData[] = [];
  for (const dir of findRunDirs(inputs, warn)) {
    const run = readRun(dir, warn);
    if (!run.summary) warn(`${dir}: not finished (no summary.json); left out`);
    else if (run.summary.aborted) warn(`${dir}: interrupted at round ${run.summary.rounds} (aborted in summary.json); left out`);
    else runs.push(run);
  }
  if (runs.length === 0) throw new ReportInputError(`no finished run in ${inputs.join(', ')}; a run has finished when its directory holds summary.json`);
  return runs;
}
