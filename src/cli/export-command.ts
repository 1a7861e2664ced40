// `plexus export RUN_DIR (--peer K | --average) --out DIR`: a trained model as a TensorFlow.js
// LayersModel, from the run's checkpoint (kept by --save-final, --checkpoint-every or Ctrl-C).
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { readCheckpoint } from '../checkpoint/index.js';
import { EXPORT_ERROR, exportableModel } from '../export/from-checkpoint.js';
import { averageRow, exportLayersModel, MODEL_FILES } from '../export/layers-model.js';
import { RUN_FILES } from '../run-format/index.js';
import { FileAccessError } from '../safe-file.js';
import { parseIntOption, UsageError } from './options.js';
import { planFilesDir, prepareOutDir, reason, type OutDirPlan } from './out-dir.js';

interface ExportOptions {
  peer?: number;
  average?: boolean;
  out?: string;
  force?: boolean;
}

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description('write a peer\'s model (or the network average) as a TensorFlow.js LayersModel')
    .argument('<run-dir>', 'a run directory holding checkpoint.bin (run with --save-final or --checkpoint-every)')
    .option('--peer <k>', 'the peer whose model to export', parseIntOption('--peer', 0))
    .option('--average', 'export the average of every peer\'s parameters')
    .option('-o, --out <dir>', 'directory for model.json and weights.bin (new or empty)')
    .option('-f, --force', 'replace model.json and weights.bin already in --out')
    .addHelpText('after', `
Load it with tf.loadLayersModel('file://DIR/model.json') (tfjs-node) or from a URL in a browser;
its last layer applies softmax, so predict() gives class probabilities.`)
    .action(async (dir: string, opts: ExportOptions) => {
      await exportCommand(dir, opts);
    });
}

/** --out: a new directory, or one holding only an earlier export (replaced with --force); never a link. */
function planExportDir(path: string, force: boolean): OutDirPlan {
  const plan = planFilesDir(path);
  if (plan.missing.length > 0) return plan;
  const mine = new Set<string>(Object.values(MODEL_FILES));
  let entries: string[];
  try {
    entries = readdirSync(plan.dir);
  } catch (e) {
    throw new UsageError(`--out: cannot read ${plan.dir}: ${reason(e)}`);
  }
  if (entries.some((e) => !mine.has(e))) throw new UsageError(`--out: ${path} holds other files; choose a new or empty directory`);
  if (entries.length > 0 && !force) throw new UsageError(`--out: ${path} already holds a model; add --force to replace it`);
  return plan;
}

export async function exportCommand(runDir: string, opts: ExportOptions): Promise<void> {
  if ((opts.peer === undefined) === !opts.average) throw new UsageError('export: give exactly one of --peer K or --average');
  if (!opts.out) throw new UsageError('export: --out DIR is required (where model.json and weights.bin go)');
  const plan = planExportDir(opts.out, opts.force === true);
  const cp = readCheckpoint(resolve(runDir), { heading: EXPORT_ERROR });
  const { spec, dim, peers, params } = exportableModel(cp, join(resolve(runDir), RUN_FILES.checkpoint));
  if (opts.peer !== undefined && opts.peer >= peers) throw new UsageError(`--peer: ${opts.peer} is not a peer of this run (0 to ${peers - 1})`);
  const row = opts.average ? averageRow(params, peers, dim) : params.slice(opts.peer! * dim, (opts.peer! + 1) * dim);
  const what = opts.average ? `the average of ${peers} peers` : `peer ${opts.peer}`;
  const out = prepareOutDir(plan);
  let files: string[];
  try {
    files = await exportLayersModel(spec, row, out.dir, `Plexus run ${cp.config.name}, round ${cp.round}: ${what}`, { replace: opts.force });
  } catch (e) {
    out.removeCreated();
    if (e instanceof FileAccessError) throw new UsageError(`--out: ${e.message}`);
    throw e;
  }
  process.stderr.write(`exported ${what} at round ${cp.round} (${spec.kind} ${spec.kind === 'cnn' ? `${spec.shape!.height}x${spec.shape!.width}x${spec.shape!.channels} ${spec.conv!.map((b) => `conv${b.filters}x${b.kernel}${b.pool > 1 ? `/pool${b.pool}` : ''}`).join(' ')} ` : ''}${[spec.inputs, ...spec.hidden, spec.classes].join('-')}): ${files.join(', ')}\n`);
}
