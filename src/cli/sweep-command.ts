// `plexus sweep SWEEP.yaml`: every combination of a grid of config values, times every seed, each
// as its own `plexus run` child, N at a time; sweep.jsonl lists what became of each run.
import { lstatSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { defaultMemoryLimit, estimateMemory, formatBytes, sizeIssues } from '../config/memory.js';
import { loadConfigPlugins } from '../config/resolve.js';
import { ConfigError } from '../errors.js';
import { describeParams } from '../sweep/names.js';
import { createSweepProgress } from '../sweep/progress.js';
import { planSweep, type SweepPlan } from '../sweep/plan.js';
import { SWEEP_FILE, writeSweepRecords, type SweepRecord } from '../sweep/records.js';
import { loadSweepFile } from '../sweep/spec.js';
import { prepareSweep, startSweep, type PreparedSweep } from '../sweep/sweep.js';
import { watchInterrupts } from './interrupt.js';
import { acquireRunLock, LOCK_FILE } from './run-lock.js';
import { maxWorkers, parseIntOption, UsageError } from './options.js';
import { planOutDir, prepareOutDir } from './out-dir.js';

export interface SweepOptions {
  out?: string;
  parallel?: number;
  quiet?: boolean;
}

export function registerSweepCommand(program: Command): void {
  program
    .command('sweep')
    .description('run every combination of a grid of config values, for every seed, each as its own run directory')
    .argument('<sweep>', 'sweep file (YAML or JSON), e.g. experiments/sweeps/topologies.yaml')
    .option('-o, --out <dir>', 'sweep directory (default: runs/sweeps/<sweep file name>); run the same command again to finish it')
    .option('-p, --parallel <n>', 'runs at once, each a process running inline (default: one per CPU)', parseIntOption('--parallel', 1))
    .option('-q, --quiet', 'no progress bar: plain lines')
    .addHelpText('after', `
A sweep file names a base config, the seeds and a grid of config paths to lists of values:

  base: ../ring64-mnist.yaml        # relative to the sweep file
  seeds: [1, 2, 3]
  grid:                             # every combination; a value replaces the whole field
    topology: [{ kind: ring, k: 2 }, { kind: complete }]
    train.lr: [0.05, 0.1]

Every combination and seed is checked before anything runs (exit 2 naming the combination
and the field). Each run is DIR/<key=value_...>/seed-<n>, a normal run directory, made by
plexus run --workers 0 from DIR/<key=value_...>/config.json. DIR/sweep.jsonl has a line per run:
id, params, seed, dir, status (done | failed | interrupted), exitCode, error (the end of a
failed run's stderr), finalMeanAccuracy, finalConsensusDistance, bytesSent, wallSeconds, rounds.
Running the same command again skips finished runs (unless their config changed) and redoes
the rest. Exit status: 0 all done, 1 a run failed (the others still run), 2 a bad sweep file,
130 interrupted: Ctrl-C lets the running runs finish their round and write their files, a
second Ctrl-C stops them at once.`)
    .action(async (file: string, opts: SweepOptions) => {
      await sweepCommand(file, opts);
    });
}

export async function sweepCommand(file: string, opts: SweepOptions): Promise<void> {
  const cpus = availableParallelism();
  if (opts.parallel !== undefined && opts.parallel > maxWorkers(cpus)) {
    throw new UsageError(`--parallel: ${opts.parallel} is more than ${maxWorkers(cpus)}, the most worth running here (4 per CPU, ${cpus} CPU(s), at most 64); leave it out for one per CPU`);
  }
  const spec = loadSweepFile(file);
  // the base config's plug-ins, so their kinds and options are checked in every combination
  await loadConfigPlugins(spec.base, dirname(spec.basePath));
  const plan = planSweep(spec);
  const outDir = resolve(opts.out ?? join('runs', 'sweeps', basename(file, extname(file))));
  checkSweepDir(outDir);
  const prepared = prepareSweep(plan, outDir);
  if (prepared.foreign.length > 0) {
    const list = prepared.foreign.slice(0, 5).map((f) => `${f.path} ${f.why}`).join('; ');
    throw new UsageError(`--out: the sweep's run directories must be free or runs of this sweep, but ${list}${prepared.foreign.length > 5 ? ` (and ${prepared.foreign.length - 5} more)` : ''}; move them away or choose another --out`);
  }
  const parallel = chooseParallel(prepared, opts.parallel ?? cpus, opts.parallel !== undefined);

  const log = (s: string) => process.stderr.write(s + '\n');
  if (!isDirectory(outDir)) prepareOutDir(planOutDir(outDir));
  const lock = acquireRunLock(outDir, 'plexus sweep');
  try {
    await sweepIn(plan, prepared, parallel, outDir, opts, log);
  } finally {
    lock.release();
  }
}

async function sweepIn(plan: SweepPlan, prepared: PreparedSweep, parallel: { n: number; note?: string }, outDir: string, opts: SweepOptions, log: (s: string) => void): Promise<void> {
  const shown = relative(process.cwd(), outDir) || '.';
  log(header(plan, prepared, parallel.n, shown));
  if (parallel.note) log(parallel.note);
  for (const r of prepared.redo) log(`  redo ${r.run.id}: ${r.why}`);

  const total = plan.runs.length;
  if (prepared.jobs.length === 0) {
    writeSweepRecords(outDir, prepared.finished);
    log(`results: ${join(shown, SWEEP_FILE)}`);
    return;
  }
  const tty = Boolean(process.stderr.isTTY) && !opts.quiet;
  const progress = createSweepProgress({ tty, out: process.stderr, total, finished: prepared.finished.length });
  const interrupts = watchInterrupts();
  let sweep: ReturnType<typeof startSweep> | undefined;
  interrupts.on(
    () => {
      progress.log(`interrupted: starting no more runs; ${sweep?.running ?? 0} running run(s) finish their round and write their files (Ctrl-C again to stop them at once)`);
      sweep?.stop();
    },
    () => {
      progress.log('interrupted again: stopping the running runs now');
      sweep?.kill();
    },
  );
  let records: SweepRecord[];
  try {
    sweep = startSweep(prepared, {
      parallel: parallel.n,
      onStart: (run) => progress.started(run.id),
      onLine: (run, line) => progress.childLine(run.id, line),
      onRecord: (r) => progress.finished(r),
    });
    records = await sweep.done;
  } finally {
    progress.stop();
    interrupts.dispose();
  }
  const count = (s: SweepRecord['status']) => records.filter((r) => r.status === s).length;
  const notStarted = total - records.length;
  const counts = `${count('done')} done, ${count('failed')} failed, ${count('interrupted')} interrupted${notStarted ? `, ${notStarted} not started` : ''}`;
  if (interrupts.count > 0) {
    log(`sweep interrupted: ${counts}; run the same command again to finish it`);
    process.exitCode = 130;
  } else {
    log(`sweep ${count('done') === total ? 'done' : 'finished'}: ${counts}`);
    if (count('done') < total) process.exitCode = 1;
  }
  log(`results: ${join(shown, SWEEP_FILE)}${count('failed') ? ' (failed runs have their error there)' : ''}`);
}

function header(plan: SweepPlan, prepared: PreparedSweep, parallel: number, dir: string): string {
  const { spec } = plan;
  const combos = spec.grid.length ? `${plan.combinations.length} combination(s) of ${spec.grid.map((a) => a.key).join(', ')}` : 'the base config';
  const lines = [`sweep ${spec.file}: ${combos} x ${spec.seeds.length} seed(s) = ${plan.runs.length} run(s) in ${dir}`];
  const skipped = prepared.finished.length;
  if (prepared.jobs.length === 0) {
    lines.push(`  nothing to run: all ${skipped} run(s) finished earlier with the same config`);
  } else {
    lines.push(`  ${skipped ? `${skipped} finished earlier (skipped), ` : ''}${prepared.jobs.length} to run, ${Math.min(parallel, prepared.jobs.length)} at a time (each inline, --workers 0)`);
  }
  return lines.join('\n');
}

/** The sweep directory: new, empty, or an earlier invocation's (it holds sweep.jsonl). */
function checkSweepDir(dir: string): void {
  let entries: string[];
  try {
    const st = lstatSync(dir);
    if (st.isSymbolicLink()) throw new UsageError(`--out: ${dir} is a symbolic link; name the directory itself`);
    if (!st.isDirectory()) throw new UsageError(`--out: ${dir} is a file, not a directory; name a new directory or an earlier sweep's`);
    entries = readdirSync(dir).filter((f) => f !== LOCK_FILE);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new UsageError(`--out: cannot use ${dir}: ${(e as Error).message}`);
  }
  if (entries.length > 0 && !entries.includes(SWEEP_FILE)) {
    throw new UsageError(`--out: ${dir} holds ${entries.length} file(s) that are not a Plexus sweep (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''}); choose a new or empty directory, or an earlier sweep's (it has ${SWEEP_FILE})`);
  }
}

function isDirectory(dir: string): boolean {
  try {
    return lstatSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/**
 * As many runs at once as asked, if their memory fits: each run is checked alone (as plexus run
 * would), and the largest ones side by side. A default is lowered with a note; an explicit
 * --parallel that does not fit is refused.
 */
function chooseParallel(prepared: PreparedSweep, wanted: number, explicit: boolean): { n: number; note?: string } {
  const limit = defaultMemoryLimit();
  const issues: string[] = [];
  let largest = 0;
  const seen = new Set<string>();
  for (const { run } of prepared.jobs) {
    if (seen.has(run.combination.name)) continue;
    seen.add(run.combination.name);
    const where = `[${describeParams(run.combination.params)}]`;
    const impossible = sizeIssues(run.resolved);
    if (impossible.length > 0) {
      issues.push(...impossible.map((i) => `${where} ${i}`));
      continue;
    }
    const bytes = estimateMemory(run.resolved, { workers: 0 }).total;
    if (bytes > limit.bytes) issues.push(`${where} needs about ${formatBytes(bytes)}, more than the limit of ${formatBytes(limit.bytes)} (${limit.source}); make it smaller (peers, model.hidden, data)`);
    largest = Math.max(largest, bytes);
  }
  if (issues.length > 0) throw new ConfigError(issues, `Too large to run (nothing was run)`);
  const fits = largest > 0 ? Math.max(1, Math.floor(limit.bytes / largest)) : wanted;
  if (wanted <= fits) return { n: wanted };
  const why = `${wanted} runs of up to ${formatBytes(largest)} each need more than the limit of ${formatBytes(limit.bytes)} (${limit.source})`;
  if (explicit) throw new UsageError(`--parallel: ${why}; use --parallel ${fits} or less`);
  return { n: fits, note: `  ${fits} at a time, not ${wanted}: ${why}` };
}
