// `plexus run CONFIG`: resolve the config, build the engine, write the run directory, report.
import { join } from 'node:path';
import type { Command } from 'commander';
import { checkMemory, defaultMemoryLimit } from '../config/memory.js';
import { loadConfig } from '../config/resolve.js';
import type { ExperimentConfig } from '../config/schema.js';
import { Engine } from '../engine/engine.js';
import { CHECKPOINT_FILE, writeCheckpoint } from '../checkpoint/index.js';
import { defaultWorkerCount } from '../engine/executor.js';
import { openRunFiles, type RunFiles } from './run-writer.js';
import { attachProgress, type Progress } from './progress.js';
import { describeSetup, describeSummary } from './describe.js';
import { checkWorkers, parseIntOption, parseSizeOption, UsageError } from './options.js';
import { planOutDir, prepareOutDir, type OutDirPlan } from './out-dir.js';
import { watchInterrupts, type Interrupts } from './interrupt.js';
import { acquireRunLock, type RunLock } from './run-lock.js';

export interface RunOptions {
  out?: string;
  seed?: number;
  rounds?: number;
  quiet?: boolean;
  workers?: number;
  backend?: 'auto' | 'wasm' | 'cpu' | 'node';
  viz?: boolean;
  open?: boolean;
  host?: string;
  port?: number;
  vizWait?: number;
  pace?: number;
  force?: boolean;
  maxMemory?: number;
  /** write a checkpoint every N rounds (and at the end) */
  checkpointEvery?: number;
  /** keep the final state in a checkpoint, for `plexus export` and `plexus resume --rounds` */
  saveFinal?: boolean;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').replace('T', '-');
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run an experiment from a YAML or JSON config and write its run directory')
    .argument('<config>', 'experiment config file (YAML or JSON), e.g. experiments/quickstart.yaml')
    .option('-o, --out <dir>', 'run directory to write, new or empty (default: runs/<name>-<timestamp>)')
    .option('-f, --force', 'replace the run files (of a finished or unfinished run) already in the --out directory; other files stay')
    .option('-s, --seed <n>', 'override the config seed (integer >= 0)', parseIntOption('--seed', 0))
    .option('-r, --rounds <n>', 'override the number of rounds', parseIntOption('--rounds', 1))
    .option('-w, --workers <n>', 'worker threads (default: one per CPU, none on a single CPU; 0 runs inline on the main thread; at most 4 per CPU)', parseIntOption('--workers', 0))
    .option('--max-memory <size>', 'refuse runs estimated to need more memory than this, e.g. 8G or 500M (default: 80% of the machine or container memory)', parseSizeOption('--max-memory'))
    .option('-b, --backend <name>', 'TF.js backend: auto (node if installed, else wasm) | wasm | cpu | node', 'auto')
    .option('-q, --quiet', 'no progress bar: one plain line per evaluation')
    .option('--viz', 'serve the live view of this run and print its URL')
    .option('--open', 'with --viz: open the URL in a browser')
    .option('--host <host>', 'with --viz: address to bind; 0.0.0.0 also serves other machines', '127.0.0.1')
    .option('--port <n>', 'with --viz: port (0 picks a free one)', parseIntOption('--port', 0, 65535), 0)
    .option('--pace <rounds/s>', 'with --viz: at most this many rounds per second, so people can watch (0: full speed)', parseIntOption('--pace', 0), 10)
    .option('--viz-wait <seconds>', 'with --viz: wait this long for the page to connect before the first round', parseIntOption('--viz-wait', 0), 60)
    .option('--checkpoint-every <n>', 'write checkpoint.bin every n rounds and at the end, so `plexus resume` can continue the run', parseIntOption('--checkpoint-every', 1))
    .option('--save-final', 'keep the final state in checkpoint.bin (for `plexus export`)')
    .addHelpText('after', `
Writes metrics.jsonl (one line per round), peers.jsonl (per-peer metrics on evaluation
rounds), topology.json, config.resolved.json and, at the end, summary.json.
Exit status: 0 done, 2 bad config or input (nothing is written), 1 failure during the run,
130 interrupted. Ctrl-C finishes the current round, writes the files (summary.json with
aborted: true) and a checkpoint, and exits; a second Ctrl-C stops at once.
\`plexus resume DIR\` continues an interrupted run from its checkpoint.`)
    .action(async (configPath: string, opts: RunOptions) => {
      await runCommand(configPath, opts);
    });
}

/** Every check a run must pass, before anything is built or written. */
async function checkRun(configPath: string, opts: RunOptions): Promise<{ config: ExperimentConfig; plan: OutDirPlan }> {
  if (opts.backend && !['auto', 'wasm', 'cpu', 'node'].includes(opts.backend)) {
    throw new UsageError(`--backend: '${opts.backend}' is not a backend; use auto | wasm | cpu | node`);
  }
  checkWorkers(opts.workers);
  const limit = opts.maxMemory !== undefined ? { bytes: opts.maxMemory, source: 'set by --max-memory' } : defaultMemoryLimit();
  const config = await loadConfig(configPath, { overrides: { seed: opts.seed }, memoryLimit: limit });
  if (opts.rounds !== undefined) config.rounds = opts.rounds;
  const plan = planOutDir(opts.out ?? join('runs', `${config.name}-${timestamp()}`), { force: opts.force });
  checkMemory(config, { workers: opts.workers ?? defaultWorkerCount() }, limit);
  return { config, plan };
}

/**
 * Takes the directory's lock, creates it and the run files; `discard` removes all three, for a run
 * that never started, and `release` the lock, for one that ended.
 */
function createRunDir(plan: OutDirPlan, config: ExperimentConfig): { files: RunFiles; discard(): void; release(): void } {
  let lock: RunLock | undefined;
  const out = prepareOutDir(plan, (dir) => (lock = acquireRunLock(dir, 'plexus run')));
  const release = () => lock?.release();
  try {
    const files = openRunFiles(out.dir, config);
    return { files, discard: () => (files.discard(), release(), out.removeCreated()), release };
  } catch (e) {
    release();
    out.removeCreated();
    throw e;
  }
}

export async function runCommand(configPath: string, opts: RunOptions): Promise<void> {
  const { config, plan } = await checkRun(configPath, opts);
  const log = (s: string) => process.stderr.write(s + '\n');
  const exitNow = () => process.exit(130);
  const interrupts = watchInterrupts();
  interrupts.on(exitNow, exitNow);
  // bound before anything is created: a busy --port is a usage error (exit 2) that leaves nothing behind
  const viz = opts.viz ? await (await import('./viz.js')).startRunViz({ runDir: plan.dir, host: opts.host, port: opts.port, open: opts.open }) : undefined;
  try {
    await runIn(plan, config, opts, { viz, interrupts, log });
    if (viz && interrupts.count === 0) {
      log(`run finished; the live view stays at ${viz.url} (Ctrl-C to stop)`);
      await new Promise<void>((res) => interrupts.on(res, res));
    }
  } finally {
    await viz?.close();
    interrupts.dispose();
  }
}

export interface RunContext {
  viz?: Viz;
  interrupts: Interrupts;
  log: (s: string) => void;
}

/** Creates the run directory and the engine, runs it, and leaves nothing behind if it never started. */
async function runIn(plan: OutDirPlan, config: ExperimentConfig, opts: RunOptions, ctx: RunContext): Promise<void> {
  const { files, discard, release } = createRunDir(plan, config);
  const engineOptions = { workers: opts.workers, backend: opts.backend, maxRoundsPerSecond: opts.viz ? (opts.pace ?? 10) : 0 };
  try {
    await execute({ dir: plan.dir, files, discard }, () => Engine.create(config, engineOptions), opts, ctx);
  } finally {
    release();
  }
}

export interface OpenedRun {
  dir: string;
  files: RunFiles;
  /** undoes what opening created, for a run that never started */
  discard(): void;
}

/**
 * Builds the engine and runs it into `run`'s files: Ctrl-C handling, progress, checkpoints, the
 * live view. Shared by `plexus run` and `plexus resume`.
 */
export async function execute(run: OpenedRun, createEngine: () => Promise<Engine>, opts: RunOptions, { viz, interrupts, log }: RunContext): Promise<void> {
  const { files, discard } = run;
  interrupts.on(
    () => log('\ninterrupted: stopping after set-up (Ctrl-C again to stop now)'),
    () => (discard(), process.exit(130)),
  );
  let engine: Engine;
  try {
    engine = await createEngine();
  } catch (e) {
    discard();
    throw e;
  }
  let progress: Progress | undefined;
  let started = false;
  try {
    files.attach(engine);
    // set-up (and writing topology.json) may not have yielded to the event loop: let a Ctrl-C
    // pressed during it arrive now (twice: the first may run before the loop next polls)
    for (let i = 0; i < 2; i++) await new Promise<void>((res) => setImmediate(res));
    if (interrupts.count > 0) {
      // Ctrl-C during set-up: the run never started, so leave nothing behind
      discard();
      process.exitCode = 130;
      return;
    }
    interrupts.on(
      () => {
        log('\ninterrupted: finishing the current round (Ctrl-C again to stop now)');
        engine.abort();
      },
      () => {
        // every line written so far is complete (writes are synchronous); stop without waiting
        progress?.stop();
        if (started) files.close();
        else discard();
        process.exit(130);
      },
    );
    engine.on('setup', (e) => log(describeSetup(e)));
    engine.on('warning', (w) => log(`warning: ${w}`));
    const every = opts.checkpointEvery;
    if (every) engine.on('round', (m) => m.round > 0 && m.round % every === 0 && writeCheckpoint(files.checkpointDir, engine.checkpoint()));
    if (viz) await announceViz(viz, opts, interrupts.first, log);
    started = true;
    progress = attachProgress(engine, { tty: Boolean(process.stderr.isTTY) && !opts.quiet, out: process.stderr });
    const summary = await engine.run();
    progress.stop();
    log(describeSummary(summary));
    if (summary.aborted || every || opts.saveFinal) writeCheckpoint(files.checkpointDir, engine.checkpoint());
    files.commit(summary);
    if (summary.aborted || every || opts.saveFinal) {
      log(`checkpoint: ${join(run.dir, CHECKPOINT_FILE)} (round ${summary.rounds})${summary.aborted ? `; continue with: plexus resume ${run.dir}` : ''}`);
    }
    log(`files: ${run.dir}/{metrics.jsonl,peers.jsonl,summary.json,topology.json,config.resolved.json}`);
    if (summary.aborted) process.exitCode = 130;
  } catch (e) {
    if (!started) discard();
    throw e;
  } finally {
    progress?.stop();
    files.close();
    await engine.close();
  }
}

interface Viz {
  url: string;
  firstViewer: Promise<void>;
  close(): Promise<void>;
}

async function announceViz(viz: Viz, opts: RunOptions, interrupted: Promise<void>, log: (s: string) => void): Promise<void> {
  log(`live view: ${viz.url}`);
  const pace = opts.pace ?? 10;
  if (pace > 0) log(`pacing the run to at most ${pace} rounds/s for the live view (--pace 0 for full speed)`);
  if (opts.vizWait && opts.vizWait > 0) {
    // a short run would be over before anyone looked: start when the page connects
    log(`waiting for the page to connect (up to ${opts.vizWait} s; --viz-wait 0 starts at once)`);
    await Promise.race([viz.firstViewer, interrupted, new Promise((res) => setTimeout(res, opts.vizWait! * 1000).unref())]);
  }
}
