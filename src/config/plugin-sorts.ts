// The sorts of kind a plug-in can add, each with its registry and what an entry must carry beyond
// `kind`, `schema` and `summary` (which the registry checks for every sort).
import { aggregationRegistry } from '../aggregation/index.js';
import { attackRegistry } from '../adversary/index.js';
import { compressionRegistry } from '../protocol/compression/index.js';
import { protocolRegistry } from '../protocol/index.js';
import { topologyRegistry } from '../topology/index.js';
import { partitionRegistry } from '../data/partition/index.js';
import { datasetRegistry } from '../data/datasets.js';
import { modelRegistry } from '../model/registry.js';
import { metricFieldsProblem, metricRegistry } from '../metrics/index.js';
import { stageRegistry } from '../step/index.js';
import type { KindEntry, KindRegistry } from './registry.js';

interface PluginSort {
  registry: KindRegistry<KindEntry>;
  /** the define* helper that writes an entry */
  helper: string;
  /** what the entry lacks, or undefined */
  check(entry: unknown): string | undefined;
}

/** The first of `keys` given but not a function, as a message. */
const optionalFns = (e: unknown, keys: string[]) => {
  const bad = keys.find((k) => (e as Record<string, unknown>)[k] !== undefined && !isFn(e, k));
  return bad ? `${bad} must be a function when given` : undefined;
};
const isFn = (e: unknown, key: string) => typeof (e as Record<string, unknown> | null)?.[key] === 'function';

export const pluginSorts = {
  protocols: {
    registry: protocolRegistry as unknown as KindRegistry<KindEntry>,
    helper: 'defineProtocol',
    check: (e) => {
      const needs = (e as { needs?: { time?: unknown } } | null)?.needs;
      if (!needs || (needs.time !== 'sync' && needs.time !== 'async')) return "needs: say what it needs of the run ({ time: 'sync' | 'async', directed, timeVarying, aggregation })";
      if (!isFn(e, 'create')) return 'create(spec, ctx) must be a function returning the protocol';
      if (!isFn(e, 'messageBytes')) return 'messageBytes(spec, dim) must be a function';
      return undefined;
    },
  },
  aggregations: {
    registry: aggregationRegistry as unknown as KindRegistry<KindEntry>,
    helper: 'defineAggregation',
    check: (e) => (isFn(e, 'combine') ? undefined : 'combine(env, spec, w, src, dst, r0, r1) must be a function (or write it with definePeerAggregation)'),
  },
  attacks: {
    registry: attackRegistry as unknown as KindRegistry<KindEntry>,
    helper: 'defineAttack',
    check: (e) => (isFn(e, 'craft') || isFn(e, 'poison') ? undefined : 'give craft(spec, env, out) (crafted messages) or poison(spec, env) (its training batch), or both'),
  },
  compressions: {
    registry: compressionRegistry as unknown as KindRegistry<KindEntry>,
    helper: 'defineCompression',
    check: (e) => (isFn(e, 'create') ? undefined : 'create(spec) must be a function returning the compressor'),
  },
  topologies: {
    registry: topologyRegistry as unknown as KindRegistry<KindEntry>,
    helper: 'defineTopology',
    check: (e) => {
      if (!isFn(e, 'build')) return 'build(spec, n, rng, opts) must be a function returning the graph';
      return optionalFns(e, ['check', 'estimateLinks', 'maxDegree', 'buildBytes', 'withBaseDir']);
    },
  },
  partitions: {
    registry: partitionRegistry as unknown as KindRegistry<KindEntry>,
    helper: 'definePartition',
    check: (e) => (isFn(e, 'partition') ? undefined : 'partition(req, spec, rng) must be a function returning each peer\'s indices')
      ?? optionalFns(e, ['check', 'describe']),
  },
  datasets: {
    registry: datasetRegistry as unknown as KindRegistry<KindEntry>,
    helper: 'defineDataset',
    check: (e) => {
      for (const key of ['info', 'load', 'memory']) if (!isFn(e, key)) return `${key} must be a function (info(spec), load(spec, seed), memory(spec, sizes))`;
      const files = (e as { files?: unknown }).files;
      if (files !== undefined && !(Array.isArray(files) && files.every((p) => Array.isArray(p) && p.every((k) => typeof k === 'string')))) return "files must be a list of paths into the spec ([['train'], ['test']])";
      return undefined;
    },
  },
  // a model is a configuration of the built-in layer kernels: its spec() says which (dense layers,
  // convolutions) and their sizes; a model that brings its own kernel is not supported yet
  models: {
    registry: modelRegistry as unknown as KindRegistry<KindEntry>,
    helper: 'defineModel',
    check: (e) => {
      for (const key of ['spec', 'resolve', 'describe']) if (!isFn(e, key)) return `${key} must be a function (spec(m, sizes) returns the layer stack of the built-in kernels)`;
      if (typeof (e as { sizeFields?: unknown }).sizeFields !== 'string') return "sizeFields must name the fields that size its parameters ('peers, model.hidden')";
      return optionalFns(e, ['check']);
    },
  },
  stages: {
    registry: stageRegistry as unknown as KindRegistry<KindEntry>,
    helper: 'defineStage',
    check: (e) => {
      const at = (e as { at?: unknown } | null)?.at;
      if (at !== 'sample' && at !== 'batch' && at !== 'gradient' && at !== 'transform') return "at: say where it runs in the local step ('sample' | 'batch' | 'gradient' | 'transform')";
      return isFn(e, 'create') ? undefined : 'create(spec, info) must be a function returning the step (env) => void';
    },
  },
  metrics: {
    registry: metricRegistry as unknown as KindRegistry<KindEntry>,
    helper: 'defineMetric',
    check: (e) => metricFieldsProblem(e as never) ?? (isFn(e, 'measure') ? undefined : 'measure(spec, ctx) must be a function returning its fields'),
  },
} satisfies Record<string, PluginSort>;

export type PluginSortName = keyof typeof pluginSorts;
