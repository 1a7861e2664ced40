// `plexus resume RUN_DIR`: continues a stopped run from its checkpoint, so that its files end up
// as an uninterrupted run's (wall-clock fields aside).
import { closeSync, constants, existsSync, lstatSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { checkCompatible, readCheckpoint } from '../checkpoint/index.js';
import { checkMemory, defaultMemoryLimit } from '../config/memory.js';
import { resolveConfig } from '../config/resolve.js';
import { Engine } from '../engine/engine.js';
import { defaultWorkerCount } from '../engine/executor.js';
import { RUN_FILES } from '../run-format/index.js';
import { VERSION } from '../version.js';
import { execute, type RunOptions } from './run-command.js';
import { resumeRunFiles } from './run-writer.js';
import { checkWorkers, parseIntOption, parseSizeOption, UsageError } from './options.js';
import { watchInterrupts } from './interrupt.js';

type ResumeOptions = Pick<RunOptions, 'rounds' | 'workers' | 'quiet' | 'backend' | 'checkpointEvery' | 'saveFinal' | 'maxMemory'>;

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
    .addHelpText('after', `
Truncates metrics.jsonl and peers.jsonl to the rounds before the checkpoint and appends from
there; the result is byte-identical to an uninterrupted run (wall-clock fields aside), for any
number of workers. Refuses a checkpoint of another config or Plexus version.`)
    .action(async (dir: string, opts: ResumeOptions) => {
      await resumeCommand(dir, opts);
    });
}

/** The run's own config, read without following a symbolic link. */
function readRunConfig(dir: string): unknown {
  const path = join(dir, RUN_FILES.config);
  try {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      return JSON.parse(readFileSync(fd, 'utf8'));
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw new UsageError(`resume: ${path} is missing or unreadable (${(e as Error).message}); is ${dir} a Plexus run directory?`);
  }
}

export async function resumeCommand(runDir: string, opts: ResumeOptions): Promise<void> {
  const dir = resolve(runDir);
  if (!existsSync(dir) || !lstatSync(dir).isDirectory()) throw new UsageError(`resume: ${runDir} is not a directory`);
  checkWorkers(opts.workers);
  const config = resolveConfig(readRunConfig(dir));
  const checkpoint = readCheckpoint(dir);
  if (opts.rounds !== undefined) config.rounds = opts.rounds;
  checkCompatible(checkpoint, config, VERSION);
  const summaryPath = join(dir, RUN_FILES.summary);
  if (existsSync(summaryPath) && checkpoint.round >= config.rounds) {
    const done = JSON.parse(readFileSync(summaryPath, 'utf8')) as { aborted?: boolean };
    if (!done.aborted) throw new UsageError(`resume: ${runDir} finished all ${config.rounds} rounds; give --rounds N (more than ${checkpoint.round}) to continue it`);
  }
  const limit = opts.maxMemory !== undefined ? { bytes: opts.maxMemory, source: 'set by --max-memory' } : defaultMemoryLimit();
  checkMemory(config, { workers: opts.workers ?? defaultWorkerCount() }, limit);
  const log = (s: string) => process.stderr.write(s + '\n');
  log(`resuming ${dir} from round ${checkpoint.round} of ${config.rounds}`);
  const interrupts = watchInterrupts();
  try {
    const files = resumeRunFiles(dir, checkpoint.round);
    await execute(
      { dir, files, discard: () => files.close() },
      () => Engine.create(config, { workers: opts.workers, backend: opts.backend, resume: checkpoint }),
      opts,
      { interrupts, log },
    );
  } finally {
    interrupts.dispose();
  }
}
