// Cross-field rules the schema cannot express. Each returns "path: what is wrong; what is allowed".
import { modelFieldIssues, modelOf } from '../model/registry.js';
import { existsSync, statSync } from 'node:fs';
import { datasetInfo, type DatasetInfo, type DatasetInfoOptions } from '../data/datasets.js';
import { imageSide, rotateIssue } from '../data/clusters.js';
import { protocolOf, protocols, type ProtocolNeeds } from '../protocol/index.js';
import { adversaryCount, attackIssues, attackRegistry, craftsMessages } from '../adversary/index.js';
import { aggregationOf, pairwiseOf, weightedMeans } from '../aggregation/index.js';
import { checkPlasticity } from '../plasticity/checks.js';
import { partitionIssues } from '../data/partition/index.js';
import { isDirected, topologyOf, topologyRegistry, type TopologyDescriptor } from '../topology/index.js';
import { fixedSchedules, scheduleOf } from '../topology/schedule/index.js';
import type { ExperimentConfig } from './schema.js';

/** Sizes, features and classes of the config's dataset (file-backed kinds: read from headers and labels, cached). */
export function datasetSizes(config: ExperimentConfig, opts: DatasetInfoOptions = {}): DatasetInfo {
  return datasetInfo(config.data.dataset, opts);
}

/** `opts.memoryLimit`: data files whose headers declare more than the run may hold are not read. */
export function checkConfig(c: ExperimentConfig, opts: DatasetInfoOptions = {}): string[] {
  const out: string[] = [];
  const n = c.peers;
  out.push(...checkTopology(c));
  out.push(...checkProtocol(c), ...checkTime(c), ...checkAdversaries(c));

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
  out.push(...partitionIssues(c.data.partition, { peers: n, classes: sizes.classes, examplesPerPeer: c.data.examplesPerPeer }));
  if (c.train.batchSize > c.data.examplesPerPeer) {
    out.push(`train.batchSize: ${c.train.batchSize} is larger than examplesPerPeer (${c.data.examplesPerPeer})`);
  }
  if (c.eval.testExamples > sizes.test) {
    out.push(`eval.testExamples: ${c.eval.testExamples} exceeds the ${sizes.test} test examples of ${c.data.dataset.kind}`);
  }
  if (c.eval.peers !== undefined && c.eval.peers > n) {
    out.push(`eval.peers: ${c.eval.peers} is more than the ${n} peers`);
  }
  out.push(...checkModel(c));
  return out;
}

/** Fields the model kind does not take, then the kind's own checks against the dataset. */
function checkModel(c: ExperimentConfig): string[] {
  const m = c.model;
  return [...modelFieldIssues(m, SHARED_MODEL_FIELDS), ...(modelOf(m.kind).check?.(m, datasetSizes(c)) ?? [])];
}

/** model.* fields every model kind takes. */
const SHARED_MODEL_FIELDS = ['kind', 'init', 'path'];

/** The topology's own checks, then its schedule's against it. */
function checkTopology(c: ExperimentConfig): string[] {
  const t = c.topology;
  const d = topologyOf(t.kind);
  const topologiesWhere = (pred: (d: TopologyDescriptor) => boolean) => topologyRegistry.list().filter(pred).map((x) => x.kind);
  const schedule = c.topology.schedule;
  return [
    ...(d.check?.(t as never, c.peers) ?? []),
    ...(scheduleOf(schedule).check?.(schedule as never, { topology: d, peers: c.peers, topologiesWhere }) ?? []),
  ];
}

/** What the protocol's descriptor says it needs, against the config; then its own checks. */
function checkProtocol(c: ExperimentConfig): string[] {
  const p = c.protocol;
  const d = protocolOf(p.kind);
  const out: string[] = [];
  const t = c.topology;
  const schedule = scheduleOf(t.schedule);
  const directed = isDirected(topologyOf(t.kind), t);
  // some schedules (one peer at a time on the exponential graph) give doubly stochastic matrices on a directed graph
  const doublyStochastic = !directed || schedule.balancesDirected === true;
  if (!doublyStochastic && !d.needs.directed) {
    out.push(`topology: ${t.kind}${typeof topologyOf(t.kind).directed === 'function' ? ' (directed)' : ''} is a directed graph; protocol ${p.kind} needs an undirected topology (use an undirected kind, or protocol ${protocolsWhere((n) => n.directed && n.time === d.needs.time)})`);
  }
  if (schedule.timeVarying && !d.needs.timeVarying) {
    out.push(`topology.schedule: protocol ${p.kind} needs a fixed graph; use schedule ${fixedSchedules()} (got ${schedule.kind})`);
  }
  if (d.needs.time === 'async' && c.time.mode !== 'async') {
    out.push(`protocol: ${p.kind} runs on each peer's own clock; set time: { mode: async }`);
  }
  if (d.needs.time === 'sync' && c.time.mode === 'async') {
    out.push(`time.mode: async runs event-driven protocols (${protocolsWhere((n) => n.time === 'async')}), and ${p.kind} is synchronous; use one of those or time.mode: sync`);
  }
  const pairwise = pairwiseOf(c.aggregation);
  if (!aggregationOf(c.aggregation.kind).weightedMean && !d.needs.aggregation) {
    const where = protocolsWhere((n) => n.aggregation === true || (n.aggregation === 'pairwise' && typeof pairwise !== 'string'));
    out.push(`aggregation: ${c.aggregation.kind} replaces the neighbour average of protocols that mix (${where}), and ${p.kind} does not; use aggregation ${weightedMeans()} or one of those protocols`);
  }
  if (d.needs.aggregation === 'pairwise' && typeof pairwise === 'string') {
    out.push(`aggregation: ${c.aggregation.kind} ${pairwise}, and ${p.kind} merges one received model at a time; use mean or clipped-gossip with a fixed tau`);
  }
  // the descriptor's own checks are typed by its schema; the registry pairs each kind with its spec
  out.push(...(d.check?.(p as never, c) ?? []));
  return out;
}

/** The attacks that poison their own training data (and send honestly made models). */
export function labelAttacks(): string {
  return attackRegistry.list().filter((a) => a.poison !== undefined && a.craft === undefined).map((a) => a.kind).join(' | ');
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
      out.push(`adversaries.attack: ${a.attack.kind} sends crafted models in place of the models a protocol exchanges (${protocolsWhere((x) => x.aggregation !== false)}), and ${c.protocol.kind} does not exchange plain models; use one of those protocols or the ${labelAttacks()} attack`);
    }
    const schedule = scheduleOf(c.topology.schedule);
    if (schedule.timeVarying) {
      out.push(`adversaries.attack: ${a.attack.kind} crafts messages on a fixed graph, and topology.schedule is ${schedule.kind}; use schedule ${fixedSchedules()} or the ${labelAttacks()} attack`);
    }
  }
  return out;
}
