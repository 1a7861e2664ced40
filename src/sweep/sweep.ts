// Running a planned sweep in a directory: find what earlier invocations finished, write each
// combination's config, run the rest as `plexus run` children and keep sweep.jsonl current.
import { lstatSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startChild, type ChildRun } from './child.js';
import { writeFileAtomic } from './atomic-write.js';
import { recordOf } from './outcome.js';
import type { PlannedRun, SweepPlan } from './plan.js';
import { runPool } from './pool.js';
import { summaryFigures, writeSweepRecords, type SweepRecord } from './records.js';
import { inspectRunDir } from './run-state.js';

/** Each combination's config, beside its seeds' run directories. */
export const COMBINATION_CONFIG = 'config.json';

export interface SweepJob {
  run: PlannedRun;
  /** the directory holds an unfinished or outdated run: `plexus run --force` replaces its files */
  force: boolean;
}

export interface PreparedSweep {
  plan: SweepPlan;
  /** absolute */
  outDir: string;
  /** to run, in the sweep's order */
  jobs: SweepJob[];
  /** finished by an earlier invocation with the same config: skipped */
  finished: SweepRecord[];
  /** runs to do again, and why (unfinished, interrupted, config changed) */
  redo: { run: PlannedRun; why: string }[];
  /** paths in the way that a sweep never writes over */
  foreign: { path: string; why: string }[];
}

/** Looks at what is already in the sweep directory; writes nothing. */
export function prepareSweep(plan: SweepPlan, outDir: string): PreparedSweep {
  const prepared: PreparedSweep = { plan, outDir, jobs: [], finished: [], redo: [], foreign: [] };
  for (const c of plan.combinations) {
    const st = lstatOrUndefined(join(outDir, c.name));
    if (st && !st.isDirectory()) prepared.foreign.push({ path: join(outDir, c.name), why: st.isSymbolicLink() ? 'is a symbolic link' : 'is a file, not a directory' });
  }
  for (const run of plan.runs) {
    const dir = join(outDir, run.dir);
    const state = inspectRunDir(dir, run.resolved);
    if (state.kind === 'finished') {
      const r = { id: run.id, params: run.combination.params, seed: run.seed, dir: run.dir };
      prepared.finished.push({ ...r, status: 'done', exitCode: 0, error: null, ...summaryFigures(state.summary) });
    } else if (state.kind === 'foreign') {
      prepared.foreign.push({ path: dir, why: state.why });
    } else {
      if (state.kind === 'redo') prepared.redo.push({ run, why: state.why });
      prepared.jobs.push({ run, force: state.kind === 'redo' });
    }
  }
  return prepared;
}

/** Creates the combinations' directories (the sweep directory exists) and writes their configs. */
function writeCombinationConfigs(prepared: PreparedSweep): void {
  const needed = new Set(prepared.jobs.map((j) => j.run.combination));
  for (const c of needed) {
    const dir = join(prepared.outDir, c.name);
    try {
      mkdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !lstatSync(dir).isDirectory()) throw e;
    }
    writeFileAtomic(join(dir, COMBINATION_CONFIG), JSON.stringify(c.config, null, 2) + '\n');
  }
}

/** The `plexus run` arguments of one job: inline (the sweep runs processes in parallel, not threads), quiet. */
export function runArgs(prepared: PreparedSweep, job: SweepJob): string[] {
  const { run } = job;
  const config = join(prepared.outDir, run.combination.name, COMBINATION_CONFIG);
  const args = ['run', config, '--out', join(prepared.outDir, run.dir), '--seed', String(run.seed), '--workers', '0', '--quiet'];
  return job.force ? [...args, '--force'] : args;
}

export interface SweepHooks {
  parallel: number;
  /** the CLI entry the children run (default: this package's bin/plexus.js) */
  bin?: string;
  onStart?(run: PlannedRun): void;
  /** a line a running child wrote to stderr */
  onLine?(run: PlannedRun, line: string): void;
  /** after the record is in sweep.jsonl */
  onRecord?(record: SweepRecord): void;
}

export interface RunningSweep {
  /** Ctrl-C: start nothing more, let the running runs finish their round and write their files */
  stop(): void;
  /** a second Ctrl-C: end the running runs at once */
  kill(): void;
  readonly running: number;
  /** every record in the sweep's order, once the last child has exited */
  readonly done: Promise<SweepRecord[]>;
}

/**
 * Writes sweep.jsonl (the runs finished earlier) first, so the directory is known as a sweep's from
 * then on, then the combinations' configs, and starts the jobs.
 */
export function startSweep(prepared: PreparedSweep, hooks: SweepHooks): RunningSweep {
  const { plan, outDir } = prepared;
  const records = new Map<string, SweepRecord>(prepared.finished.map((r) => [r.id, r]));
  const ordered = () => plan.runs.flatMap((r) => records.get(r.id) ?? []);
  writeSweepRecords(outDir, ordered());
  writeCombinationConfigs(prepared);
  const pool = runPool(prepared.jobs, {
    parallel: hooks.parallel,
    start: (job): ChildRun => startChild(runArgs(prepared, job), { bin: hooks.bin, onLine: hooks.onLine && ((line) => hooks.onLine!(job.run, line)) }),
    onStart: (job) => hooks.onStart?.(job.run),
    onExit: (job, exit, stopped) => {
      const record = recordOf(job.run, exit, join(outDir, job.run.dir), stopped);
      records.set(record.id, record);
      writeSweepRecords(outDir, ordered());
      hooks.onRecord?.(record);
    },
  });
  return {
    stop: () => pool.stop(),
    kill: () => pool.kill(),
    get running() {
      return pool.running;
    },
    done: pool.done.then(ordered),
  };
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
