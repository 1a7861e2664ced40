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
  // one peer at a time on the exponential graph gives circulant, doubly stochastic matrices: fine for dpsgd
  const doublyStochastic = !directed || t.schedule?.kind === 'one-peer-exponential';
  if (!doublyStochastic && (c.protocol.kind === 'dpsgd' || c.protocol.kind === 'choco')) {
    out.push(`topology: ${t.kind}${t.kind === 'file' ? ' (directed)' : ''} is a directed graph; protocol ${c.protocol.kind} needs an undirected topology (use an undirected kind, or protocol push-sum)`);
  }
  out.push(...checkSchedule(c), ...checkProtocol(c), ...checkTime(c));

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

const RANDOM_TOPOLOGIES = ['erdos-renyi', 'watts-strogatz', 'barabasi-albert'];

function checkSchedule(c: ExperimentConfig): string[] {
  const s = c.topology.schedule ?? { kind: 'static' as const };
  const kind = c.topology.kind;
  const out: string[] = [];
  switch (s.kind) {
    case 'random-matching':
      if (kind !== 'complete') out.push(`topology.schedule: random-matching pairs up all peers at random each round (a perfect matching of the complete graph); set topology.kind: complete (got ${kind})`);
      if (c.peers % 2 !== 0 || c.peers < 2) out.push(`topology.schedule: random-matching needs an even number of peers to pair every peer each round (got ${c.peers}); use an even peers count`);
      break;
    case 'one-peer-exponential':
      if (kind !== 'directed-exponential') out.push(`topology.schedule: one-peer-exponential uses one edge i -> i + 2^k of the exponential graph per round; set topology.kind: directed-exponential (got ${kind})`);
      break;
    case 'resample':
      if (!RANDOM_TOPOLOGIES.includes(kind)) out.push(`topology.schedule: resample redraws a random topology, and ${kind} is deterministic; use topology.kind ${RANDOM_TOPOLOGIES.join(' | ')}`);
      break;
    default:
      break;
  }
  if (s.kind !== 'static' && c.protocol.kind === 'choco') {
    out.push(`topology.schedule: choco keeps each neighbour's compressed estimate across rounds, which needs a fixed graph; use schedule static (got ${s.kind})`);
  }
  return out;
}

function checkProtocol(c: ExperimentConfig): string[] {
  const p = c.protocol;
  const out: string[] = [];
  if (p.kind === 'choco') {
    const q = p.compression;
    if ((q.kind === 'top-k' || q.kind === 'random-k') && !(q.fraction > 0 && q.fraction <= 1)) {
      out.push(`protocol.compression.fraction: ${q.fraction} is outside (0, 1]; give the share of coordinates sent, e.g. 0.01 for 1%`);
    }
    if (q.kind === 'qsgd' && !(Number.isInteger(q.levels) && q.levels >= 1)) {
      out.push(`protocol.compression.levels: ${q.levels} is not a whole number of quantization levels; use an integer >= 1 (e.g. 16)`);
    }
    if (!(p.gamma > 0 && p.gamma <= 1)) {
      out.push(`protocol.gamma: ${p.gamma} is outside (0, 1]; the consensus step size must be positive and at most 1`);
    }
  }
  const asyncProtocol = p.kind === 'gossip-learning';
  if (asyncProtocol && c.time.mode !== 'async') {
    out.push(`protocol: gossip-learning runs on each peer's own clock; set time: { mode: async }`);
  }
  if (!asyncProtocol && c.time.mode === 'async') {
    out.push(`time.mode: async runs event-driven protocols (gossip-learning), and ${p.kind} is synchronous; use protocol gossip-learning or time.mode: sync`);
  }
  return out;
}

function checkTime(c: ExperimentConfig): string[] {
  const t = c.time;
  if (t.mode !== 'async') return [];
  const out: string[] = [];
  if (!(t.drop >= 0 && t.drop < 1)) {
    out.push(`time.drop: ${t.drop} is not a usable drop probability${t.drop === 1 ? ' (every message would be lost, so peers never communicate)' : ''}; use a probability in [0, 1)`);
  }
  const schedule = c.topology.schedule?.kind ?? 'static';
  if (schedule !== 'static') {
    out.push(`topology.schedule: time.mode async samples neighbours from a fixed graph; use schedule static (got ${schedule})`);
  }
  return out;
}
