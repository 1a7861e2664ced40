// Builds a run's world from a resolved config: dataset, topology, mixing, partition, initial
// parameters and sampling state, all in shared memory. Each purpose draws from its own seeded stream.
import type { ExperimentConfig } from '../config/schema.js';
import { modelSpecOf } from '../config/model-spec.js';
import { createRng, deriveSeed, seedState } from '../rng.js';
import { loadDatasetOf } from '../data/datasets.js';
import { createPartition } from '../data/partition/index.js';
import { labelHistogram } from '../data/partition/stats.js';
import { shapeData } from '../data/shape.js';
import { createPlasticShared, probeHoldout } from '../plasticity/index.js';
import { ConfigError } from '../errors.js';
import { protocolOf } from '../protocol/index.js';
import { aggregationIssues } from '../aggregation/index.js';
import { createAdversaryPlan } from '../adversary/index.js';
import { createTopology, components, topologyOf } from '../topology/index.js';
import { createMixing } from '../topology/mixing/index.js';
import { createSchedule, DEFAULT_SCHEDULE, type Schedule } from '../topology/schedule/index.js';
import { spectralGap } from '../topology/spectral.js';
import { createLayout, initParams } from '../model/layout.js';
import { createOptimizer } from '../model/optimizer.js';
import type { Dataset, MixingMatrix, ModelSpec, Partition, Topology } from '../types.js';
import { createPipeline } from '../step/pipeline.js';
import { createSharedState, toShared, type SharedState, type TrainSettings } from './shared-state.js';

export interface World {
  config: ExperimentConfig;
  dataset: Dataset;
  topology: Topology;
  mixing: MixingMatrix;
  /** graph and mixing matrix of each round (static: always topology and mixing) */
  schedule: Schedule;
  spectral: { slem: number; gap: number; exact: boolean };
  components: number[];
  partition: Partition;
  labelCounts: Int32Array;
  model: ModelSpec;
  state: SharedState;
  settings: TrainSettings;
  testN: number;
  /** evaluated peers: all honest peers, or a seeded sample of them (eval.peers) */
  evalPeers: number[];
  /** the adversarial peers (ascending; empty without adversaries) and the honest ones */
  adversaries: number[];
  honest: number[];
  /** with data.clusters: each peer's cluster */
  cluster?: Int32Array;
}

export function loadDataset(config: ExperimentConfig): Dataset {
  return loadDatasetOf(config.data.dataset, config.seed);
}

export { modelSpecOf };

export function createWorld(config: ExperimentConfig, backend: TrainSettings['backend'], opts: { simdExchange?: boolean } = {}): World {
  const seed = config.seed;
  const n = config.peers;
  const dataset = loadDataset(config);
  const topology = createTopology(config.topology, n, createRng(seed, 'topology'));
  const mixingFor = (t: Topology) => createMixing(t, t.directed ? 'column-stochastic' : config.mixing);
  const mixing = mixingFor(topology);
  const schedule = createSchedule(config.topology.schedule ?? DEFAULT_SCHEDULE, {
    topology, mixing, topologyRandom: topologyOf(config.topology.kind).random === true, seed, mixingFor,
    draw: (rng) => createTopology(config.topology, n, rng),
  });
  const plan = config.adversaries ? createAdversaryPlan(config.adversaries, topology, mixing, seed) : undefined;
  const issues = graphIssues(config, schedule.timeVarying ? undefined : topology, schedule.at(1).mixing, plan?.mask);
  if (issues.length > 0) throw new ConfigError(issues);
  // one matrix's spectral gap describes a run only when the graph never changes
  const spectral = topology.directed || schedule.timeVarying ? { slem: NaN, gap: NaN, exact: false } : spectralGap(mixing);
  const testN = Math.min(config.eval.testExamples, dataset.test.n);
  // clusters transform each peer's data; plasticity's probes hold some of it out of training
  const shaped = shapeData(dataset, createPartition(
    dataset.train.y, dataset.classes, n, config.data.examplesPerPeer, config.data.partition, createRng(seed, 'partition'),
  ), testN, { clusters: config.data.clusters, holdout: probeHoldout(config), seed });
  const partition = shaped.partition;
  const model = modelSpecOf(config);
  const layout = createLayout(model);
  const settings: TrainSettings = {
    model,
    kernelPath: config.model.path,
    optimizer: config.train.optimizer,
    lr: config.train.lr,
    batchSize: config.train.batchSize,
    localSteps: config.train.localSteps,
    backend,
    seed,
    adversaries: plan,
    classes: dataset.classes,
    privacy: config.privacy,
    stages: config.train.stages,
    plugins: config.plugins,
  };
  // the local step's stages, built once here so a conflict or a stage's own refusal is a config error before anything runs
  createPipeline(settings, {
    dim: layout.total, features: dataset.features, classes: dataset.classes, peers: n,
    batchSize: settings.batchSize, localSteps: settings.localSteps, seed,
  });
  const optSlots = createOptimizer(config.train.optimizer, config.train.lr).slots;
  const base = createSharedState({
    peers: n, dim: layout.total, optSlots, features: dataset.features,
    trainSize: dataset.train.n, testSize: dataset.test.n,
    buffers: protocolOf(config.protocol.kind).needs.buffers, scalars: protocolOf(config.protocol.kind).needs.scalars,
    simdExchange: opts.simdExchange, extraRows: plan ? plan.links.length / 2 : 0,
  });
  const state: SharedState = {
    ...base,
    order: toShared(Int32Array.from(partition.indices)),
    partOffsets: toShared(Int32Array.from(partition.offsets)),
    trainX: toShared(shaped.trainX),
    trainY: toShared(shaped.trainY),
    testX: toShared(shaped.testX),
    testY: toShared(shaped.testY),
    cluster: shaped.cluster && toShared(shaped.cluster),
    plastic: createPlasticShared(config, layout.total, shaped.probe),
  };
  initialiseParams(config, layout, model, state);
  for (let p = 0; p < n; p++) {
    seedState(deriveSeed(seed, 'batch', p), state.rngState, p * 4);
    // start "past the end" so the first step shuffles the peer's shard
    state.cursor[p] = partition.offsets[p + 1] - partition.offsets[p];
  }
  return {
    config, dataset, topology, mixing, schedule,
    spectral,
    components: components(topology),
    partition,
    labelCounts: labelHistogram(shaped.trainY, partition, dataset.classes),
    model, state, settings, testN,
    evalPeers: chooseEvalPeers(config, plan?.mask),
    adversaries: plan?.peers ?? [],
    honest: Array.from({ length: n }, (_, i) => i).filter((i) => !plan?.mask[i]),
    cluster: shaped.cluster,
  };
}

/** What the protocol (static graphs) and the aggregation rule (round 1's graph) say of the built graph. */
function graphIssues(config: ExperimentConfig, t: Topology | undefined, firstMixing: MixingMatrix, adversarial?: Uint8Array): string[] {
  const d = protocolOf(config.protocol.kind);
  // the registry pairs each kind with its own spec
  const own = t ? (d.graphIssues?.(config.protocol as never, t) ?? []) : [];
  return [...own, ...aggregationIssues(config.aggregation, firstMixing, adversarial)];
}

function initialiseParams(config: ExperimentConfig, layout: ReturnType<typeof createLayout>, model: ModelSpec, state: SharedState): void {
  const { dim, peers } = state;
  const params = state.params[0];
  if (config.model.init === 'shared') {
    const row = params.subarray(0, dim);
    initParams(layout, model, row, createRng(config.seed, 'init'));
    for (let p = 1; p < peers; p++) params.copyWithin(p * dim, 0, dim);
  } else {
    for (let p = 0; p < peers; p++) {
      initParams(layout, model, params.subarray(p * dim, (p + 1) * dim), createRng(config.seed, 'init', p));
    }
  }
}

/** All honest peers, or a seeded sample of eval.peers of them fixed for the whole run (sorted). */
function chooseEvalPeers(config: ExperimentConfig, adversarial?: Uint8Array): number[] {
  const all = Array.from({ length: config.peers }, (_, i) => i).filter((i) => !adversarial?.[i]);
  const k = config.eval.peers;
  if (k === undefined || k >= all.length) return all;
  return createRng(config.seed, 'eval-peers').shuffle(all).slice(0, k).sort((a, b) => a - b);
}
