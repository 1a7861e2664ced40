// Runs one benchmark case in this process and prints one JSON line of results on stdout,
// so that peak RSS belongs to this case alone. Used by bench/run.ts.
import { availableParallelism } from 'node:os';
import { resolveConfig } from '../src/config/resolve.js';
import { Engine } from '../src/engine/engine.js';
import { CASES } from './cases.js';

const id = process.argv[2];
const rounds = process.argv[3] ? Number(process.argv[3]) : undefined;
const c = CASES.find((x) => x.id === id);
if (!c) {
  process.stderr.write(`unknown case ${id}; one of ${CASES.map((x) => x.id).join(', ')}\n`);
  process.exit(2);
}
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
  const sizes = [784, ...(cfg.model.hidden ?? []), 10];
  let f = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const mm = 2 * cfg.train.batchSize * sizes[l] * sizes[l + 1];
    f += mm * (l === 0 ? 2 : 3); // forward + weight gradient (+ input gradient above the first layer)
  }
  return f * cfg.train.localSteps;
}
