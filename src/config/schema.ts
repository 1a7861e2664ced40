// The experiment config contract: one zod schema, strict everywhere so unknown keys are caught.
// Shorthands (`topology: complete`, `optimizer: adam`, `dataset: mnist`) are normalised here.
import { z } from 'zod';
import { aggregationSchema, DEFAULT_AGGREGATION } from '../aggregation/index.js';
import { adversariesSchema } from '../adversary/index.js';
import { DEFAULT_PROTOCOL, protocolSchema } from '../protocol/index.js';
import { namedKind } from './kinds.js';
import { DEFAULT_MODEL, modelKindSchema } from '../model/registry.js';
import { DEFAULT_PARTITION, partitionSchema } from '../data/partition/index.js';
import { clustersSchema } from '../data/clusters.js';
import { DEFAULT_DATASET, datasetSchema } from '../data/datasets.js';
import { plasticitySchema } from '../plasticity/schema.js';
import { privacySchema } from '../privacy/schema.js';
import { stageSchema } from '../step/index.js';
import { metricsSchema } from '../metrics/index.js';
import { optimizerSchema } from '../model/optimizer-schema.js';
import { DEFAULT_TOPOLOGY, topologySchema } from '../topology/index.js';
import { scheduleSchema } from '../topology/schedule/index.js';

export { scheduleSchema, topologySchema };

const int = (min: number) => z.number().int().min(min);
const prob = z.number().min(0).max(1);

const distributionSchema = namedKind(
  ['constant', 'uniform', 'lognormal', 'exponential'],
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('constant') }).strict(),
    z.object({ kind: z.literal('uniform'), spread: z.number().min(0).lt(1) }).strict(),
    z.object({ kind: z.literal('lognormal'), sigma: z.number().min(0) }).strict(),
    z.object({ kind: z.literal('exponential') }).strict(),
  ]),
);

const asyncFields = {
  /** mean wake interval of a peer of speed 1, in virtual time units */
  period: z.number().gt(0).default(1),
  /** per-peer speed factor, drawn once per peer; wake interval = period / speed */
  speed: distributionSchema.default({ kind: 'constant' }),
  /** a seeded fraction of peers runs `slowdown` times slower */
  stragglers: z.object({ fraction: prob, slowdown: z.number().min(1) }).strict().optional(),
  /** poisson: exponential wake intervals (independent clocks); fixed: exactly the period */
  clock: z.enum(['poisson', 'fixed']).default('poisson'),
  /** per-message latency in virtual time units */
  latency: z.number().min(0).default(0),
  /** per-link latency factor ~ U[1 - spread, 1 + spread], drawn once per directed link */
  latencySpread: z.number().min(0).lt(1).default(0),
  /** bytes per virtual time unit on every link; absent = unlimited */
  bandwidth: z.number().gt(0).optional(),
  /** probability that a message is lost */
  drop: z.number().default(0),
  /** on/off churn: online and offline spells ~ exponential with these means */
  churn: z.object({ meanOnline: z.number().gt(0), meanOffline: z.number().gt(0) }).strict().optional(),
};

const timeObject = z.object({ mode: z.enum(['sync', 'async']).default('sync'), ...asyncFields }).strict();
type TimeObject = z.output<typeof timeObject>;

/** Synchronous rounds (default) or the event-driven virtual clock (async). */
const timeSchema = z.preprocess((v, ctx) => {
  if (v === 'sync' || v === 'async') return { mode: v };
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (o.mode === undefined || o.mode === 'sync') {
      for (const key of Object.keys(o)) {
        if (key !== 'mode' && key in asyncFields) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: 'only used with time.mode: async; remove it or set mode: async' });
        }
      }
    }
  }
  return v;
}, timeObject.transform((t): SyncTime | AsyncTime => (t.mode === 'sync' ? { mode: 'sync' } : { ...t, mode: 'async' })));

export interface SyncTime {
  mode: 'sync';
}
export type AsyncTime = Omit<TimeObject, 'mode'> & { mode: 'async' };

export const configSchema = z
  .object({
    name: z.string().min(1).regex(/^[\w.-]+$/, 'use letters, digits, ".", "_" or "-"'),
    /** plug-in files (relative to the config file; .ts, .mts, .js, .mjs) or installed packages; absolute paths once resolved */
    plugins: z.array(z.string().min(1)).default([]),
    seed: int(0).default(0),
    peers: int(1),
    rounds: int(1),
    topology: topologySchema.default(DEFAULT_TOPOLOGY),
    mixing: z.enum(['metropolis', 'lazy-metropolis', 'uniform']).default('metropolis'),
    data: z
      .object({
        dataset: datasetSchema.default(DEFAULT_DATASET),
        examplesPerPeer: int(1),
        partition: partitionSchema.default(DEFAULT_PARTITION),
        /** peers dealt into clusters, each seeing the data through its own transform */
        clusters: clustersSchema.optional(),
      })
      .strict(),
    model: z
      .object({
        kind: modelKindSchema.default(DEFAULT_MODEL),
        hidden: z.array(int(1)).optional(),
        /** cnn: convolutional blocks (valid, stride 1, then max-pooling by pool; 1 = none) [LeNet-5: 6 and 16 filters of 5x5, pool 2] */
        conv: z.array(z.object({ filters: int(1), kernel: int(1), pool: int(1).default(1) }).strict()).min(1).optional(),
        /** cnn: dense layers after the convolutions [120, 84] */
        dense: z.array(int(1)).optional(),
        /** cnn: hidden activation [relu] */
        activation: z.enum(['relu', 'tanh']).optional(),
        init: z.enum(['shared', 'independent']).default('shared'),
        path: z.enum(['fast', 'tfjs', 'layers']).default('fast'),
      })
      .strict()
      .default({}),
    train: z
      .object({
        optimizer: optimizerSchema.default({ kind: 'sgd' }),
        lr: z.number().min(0).default(0.1),
        batchSize: int(1).default(32),
        localSteps: int(1).default(1),
        /** stages added to every local step (src/step/: a gradient transform, a batch rewrite...), in order */
        stages: z.array(stageSchema).default([]),
      })
      .strict()
      .default({}),
    protocol: protocolSchema.default(DEFAULT_PROTOCOL),
    /** how a peer combines the rows it hears in protocols that mix (needs.aggregation) */
    aggregation: aggregationSchema.default(DEFAULT_AGGREGATION),
    time: timeSchema.default({ mode: 'sync' }),
    /** metrics to add to each round's line (metrics.jsonl) and peers.jsonl, built-in or from plug-ins (src/metrics/) */
    metrics: metricsSchema,
    /** hostile peers: who they are, their attack and the round they start */
    adversaries: adversariesSchema.optional(),
    /** plastic connections: in-link strengths and a rewiring rule (src/plasticity/) */
    plasticity: plasticitySchema.optional(),
    /** differential privacy: DP-SGD with per-example clipping and Gaussian noise on every peer, and its accountant (src/privacy/); null = none (a sweep's baseline) */
    privacy: privacySchema.nullish().transform((v) => v ?? undefined),
    eval: z
      .object({
        every: int(1).default(50),
        testExamples: int(1).default(10000),
        peers: int(1).optional(),
        /** also evaluate the initial models, as round 0 */
        atStart: z.boolean().default(false),
        /** also evaluate the average model (the mean of the peers' rows), as the ClippedGossip paper reports it */
        averageModel: z.boolean().default(false),
        /** also run a loss-threshold membership inference attack on every evaluated peer's model (miaAuc) */
        privacy: z.boolean().default(false),
      })
      .strict()
      .default({}),
  })
  .strict();

export type ExperimentConfig = z.output<typeof configSchema>;
export type ExperimentInput = z.input<typeof configSchema>;
export type TopologyConfig = ExperimentConfig['topology'];
export type DatasetConfig = ExperimentConfig['data']['dataset'];
export type PartitionConfig = ExperimentConfig['data']['partition'];
export type OptimizerConfig = ExperimentConfig['train']['optimizer'];
export type { ProtocolConfig } from '../protocol/index.js';
export type { AggregationSpec as AggregationConfig } from '../aggregation/index.js';
export type ScheduleConfig = ExperimentConfig['topology']['schedule'];
export type { CompressionSpec as CompressionConfig } from '../protocol/compression/index.js';
export type { AdversariesConfig, AttackSpec as AttackConfig } from '../adversary/index.js';
export type TimeConfig = ExperimentConfig['time'];
export type AsyncTimeConfig = AsyncTime;
export type DistributionConfig = AsyncTime['speed'];
