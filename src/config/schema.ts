// The experiment config contract: one zod schema, strict everywhere so unknown keys are caught.
// Shorthands (`topology: complete`, `optimizer: adam`, `dataset: mnist`) are normalised here.
import { z } from 'zod';

const int = (min: number) => z.number().int().min(min);
const prob = z.number().min(0).max(1);

/** Accepts `kind` alone as a string shorthand for `{ kind }`. */
function kindOrObject<T extends z.ZodTypeAny>(kinds: readonly string[], schema: T) {
  return z.preprocess((v) => (typeof v === 'string' && kinds.includes(v) ? { kind: v } : v), schema);
}

const topologyKinds = [
  'complete', 'ring', 'torus', 'erdos-renyi', 'watts-strogatz', 'barabasi-albert', 'star', 'file',
  'directed-ring', 'directed-exponential',
] as const;

export const topologySchema = kindOrObject(
  topologyKinds,
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('complete') }).strict(),
    z.object({ kind: z.literal('ring'), k: int(1).default(1) }).strict(),
    z.object({ kind: z.literal('torus'), rows: int(1), cols: int(1) }).strict(),
    z.object({ kind: z.literal('erdos-renyi'), p: prob }).strict(),
    z.object({ kind: z.literal('watts-strogatz'), k: int(1), beta: prob }).strict(),
    z.object({ kind: z.literal('barabasi-albert'), m: int(1) }).strict(),
    z.object({ kind: z.literal('star') }).strict(),
    z.object({ kind: z.literal('file'), path: z.string().min(1), directed: z.boolean().default(false) }).strict(),
    z.object({ kind: z.literal('directed-ring') }).strict(),
    z.object({ kind: z.literal('directed-exponential') }).strict(),
  ]),
);

const datasetSchema = kindOrObject(
  ['mnist', 'blobs'],
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('mnist') }).strict(),
    z.object({
      kind: z.literal('blobs'),
      classes: int(2).default(10),
      features: int(1).default(32),
      trainSize: int(1).default(60000),
      testSize: int(1).default(10000),
      separation: z.number().positive().default(3),
    }).strict(),
  ]),
);

const partitionSchema = kindOrObject(
  ['iid', 'dirichlet', 'shards'],
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('iid') }).strict(),
    z.object({ kind: z.literal('dirichlet'), alpha: z.number().gt(0) }).strict(),
    z.object({ kind: z.literal('shards'), perPeer: int(1) }).strict(),
  ]),
);

const optimizerSchema = kindOrObject(
  ['sgd', 'momentum', 'adam'],
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('sgd') }).strict(),
    z.object({ kind: z.literal('momentum'), beta: z.number().min(0).lt(1).default(0.9) }).strict(),
    z.object({
      kind: z.literal('adam'),
      beta1: z.number().min(0).lt(1).default(0.9),
      beta2: z.number().min(0).lt(1).default(0.999),
      eps: z.number().positive().default(1e-8),
    }).strict(),
  ]),
);

const protocolSchema = kindOrObject(
  ['dpsgd', 'local', 'fedavg'],
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('dpsgd') }).strict(),
    z.object({ kind: z.literal('local') }).strict(),
    z.object({ kind: z.literal('fedavg'), fraction: z.number().gt(0).max(1).default(1) }).strict(),
  ]),
);

export const configSchema = z
  .object({
    name: z.string().min(1).regex(/^[\w.-]+$/, 'use letters, digits, ".", "_" or "-"'),
    seed: int(0).default(0),
    peers: int(1),
    rounds: int(1),
    topology: topologySchema.default({ kind: 'ring', k: 1 }),
    mixing: z.enum(['metropolis', 'uniform']).default('metropolis'),
    data: z
      .object({
        dataset: datasetSchema.default({ kind: 'mnist' }),
        examplesPerPeer: int(1),
        partition: partitionSchema.default({ kind: 'iid' }),
      })
      .strict(),
    model: z
      .object({
        kind: z.enum(['logistic', 'mlp']).default('mlp'),
        hidden: z.array(int(1)).optional(),
        init: z.enum(['shared', 'independent']).default('shared'),
        path: z.enum(['fast', 'layers']).default('fast'),
      })
      .strict()
      .default({}),
    train: z
      .object({
        optimizer: optimizerSchema.default({ kind: 'sgd' }),
        lr: z.number().min(0).default(0.1),
        batchSize: int(1).default(32),
        localSteps: int(1).default(1),
      })
      .strict()
      .default({}),
    protocol: protocolSchema.default({ kind: 'dpsgd' }),
    eval: z
      .object({
        every: int(1).default(50),
        testExamples: int(1).default(10000),
        peers: int(1).optional(),
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
export type ProtocolConfig = ExperimentConfig['protocol'];
