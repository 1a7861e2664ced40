// The benchmark workloads. W1 is the reference workload of the core issue.
import { fileURLToPath } from 'node:url';
import type { ExperimentInput } from '../src/config/schema.js';

export interface BenchCase {
  id: string;
  title: string;
  config: ExperimentInput;
  /** worker threads; 'all' = available parallelism */
  workers: number | 'all';
  /** the case this one is compared with (its peer-steps/s as a ratio), when both run */
  baseline?: string;
  /** a script outside Plexus that prints the same JSON line (bench/anchors/), run with `anchor.command` */
  anchor?: { command: string; script: string };
}

const w1: ExperimentInput = {
  name: 'w1',
  seed: 1,
  peers: 64,
  rounds: 300,
  topology: { kind: 'ring', k: 2 },
  mixing: 'metropolis',
  data: { dataset: 'mnist', examplesPerPeer: 937, partition: { kind: 'iid' } },
  model: { kind: 'mlp', hidden: [128], init: 'shared' },
  train: { optimizer: 'sgd', lr: 0.1, batchSize: 32, localSteps: 1 },
  protocol: { kind: 'dpsgd' },
  eval: { every: 300, testExamples: 10000 },
};

/** W2 (issue 13): LeNet-5 peers on Fashion-MNIST. */
const w2: ExperimentInput = {
  name: 'w2',
  seed: 1,
  peers: 32,
  rounds: 600,
  topology: { kind: 'ring', k: 2 },
  mixing: 'metropolis',
  data: { dataset: 'fashion-mnist', examplesPerPeer: 1875, partition: { kind: 'iid' } },
  model: { kind: 'cnn', conv: [{ filters: 6, kernel: 5, pool: 2 }, { filters: 16, kernel: 5, pool: 2 }], dense: [120, 84], activation: 'relu', init: 'shared' },
  train: { optimizer: 'sgd', lr: 0.1, batchSize: 32, localSteps: 1 },
  protocol: { kind: 'dpsgd' },
  eval: { every: 600, testExamples: 10000 },
};

/** `npm run bench -- --w2`: W2 in Plexus beside its PyTorch anchor. */
export const W2_SET = ['w2-torch', 'w2-inline', 'w2-all'];

/** W1 with a robust aggregation rule in place of the mixing-weighted mean. */
const robust: { id: string; label: string; aggregation: ExperimentInput['aggregation'] }[] = [
  { id: 'trimmed', label: 'trimmed-mean (trim 1)', aggregation: { kind: 'trimmed-mean', trim: 1 } },
  { id: 'clipped', label: 'clipped-gossip (tau 1)', aggregation: { kind: 'clipped-gossip', tau: 1 } },
  { id: 'clipped-adaptive', label: 'clipped-gossip (adaptive tau)', aggregation: { kind: 'clipped-gossip', tau: 'adaptive' } },
];

/** `npm run bench -- --robust`: plain W1 beside the robust rules, inline and with all workers. */
export const ROBUST_SET = ['w1-inline', ...robust.map((r) => `w1-${r.id}-inline`), 'w1-all', ...robust.map((r) => `w1-${r.id}-all`)];

/** W1 with DP-SGD on every peer: per-example clipping to 1, noise multiplier 1, Poisson batches. */
const w1dp: ExperimentInput = { ...w1, privacy: { dp: { clip: 1, noise: 1, delta: 1e-5 }, sampling: 'poisson' } };

/** `npm run bench -- --dp`: plain W1 beside W1 with DP-SGD, inline and with all workers. */
export const DP_SET = ['w1-inline', 'w1-dp-inline', 'w1-all', 'w1-dp-all'];

/** W1 with the mean written as a plug-in in the per-peer form (bench/plugins/peer-mean.ts). */
const peerMeanPlugin = fileURLToPath(new URL('../../bench/plugins/peer-mean.ts', import.meta.url));
const w1PeerMean: ExperimentInput = { ...w1, plugins: [peerMeanPlugin], aggregation: { kind: 'peer-mean' } as unknown as ExperimentInput['aggregation'] };

/** `npm run bench -- --plugins`: plain W1 beside W1 with a per-peer plug-in mean, inline and with all workers. */
export const PLUGIN_SET = ['w1-inline', 'w1-peer-mean-inline', 'w1-all', 'w1-peer-mean-all'];

export const CASES: BenchCase[] = [
  { id: 'w1-inline', title: 'W1, inline (no pool)', config: w1, workers: 0 },
  { id: 'w1-1', title: 'W1, 1 worker', config: w1, workers: 1 },
  { id: 'w1-all', title: 'W1, all workers', config: w1, workers: 'all' },
  ...robust.flatMap(({ id, label, aggregation }): BenchCase[] => [
    { id: `w1-${id}-inline`, title: `W1 ${label}, inline`, config: { ...w1, aggregation }, workers: 0, baseline: 'w1-inline' },
    { id: `w1-${id}-all`, title: `W1 ${label}, all workers`, config: { ...w1, aggregation }, workers: 'all', baseline: 'w1-all' },
  ]),
  { id: 'w1-peer-mean-inline', title: 'W1, mean as a per-peer plug-in, inline', config: w1PeerMean, workers: 0, baseline: 'w1-inline' },
  { id: 'w1-peer-mean-all', title: 'W1, mean as a per-peer plug-in, all workers', config: w1PeerMean, workers: 'all', baseline: 'w1-all' },
  { id: 'w1-dp-inline', title: 'W1 with DP-SGD (clip 1, noise 1, Poisson), inline', config: w1dp, workers: 0, baseline: 'w1-inline' },
  { id: 'w1-dp-all', title: 'W1 with DP-SGD (clip 1, noise 1, Poisson), all workers', config: w1dp, workers: 'all', baseline: 'w1-all' },
  { id: 'w2-inline', title: 'W2 (LeNet-5, Fashion-MNIST), inline', config: w2, workers: 0, baseline: 'w2-torch' },
  { id: 'w2-all', title: 'W2 (LeNet-5, Fashion-MNIST), all workers', config: w2, workers: 'all', baseline: 'w2-torch' },
  {
    id: 'w2-torch', title: 'W2, PyTorch per-peer loop (1 thread)', config: w2, workers: 0,
    anchor: { command: '/usr/bin/python3', script: 'bench/anchors/w2_torch.py' },
  },
  {
    id: 'scale-10k-logistic',
    title: '10,000 peers, logistic, ring k=2, 100 rounds',
    workers: 'all',
    config: {
      name: 'scale-10k', seed: 1, peers: 10000, rounds: 100, topology: { kind: 'ring', k: 2 },
      data: { dataset: 'mnist', examplesPerPeer: 6 },
      model: { kind: 'logistic' },
      train: { lr: 0.1, batchSize: 6 },
      eval: { every: 100, testExamples: 10000, peers: 200 },
    },
  },
  {
    id: 'mlp-1000',
    title: '1,000 peers, MLP 784-128-10, ring k=2, 50 rounds',
    workers: 'all',
    config: {
      name: 'mlp-1000', seed: 1, peers: 1000, rounds: 50, topology: { kind: 'ring', k: 2 },
      data: { dataset: 'mnist', examplesPerPeer: 60 },
      model: { kind: 'mlp', hidden: [128] },
      train: { lr: 0.1, batchSize: 32 },
      eval: { every: 50, testExamples: 10000, peers: 100 },
    },
  },
];
