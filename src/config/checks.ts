// Cross-field rules the schema cannot express. Each returns "path: what is wrong; what is allowed".
import { CNN_DEFAULTS, convBlocks } from '../model/cnn-shape.js';
import { existsSync, statSync } from 'node:fs';
import { datasetInfo, type DatasetInfo, type DatasetInfoOptions } from '../data/datasets.js';
import { imageSide, rotateIssue } from '../data/clusters.js';
import { protocolOf, protocols, type ProtocolNeeds } from '../protocol/index.js';
import { adversaryCount, attackIssues, craftsMessages } from '../adversary/index.js';
import { pairwiseOf } from '../aggregation/index.js';
import { checkPlasticity } from '../plasticity/checks.js';
import type { ExperimentConfig } from './schema.js';

/** Sizes, features and classes of the config's dataset (file-backed kinds: read from headers and labels, cached). */
export function datasetSizes(config: ExperimentConfig, opts: DatasetInfoOptions = {}): DatasetInfo {
  return datasetInfo(config.data.dataset, opts);
}

/** `opts.memoryLimit`: data files whose headers declare more than the run may hold are not read. */
export function checkConfig(c: ExperimentConfig, opts: DatasetInfoOptions = {}): string[] {
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
    case 'random-regular':
      if (t.k > n - 1) out.push(`topology.k: a random regular graph of ${n} peers allows k at most ${n - 1} (got ${t.k})`);
      else if ((n * t.k) % 2 !== 0) out.push(`topology.k: peers x k must be even for every peer to have k neighbours (${n} x ${t.k} is odd); change k or peers`);
      break;
    case 'star':
      if (n < 2) out.push(`topology: a star needs at least 2 peers (got ${n})`);
      break;
    case 'dumbbell':
      if (n < 4 || n % 2 !== 0) out.push(`topology: a dumbbell needs an even number of peers, at least 4 (two cliques of peers/2; got ${n})`);
      break;
    case 'malicious-ring':
      if ((n - 1) % 3 !== 0 || n < 10) out.push(`topology: a malicious ring needs 3g+1 peers with g >= 3 honest ones on the ring (10, 13, 16, ...; got ${n})`);
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
  out.push(...checkSchedule(c), ...checkProtocol(c), ...checkTime(c), ...checkAdversaries(c));

  const sizes = datasetSizes(c, opts);
  out.push(...checkPlasticity(c, sizes.features));
  // plasticity's checks refuse a non-square feature count; a square one may still hide channels
  const rotate = c.data.clusters?.transform === 'rotate' && imageSide(sizes.features) !== undefined ? rotateIssue(sizes.features, sizes.shape) : undefined;
  if (rotate) out.push(rotate.replace('data.clusters:', 'data.clusters.transform:'));
  if (sizes.classes > 256) {
    out.push(`data.dataset.classes: ${sizes.classes} is more than 256, the most a label byte can hold; use at most 256 classes`);
  }
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
  out.push(...checkCnn(c));
  if (c.model.kind === 'logistic' && c.model.hidden && c.model.hidden.length > 0) {
    out.push(`model.hidden: logistic regression has no hidden layers; remove model.hidden or use kind: mlp`);
  }
  return out;
}

/** cnn fields only on a cnn; a cnn needs image data whose blocks fit. */
function checkCnn(c: ExperimentConfig): string[] {
  const m = c.model;
  if (m.kind !== 'cnn') {
    return (['conv', 'dense', 'activation'] as const).filter((k) => m[k] !== undefined).map((k) => `model.${k}: only a cnn has it; remove it or use kind: cnn`);
  }
  const out: string[] = [];
  if (m.hidden !== undefined && m.dense !== undefined && m.hidden.join() !== m.dense.join()) out.push('model.hidden: a cnn names its dense layers in model.dense; remove hidden');
  const shape = datasetSizes(c).shape;
  if (!shape) {
    out.push(`data.dataset: a cnn needs image data with a shape (height, width, channels); ${c.data.dataset.kind} has none: use mnist (or another image dataset), or model kind mlp`);
    return out;
  }
  try {
    convBlocks(shape, m.conv ?? CNN_DEFAULTS.conv);
  } catch (e) {
    out.push((e as Error).message);
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
  return out;
}

/** What the protocol's descriptor says it needs, against the config; then its own checks. */
function checkProtocol(c: ExperimentConfig): string[] {
  const p = c.protocol;
  const d = protocolOf(p.kind);
  const out: string[] = [];
  const t = c.topology;
  const schedule = t.schedule?.kind ?? 'static';
  const directed = t.kind === 'directed-ring' || t.kind === 'directed-exponential' || (t.kind === 'file' && t.directed);
  // one peer at a time on the exponential graph gives circulant, doubly stochastic matrices
  const doublyStochastic = !directed || schedule === 'one-peer-exponential';
  if (!doublyStochastic && !d.needs.directed) {
    out.push(`topology: ${t.kind}${t.kind === 'file' ? ' (directed)' : ''} is a directed graph; protocol ${p.kind} needs an undirected topology (use an undirected kind, or protocol ${protocolsWhere((n) => n.directed && n.time === d.needs.time)})`);
  }
  if (schedule !== 'static' && !d.needs.timeVarying) {
    out.push(`topology.schedule: protocol ${p.kind} needs a fixed graph; use schedule static (got ${schedule})`);
  }
  if (d.needs.time === 'async' && c.time.mode !== 'async') {
    out.push(`protocol: ${p.kind} runs on each peer's own clock; set time: { mode: async }`);
  }
  if (d.needs.time === 'sync' && c.time.mode === 'async') {
    out.push(`time.mode: async runs event-driven protocols (${protocolsWhere((n) => n.time === 'async')}), and ${p.kind} is synchronous; use one of those or time.mode: sync`);
  }
  const pairwise = pairwiseOf(c.aggregation);
  if (c.aggregation.kind !== 'mean' && !d.needs.aggregation) {
    const where = protocolsWhere((n) => n.aggregation === true || (n.aggregation === 'pairwise' && typeof pairwise !== 'string'));
    out.push(`aggregation: ${c.aggregation.kind} replaces the neighbour average of protocols that mix (${where}), and ${p.kind} does not; use aggregation mean or one of those protocols`);
  }
  if (d.needs.aggregation === 'pairwise' && typeof pairwise === 'string') {
    out.push(`aggregation: ${c.aggregation.kind} ${pairwise}, and ${p.kind} merges one received model at a time; use mean or clipped-gossip with a fixed tau`);
  }
  // the descriptor's own checks are typed by its schema; the registry pairs each kind with its spec
  out.push(...(d.check?.(p as never, c) ?? []));
  return out;
}

function protocolsWhere(pred: (needs: ProtocolNeeds) => boolean): string {
  return protocols.filter((d) => pred(d.needs)).map((d) => d.kind).join(' | ');
}

function checkTime(c: ExperimentConfig): string[] {
  const t = c.time;
  if (t.mode !== 'async') return [];
  const out: string[] = [];
  if (!(t.drop >= 0 && t.drop < 1)) {
    out.push(`time.drop: ${t.drop} is not a usable drop probability${t.drop === 1 ? ' (every message would be lost, so peers never communicate)' : ''}; use a probability in [0, 1)`);
  }
  return out;
}

function checkAdversaries(c: ExperimentConfig): string[] {
  const a = c.adversaries;
  if (!a) return [];
  const out: string[] = [];
  const n = c.peers;
  if (Array.isArray(a.peers)) {
    const ids = a.peers;
    const bad = ids.filter((p) => p >= n);
    if (bad.length > 0) out.push(`adversaries.peers: ${bad.join(', ')} ${bad.length > 1 ? 'are not peer ids' : 'is not a peer id'}; ids go from 0 to ${n - 1}`);
    const dup = ids.filter((p, i) => ids.indexOf(p) !== i);
    if (dup.length > 0) out.push(`adversaries.peers: ${[...new Set(dup)].join(', ')} listed twice; list each adversary once`);
    if (new Set(ids).size >= n) out.push(`adversaries.peers: every peer is an adversary; leave at least one honest peer`);
  } else if (a.peers.count >= n) {
    out.push(`adversaries.peers.count: ${a.peers.count} adversaries among ${n} peers leaves no honest peer; use at most ${n - 1}`);
  }
  out.push(...attackIssues(a.attack, { peers: n, adversaries: adversaryCount(a) }));
  if (craftsMessages(a.attack)) {
    const d = protocolOf(c.protocol.kind);
    // crafted models replace what an adversary sends: models in the gather of mixing protocols, or its gossip messages
    if (!d.needs.aggregation) {
      out.push(`adversaries.attack: ${a.attack.kind} sends crafted models in place of the models a protocol exchanges (${protocolsWhere((x) => x.aggregation !== false)}), and ${c.protocol.kind} does not exchange plain models; use one of those protocols or the label-flip attack`);
    }
    const schedule = c.topology.schedule?.kind ?? 'static';
    if (schedule !== 'static') {
      out.push(`adversaries.attack: ${a.attack.kind} crafts messages on a fixed graph, and topology.schedule is ${schedule}; use schedule static or the label-flip attack`);
    }
  }
  return out;
}
