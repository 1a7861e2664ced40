// Runs one benchmark case in this process and prints one JSON line of results on stdout,
// so that peak RSS belongs to this case alone. Used by bench/run.ts.
import { availableParallelism } from 'node:os';
import { loadConfigPlugins, resolveConfig } from '../src/config/resolve.js';
import { Engine } from '../src/engine/engine.js';
import { CASES } from './cases.js';
import { modelSpecOf } from '../src/config/model-spec.js';
import { convBlocks } from '../src/model/cnn-shape.js';
import { layerSizes } from '../src/model/layout.js';

const id = process.argv[2];
const rounds = process.argv[3] ? Number(process.argv[3]) : undefined;
const c = CASES.find((x) => x.id === id);
if (!c) {
  process.stderr.write(`unknown case ${id}; one of ${CASES.map((x) => x.id).join(', ')}\n`);
  process.exit(2);
}
await loadConfigPlugins(c.config);
const config = resolveConfig(c.config);
if (rounds) {
  config.rounds = rounds;
  config.eval.every = rounds;
}
const workers = c.workers === 'all' ? availableParallelism() : c.workers;
const engine = await Engine.create(config, { workers });
const summary = await engine.run();
const busy = [...engine.busyByWorker().entries()].map(([thread, ms]) => ({ thread, ms: Math.round(ms) }));
await engine.close();
const gflop = flopsPerStep(config) * summary.peerSteps / summary.trainSeconds / 1e9;
process.stdout.write(JSON.stringify({
  id: c.id,
  title: c.title,
  workers,
  backend: summary.backend,
  kernel: summary.kernel,
  peers: config.peers,
  rounds: summary.rounds,
  peerStepsPerSecond: summary.peerStepsPerSecond,
  msPerRound: summary.msPerRound,
  finalMeanAccuracy: summary.finalMeanAccuracy,
  wallSeconds: summary.wallSeconds,
  evalSeconds: summary.evalSeconds,
  peakRssMB: process.resourceUsage().maxRSS / 1024,
  stepGflops: gflop,
  busyMsByWorker: busy,
}) + '\n');

/** Multiply-adds x 2 of one local step: forward, backward to each weight matrix, and hidden deltas. */
function flopsPerStep(cfg: typeof config): number {
  if (cfg.model.kind === 'cnn') return cnnFlopsPerStep(cfg);
  const sizes = [784, ...(cfg.model.hidden ?? []), 10];
  let f = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const mm = 2 * cfg.train.batchSize * sizes[l] * sizes[l + 1];
    f += mm * (l === 0 ? 2 : 3); // forward + weight gradient (+ input gradient above the first layer)
  }
  return f * cfg.train.localSteps;
}

/** A cnn step counted as dense work: each conv's forward, filter and input gradient (none for the first) as matrix products over all positions, then the dense layers. */
function cnnFlopsPerStep(cfg: typeof config): number {
  const spec = modelSpecOf(cfg);
  const B = cfg.train.batchSize;
  let f = 0;
  convBlocks(spec.shape!, spec.conv!).forEach((b, l) => {
    f += 2 * B * b.outH * b.outW * b.patch * b.filters * (l === 0 ? 2 : 3);
  });
  const sizes = layerSizes(spec);
  for (let l = 0; l + 1 < sizes.length; l++) f += 2 * B * sizes[l] * sizes[l + 1] * 3;
  return f * cfg.train.localSteps;
}
