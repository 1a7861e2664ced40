// Plexus as a library: load and validate a config, create and run an engine, listen to its
// events, and the types of what a run writes. Benchmark scripts and notebooks start here.
import type { ExperimentConfig } from './config/schema.js';
import { Engine, type EngineOptions } from './engine/engine.js';
import type { EngineEvents, RunSummary } from './run-format/index.js';

export { loadConfig, loadConfigFile, loadConfigPlugins, parseConfigText, resolveConfig, type ResolveOptions } from './config/resolve.js';
export type { ExperimentConfig, ExperimentInput } from './config/schema.js';
export { Engine, type EngineOptions } from './engine/engine.js';
export type * from './run-format/index.js';
export { RUN_FILES } from './run-format/index.js';
export { protocols, type ProtocolConfig, type ProtocolDescriptor } from './protocol/index.js';
export { aggregationRules, type AggregationSpec } from './aggregation/index.js';
export { ConfigError, DataError, DivergenceError, PlexusError, TopologyError, WorkerError } from './errors.js';

// Writing a plug-in: the same define* helpers and types the built-in kinds use, and the zod they
// are checked with (a plug-in must build its schema with this z, not a copy of its own).
export { z } from 'zod';
export { definePlugin, PluginError, type LoadedPlugin, type PluginDefinition } from './config/plugins.js';
export {
  aggregationRegistry, defineAggregation, definePeerAggregation,
  type AggregationEnv, type AggregationRule, type PairwiseMerge, type PeerAggregation, type PeerNeighbourhood,
} from './aggregation/index.js';
export { attackRegistry, defineAttack, honestEntries, rowStats, type Attack, type CraftEnv } from './adversary/index.js';
export {
  defineAsyncProtocol, defineProtocol, protocolRegistry, trafficOf,
  type AsyncContext, type AsyncMessage, type AsyncOps, type AsyncProtocol, type AsyncProtocolDescriptor, type Protocol,
  type ProtocolContext, type ProtocolNeeds, type RoundOps, type RowEnv, type RowOp, type SyncProtocolDescriptor, type Traffic,
} from './protocol/index.js';
export {
  defineTopology, topologyRegistry, type CreateTopologyOptions, type TopologyDescriptor,
} from './topology/index.js';
export {
  definePartition, partitionRegistry, type PartitionDescriptor, type PartitionIssue, type PartitionRequest,
} from './data/partition/index.js';
export {
  datasetRegistry, defineDataset, type DatasetDescriptor, type DatasetInfo, type DatasetMemory, type DatasetMemoryContext,
} from './data/datasets.js';
export type { Dataset } from './types.js';
export { defineModel, modelRegistry, type ModelConfig, type ModelDescriptor } from './model/registry.js';
export type { ModelSpec } from './types.js';
export { compressionRegistry, defineCompression, type CompressionDescriptor, type Compressor } from './protocol/compression/index.js';
export { defineStage, stageRegistry, type Stage, type StageAt, type StageInfo, type StageStep, type StepEnv } from './step/index.js';
export { defineMetric, metricRegistry, type Metric, type MetricContext, type MetricValues } from './metrics/index.js';
export { createRng, deriveSeed, Rng } from './rng.js';
export type { MixingMatrix, Topology } from './types.js';

export type Listeners = { [E in keyof EngineEvents]?: (payload: EngineEvents[E]) => void };

export interface RunOptions extends EngineOptions {
  /** listeners attached before the run starts */
  on?: Listeners;
  /** stops the run after the current round when aborted */
  signal?: AbortSignal;
}

/** Creates an engine for a resolved config, runs it to the end (or until aborted) and closes it. */
export async function runExperiment(config: ExperimentConfig, opts: RunOptions = {}): Promise<RunSummary> {
  const { on = {}, signal, ...engineOptions } = opts;
  const engine = await Engine.create(config, engineOptions);
  const stop = () => engine.abort();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    for (const [event, listener] of Object.entries(on)) {
      if (listener) engine.on(event as keyof EngineEvents, listener as never);
    }
    if (signal?.aborted) engine.abort();
    return await engine.run();
  } finally {
    signal?.removeEventListener('abort', stop);
    await engine.close();
  }
}
