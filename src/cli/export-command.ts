// `plexus export RUN_DIR (--peer K | --average) --out DIR`: a trained model as a TensorFlow.js
// LayersModel, from the run's checkpoint (kept by --save-final, --checkpoint-every or Ctrl-C).
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { readCheckpoint } from '../checkpoint/index.js';
import { modelSpecOf } from '../engine/setup.js';
import { averageRow, exportLayersModel, MODEL_FILES } from '../export/layers-model.js';
import { createLayout } from '../model/layout.js';
import { parseIntOption, UsageError } from './options.js';

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

export async function exportCommand(runDir: string, opts: ExportOptions): Promise<void> {
  if ((opts.peer === undefined) === !opts.average) throw new UsageError('export: give exactly one of --peer K or --average');
  if (!opts.out) throw new UsageError('export: --out DIR is required (where model.json and weights.bin go)');
  const out = resolve(opts.out);
  if (existsSync(out)) {
    if (lstatSync(out).isSymbolicLink() || !lstatSync(out).isDirectory()) throw new UsageError(`--out: ${opts.out} exists and is not a directory`);
    const mine = new Set<string>(Object.values(MODEL_FILES));
    const entries = readdirSync(out);
    if (entries.some((e) => !mine.has(e))) throw new UsageError(`--out: ${opts.out} holds other files; choose a new or empty directory`);
    if (entries.length > 0 && !opts.force) throw new UsageError(`--out: ${opts.out} already holds a model; add --force to replace it`);
  }
  const cp = readCheckpoint(resolve(runDir));
  const spec = modelSpecOf(cp.config);
  const dim = createLayout(spec).total;
  const peers = cp.config.peers;
  if (opts.peer !== undefined && opts.peer >= peers) throw new UsageError(`--peer: ${opts.peer} is not a peer of this run (0 to ${peers - 1})`);
  const row = opts.average ? averageRow(cp.engine.params, peers, dim) : cp.engine.params.slice(opts.peer! * dim, (opts.peer! + 1) * dim);
  const what = opts.average ? `the average of ${peers} peers` : `peer ${opts.peer}`;
  const files = await exportLayersModel(spec, row, out, `Plexus run ${cp.config.name}, round ${cp.round}: ${what}`);
  process.stderr.write(`exported ${what} at round ${cp.round} (${spec.kind} ${spec.kind === 'cnn' ? `${spec.shape!.height}x${spec.shape!.width}x${spec.shape!.channels} ${spec.conv!.map((b) => `conv${b.filters}x${b.kernel}${b.pool > 1 ? `/pool${b.pool}` : ''}`).join(' ')} ` : ''}${[spec.inputs, ...spec.hidden, spec.classes].join('-')}): ${files.join(', ')}\n`);
}
