// sweep.jsonl: one line per run that has an outcome, in the sweep's order. Rewritten whole
// (a temporary file, then a rename) after every run, so a reader never sees a torn file.
import { join } from 'node:path';
import { PlexusError } from '../errors.js';
import type { SummaryFile } from '../run-format/files.js';
import type { Params } from './grid.js';
import { writeFileAtomic } from './atomic-write.js';

export const SWEEP_FILE = 'sweep.jsonl';

export type RunStatus = 'done' | 'failed' | 'interrupted';

export interface SweepRecord {
  id: string;
  /** the grid values of this run's combination, by config path */
  params: Params;
  seed: number;
  /** the run directory, relative to the sweep directory */
  dir: string;
  status: RunStatus;
  /** null when the run was killed by a signal */
  exitCode: number | null;
  /** the last lines the run wrote to stderr, when it failed */
  error: string | null;
  /** from summary.json (also for an interrupted run that wrote one); null without it */
  finalMeanAccuracy: number | null;
  finalConsensusDistance: number | null;
  bytesSent: number | null;
  wallSeconds: number | null;
  rounds: number | null;
}

export type SummaryFigures = Pick<SweepRecord, 'finalMeanAccuracy' | 'finalConsensusDistance' | 'bytesSent' | 'wallSeconds' | 'rounds'>;

export function summaryFigures(s: SummaryFile | undefined): SummaryFigures {
  return {
    finalMeanAccuracy: s?.finalMeanAccuracy ?? null,
    finalConsensusDistance: s?.finalConsensusDistance ?? null,
    bytesSent: s?.bytesSent ?? null,
    wallSeconds: s?.wallSeconds ?? null,
    rounds: s?.rounds ?? null,
  };
}

/** Replaces DIR/sweep.jsonl with these records, atomically. */
export function writeSweepRecords(dir: string, records: readonly SweepRecord[]): void {
  const path = join(dir, SWEEP_FILE);
  try {
    writeFileAtomic(path, records.map((r) => JSON.stringify(r) + '\n').join(''));
  } catch (e) {
    throw new PlexusError(`cannot write ${path}: ${(e as Error).message}`);
  }
}
