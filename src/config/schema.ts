// The experiment config contract: one zod schema, strict everywhere so unknown keys are caught.
// Shorthands (`topology: complete`, `optimizer: adam`, `dataset: mnist`) are normalised here.
import { z } from 'zod';
import { didYouMean } from './did-you-mean.js';

const int = (min: number) => z.number().int().min(min);
const prob = z.number().min(0).max(1);

/** Accepts `kind` alone as a string shorthand for `{ kind }`. */
function kindOrObject<T extends z.ZodTypeAny>(kinds: readonly string[], schema: T) {
  return z.preprocess((v) => (typeof v === 'string' && kinds.includes(v) ? { kind: v } : v), schema);
}

/** Like kindOrObject, and an unknown string gets a "did you mean" instead of "expected object". */
function namedKind<T extends z.ZodTypeAny>(kinds: readonly string[], schema: T) {
  return z.preprocess((v, ctx) => {
    if (typeof v !== 'string') return v;
    if (kinds.includes(v)) return { kind: v };
    const hint = didYouMean(v, [...kinds]);
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `${JSON.stringify(v)} is not allowed${hint ? ` (did you mean '${hint}'?)` : ''}; use one of ${kinds.join(' | ')}`,
    });
    return z.NEVER;
  }, schema);
}

const topologyKinds = [
  'complete', 'ring', 'torus', 'erdos-renyi', 'watts-strogatz', 'barabasi-albert', 'star', 'file',
  'directed-ring', 'directed-exponential',
] as const;

/** How the graph changes over rounds; see src/topology/schedule/. */
export const scheduleSchema = namedKind(
  ['static', 'random-matching', 'one-peer-exponential', 'resample'],
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('static') }).strict(),
    z.object({ kind: z.literal('random-matching') }).strict(),
    z.object({ kind: z.literal('one-peer-exponential') }).strict(),
    z.object({ kind: z.literal('resample'), every: int(1) }).strict(),
  ]),
);

/** absent means static, so configs without a schedule resolve exactly as before */
const schedule = { schedule: scheduleSchema.optional() };

export const topologySchema = kindOrObject(
  topologyKinds,
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('complete'), ...schedule }).strict(),
    z.object({ kind: z.literal('ring'), k: int(1).default(1), ...schedule }).strict(),
    z.object({ kind: z.literal('torus'), rows: int(1), cols: int(1), ...schedule }).strict(),
    z.object({ kind: z.literal('erdos-renyi'), p: prob, ...schedule }).strict(),
    z.object({ kind: z.literal('watts-strogatz'), k: int(1), beta: prob, ...schedule }).strict(),
    z.object({ kind: z.literal('barabasi-albert'), m: int(1), ...schedule }).strict(),
    z.object({ kind: z.literal('star'), ...schedule }).strict(),
    z.object({ kind: z.literal('file'), path: z.string().min(1), directed: z.boolean().default(false), ...schedule }).strict(),
    z.object({ kind: z.literal('directed-ring'), ...schedule }).strict(),
    z.object({ kind: z.literal('directed-exponential'), ...schedule }).strict(),
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

// Ranges of numbers that need a message naming what they mean are checked in checks.ts.
const compressionSchema = namedKind(
  ['none', 'top-k', 'random-k', 'qsgd'],
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('none') }).strict(),
    z.object({ kind: z.literal('top-k'), fraction: z.number() }).strict(),
    z.object({ kind: z.literal('random-k'), fraction: z.number() }).strict(),
    z.object({ kind: z.literal('qsgd'), levels: z.number() }).strict(),
  ]),
);

const protocolSchema = kindOrObject(
  ['dpsgd', 'local', 'fedavg', 'push-sum', 'choco', 'gossip-learning'],
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('dpsgd') }).strict(),
    z.object({ kind: z.literal('local') }).strict(),
    z.object({ kind: z.literal('fedavg'), fraction: z.number().gt(0).max(1).default(1) }).strict(),
    z.object({
      kind: z.literal('push-sum'),
      /** false: receivers average what they get, ignoring push-sum weights (the biased baseline) */
      debias: z.boolean().default(true),
    }).strict(),
    z.object({
      kind: z.literal('choco'),
      compression: compressionSchema.default({ kind: 'none' }),
      /** consensus step size */
      gamma: z.number().default(1),
    }).strict(),
    z.object({
      kind: z.literal('gossip-learning'),
      variant: z.enum(['push', 'pull', 'push-pull']).default('push'),
    }).strict(),
  ]),
);

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
      })
      .strict()
      .default({}),
    protocol: protocolSchema.default({ kind: 'dpsgd' }),
    time: timeSchema.default({ mode: 'sync' }),
    eval: z
      .object({
        every: int(1).default(50),
        testExamples: int(1).default(10000),
        peers: int(1).optional(),
        /** also evaluate the initial models, as round 0 */
        atStart: z.boolean().default(false),
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
export type ScheduleConfig = ExperimentConfig['topology']['schedule'];
export type CompressionConfig = Extract<ProtocolConfig, { kind: 'choco' }>['compression'];
export type TimeConfig = ExperimentConfig['time'];
export type AsyncTimeConfig = AsyncTime;
export type DistributionConfig = AsyncTime['speed'];
