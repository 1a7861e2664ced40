// `plexus resume RUN_DIR`: continues a stopped run from its checkpoint, so that its files end up
// as an uninterrupted run's (wall-clock fields aside). Everything it reads is checked before any
// file changes, and the run's files are replaced only by a resume that ends cleanly (resume-stage.ts).
import { pluginChanges } from '../config/plugins.js';
import { lstatSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { readCheckpoint } from '../checkpoint/index.js';
import { checkMemory, defaultMemoryLimit } from '../config/memory.js';
import { loadConfigPlugins, resolveConfig } from '../config/resolve.js';
import { Engine } from '../engine/engine.js';
import { defaultWorkerCount } from '../engine/executor.js';
import { ConfigError } from '../errors.js';
import { RUN_FILES } from '../run-format/index.js';
import { FileAccessError, readRegularText } from '../safe-file.js';
import { execute, type RunOptions } from './run-command.js';
import { readRunHistory } from './run-history.js';
import { stageResumeFiles } from './resume-stage.js';
import { acquireRunLock } from './run-lock.js';
import { checkWorkers, parseIntOption, parseSizeOption, UsageError } from './options.js';
import { watchInterrupts } from './interrupt.js';

type ResumeOptions = Pick<RunOptions, 'rounds' | 'workers' | 'quiet' | 'backend' | 'checkpointEvery' | 'saveFinal' | 'maxMemory' | 'force'>;

/** config.resolved.json and summary.json are small; a larger one is not a run's. */
const MAX_JSON_BYTES = 64 * 1024 * 1024;

export function registerResumeCommand(program: Command): void {
  program
    .command('resume')
    .description('continue a stopped run from its checkpoint (written by Ctrl-C or --checkpoint-every)')
    .argument('<run-dir>', 'the run directory holding checkpoint.bin')
    .option('-r, --rounds <n>', 'run to this many rounds in all (default: the run\'s own)', parseIntOption('--rounds', 1))
    .option('-w, --workers <n>', 'worker threads (results do not depend on it)', parseIntOption('--workers', 0))
    .option('-b, --backend <name>', 'TF.js backend: auto | wasm | cpu | node', 'auto')
    .option('-q, --quiet', 'no progress bar: one plain line per evaluation')
    .option('--checkpoint-every <n>', 'write checkpoint.bin every n rounds and at the end', parseIntOption('--checkpoint-every', 1))
    .option('--save-final', 'keep the final state in checkpoint.bin (for `plexus export`)')
    .option('--max-memory <size>', 'refuse runs estimated to need more memory than this, e.g. 8G', parseSizeOption('--max-memory'))
    .option('-f, --force', 'resume even when metrics.jsonl or peers.jsonl lack rounds before the checkpoint, or a plug-in file changed since it (says which)')
    .addHelpText('after', `
Checks the checkpoint (its checksum, sizes and config), summary.json and the lines of every
round before the checkpoint before it changes anything; a run whose lines do not reach the
checkpoint is refused unless --force. The resumed run writes beside the run's files and replaces
them only when it ends (done, or stopped by Ctrl-C after at least one round): a resume that fails,
diverges or is stopped during set-up leaves the run as it was. The result is byte-identical to an
uninterrupted run (wall-clock fields aside), for any number of workers. One command writes a run
directory at a time (it holds .plexus.lock there).`)
    .action(async (dir: string, opts: ResumeOptions) => {
      await resumeCommand(dir, opts);
    });
}

/** A small JSON file of the run, read with a bound and never through a link; UsageError naming it otherwise. */
function readRunJson(dir: string, name: string): unknown {
  const path = join(dir, name);
  let text: string;
  try {
    text = readRegularText(path, { maxBytes: MAX_JSON_BYTES, what: name });
  } catch (e) {
    if (e instanceof FileAccessError && e.code === 'ENOENT') throw e;
    throw new UsageError(`resume: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`resume: ${path} is not JSON (${(e as Error).message}); the run's files are damaged`);
  }
}

function readRunConfig(dir: string, runDir: string): unknown {
  try {
    return readRunJson(dir, RUN_FILES.config);
  } catch (e) {
    if (e instanceof FileAccessError) throw new UsageError(`resume: ${join(dir, RUN_FILES.config)} is missing; is ${runDir} a Plexus run directory?`);
    throw e;
  }
}

/** summary.json's `aborted`, or undefined when there is no summary (a run stopped at once). */
function readSummaryAborted(dir: string): boolean | undefined {
  let summary: unknown;
  try {
    summary = readRunJson(dir, RUN_FILES.summary);
  } catch (e) {
    if (e instanceof FileAccessError) return undefined;
    throw e;
  }
  if (!summary || typeof summary !== 'object' || Array.isArray(summary) || typeof (summary as { aborted?: unknown }).aborted !== 'boolean') {
    throw new UsageError(`resume: ${join(dir, RUN_FILES.summary)} is not a run's summary (no \`aborted\` flag in ${JSON.stringify(summary)?.slice(0, 40)}); the run's files are damaged`);
  }
  return (summary as { aborted: boolean }).aborted;
}

export async function resumeCommand(runDir: string, opts: ResumeOptions): Promise<void> {
  const dir = resolve(runDir);
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    throw new UsageError(`resume: ${runDir} is not a directory`);
  }
  if (!st.isDirectory()) throw new UsageError(`resume: ${runDir} is ${st.isSymbolicLink() ? 'a symbolic link; name the run directory itself' : 'not a directory'}`);
  checkWorkers(opts.workers);
  const log = (s: string) => process.stderr.write(s + '\n');
  // before the lock: a Ctrl-C from here on is ours, so the lock and the stage are always removed
  const interrupts = watchInterrupts();
  const lock = acquireRunLock(dir, 'plexus resume');
  interrupts.on(
    () => log('\ninterrupted: stopping before the run starts (Ctrl-C again to stop now)'),
    () => (lock.release(), process.exit(130)),
  );
  try {
    const raw = readRunConfig(dir, runDir);
    // the run's own plug-ins (absolute files in config.resolved.json), before its kinds are read
    await loadConfigPlugins(raw, dir);
    const limit = opts.maxMemory !== undefined ? { bytes: opts.maxMemory, source: 'set by --max-memory' } : defaultMemoryLimit();
    const config = resolveConfig(raw, { memoryLimit: limit });
    if (opts.rounds !== undefined) config.rounds = opts.rounds;
    const checkpoint = readCheckpoint(dir, { config, heading: 'Cannot resume' });
    const changed = pluginChanges(checkpoint.plugins);
    if (changed.length > 0 && !opts.force) throw new ConfigError([...changed, 'resume with the plug-in files the run used, or add --force to resume with them as they are now'], 'Cannot resume');
    for (const c of changed) log(`resume --force: ${c}; going on with the file as it is now`);
    const aborted = readSummaryAborted(dir);
    if (aborted === false && checkpoint.round >= config.rounds) {
      throw new UsageError(`resume: ${runDir} finished all ${config.rounds} rounds; give --rounds N (more than ${checkpoint.round}) to continue it`);
    }
    checkMemory(config, { workers: opts.workers ?? defaultWorkerCount() }, limit);
    const history = readRunHistory(dir, config, checkpoint.round);
    const problems = history.flatMap((h) => h.problems);
    if (problems.length > 0 && !opts.force) {
      throw new ConfigError([...problems, `the run's lines do not reach round ${checkpoint.round}, where its checkpoint is; add --force to resume anyway, without those lines`], 'Cannot resume');
    }
    for (const p of problems) log(`resume --force: ${p}; going on without it`);
    // the checks above ran without a pause: a Ctrl-C pressed meanwhile is heard now
    await new Promise<void>((res) => setImmediate(res));
    if (interrupts.count > 0) {
      process.exitCode = 130;
      return;
    }
    log(`resuming ${dir} from round ${checkpoint.round} of ${config.rounds}`);
    const files = stageResumeFiles(dir, checkpoint.round, history, log);
    lock.onRelease(() => files.discard()); // SIGTERM or SIGHUP: the stage goes with the lock (after a commit, nothing is left to undo)
    await execute(
      { dir, files, discard: () => files.discard() },
      () => Engine.create(config, { workers: opts.workers, backend: opts.backend, resume: checkpoint }),
      opts,
      { interrupts, log },
    );
  } catch (e) {
    if (e instanceof FileAccessError) throw new UsageError(`resume: ${e.message}`);
    throw e;
  } finally {
    lock.release();
    interrupts.dispose();
  }
}
