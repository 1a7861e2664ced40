// Cross-field rules the schema cannot express. Each returns "path: what is wrong; what is allowed".
import { existsSync, statSync } from 'node:fs';
import { MNIST_INFO } from '../data/mnist.js';
import type { ExperimentConfig } from './schema.js';

export function datasetSizes(config: ExperimentConfig): { train: number; test: number; features: number; classes: number } {
  const d = config.data.dataset;
  if (d.kind === 'mnist') {
    return { train: MNIST_INFO.trainSize, test: MNIST_INFO.testSize, features: MNIST_INFO.features, classes: MNIST_INFO.classes };
  }
  return { train: d.trainSize, test: d.testSize, features: d.features, classes: d.classes };
}

export function checkConfig(c: ExperimentConfig): string[] {
  const out: string[] = [];
  const n = c.peers;
  const t = c.topology;
  switch (t.kind) {
    case 'ring': {
      const maxK = Math.floor((n - 1) / 2);
      if (t.k > maxK) out.push(`topology.k: a ring of ${n} peers allows k at most ${maxK} neighbours each side (got ${t.k})`);
      break;
    }
    case 'torus':
      if (t.rows * t.cols !== n) out.push(`topology: torus rows x cols must equal peers (${t.rows} x ${t.cols} = ${t.rows * t.cols}, peers = ${n})`);
      break;
    case 'watts-strogatz': {
      const maxK = Math.floor((n - 1) / 2);
      if (t.k > maxK) out.push(`topology.k: a Watts-Strogatz graph of ${n} peers allows k at most ${maxK} (got ${t.k})`);
      break;
    }
    case 'barabasi-albert':
      if (t.m >= n) out.push(`topology.m: Barabasi-Albert needs m < peers (got m = ${t.m}, peers = ${n})`);
      break;
    case 'star':
      if (n < 2) out.push(`topology: a star needs at least 2 peers (got ${n})`);
      break;
    case 'file':
      if (!existsSync(t.path)) out.push(`topology.path: file not found: ${t.path}`);
      else if (!statSync(t.path).isFile()) out.push(`topology.path: not a file: ${t.path}`);
      break;
    case 'directed-ring':
    case 'directed-exponential':
      if (n < 2) out.push(`topology: ${t.kind} needs at least 2 peers (got ${n})`);
      break;
    default:
      break;
  }
  const directed = t.kind === 'directed-ring' || t.kind === 'directed-exponential' || (t.kind === 'file' && t.directed);
  if (directed && (c.protocol.kind === 'dpsgd')) {
    out.push(`topology: ${t.kind}${t.kind === 'file' ? ' (directed)' : ''} is a directed graph; protocol dpsgd needs an undirected topology (use an undirected kind, or a directed-aware protocol)`);
  }

  const sizes = datasetSizes(c);
  const wanted = n * c.data.examplesPerPeer;
  if (wanted > sizes.train) {
    out.push(`data.examplesPerPeer: ${n} peers x ${c.data.examplesPerPeer} examples = ${wanted} exceeds the ${sizes.train} training examples of ${c.data.dataset.kind}; use at most ${Math.floor(sizes.train / n)} per peer`);
  }
  const p = c.data.partition;
  if (p.kind === 'shards' && c.data.examplesPerPeer % p.perPeer !== 0) {
    out.push(`data.partition.perPeer: examplesPerPeer (${c.data.examplesPerPeer}) must be divisible by perPeer (${p.perPeer})`);
  }
  if (c.train.batchSize > c.data.examplesPerPeer) {
    out.push(`train.batchSize: ${c.train.batchSize} is larger than examplesPerPeer (${c.data.examplesPerPeer})`);
  }
  if (c.eval.testExamples > sizes.test) {
    out.push(`eval.testExamples: ${c.eval.testExamples} exceeds the ${sizes.test} test examples of ${c.data.dataset.kind}`);
  }
  if (c.eval.peers !== undefined && c.eval.peers > n) {
    out.push(`eval.peers: ${c.eval.peers} is more than the ${n} peers`);
  }
  if (c.model.kind === 'logistic' && c.model.hidden && c.model.hidden.length > 0) {
    out.push(`model.hidden: logistic regression has no hidden layers; remove model.hidden or use kind: mlp`);
  }
  return out;
}
