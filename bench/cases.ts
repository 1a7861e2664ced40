// The benchmark workloads. W1 is the reference workload of the core issue.
import type { ExperimentInput } from '../src/config/schema.js';

export interface BenchCase {
  id: string;
  title: string;
  config: ExperimentInput;
  /** worker threads; 'all' = available parallelism */
  workers: number | 'all';
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

export const CASES: BenchCase[] = [
  { id: 'w1-inline', title: 'W1, inline (no pool)', config: w1, workers: 0 },
  { id: 'w1-1', title: 'W1, 1 worker', config: w1, workers: 1 },
  { id: 'w1-all', title: 'W1, all workers', config: w1, workers: 'all' },
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
