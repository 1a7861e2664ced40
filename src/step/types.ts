// One interface for what a feature adds to a peer's local step: the step is a pipeline of stages
// (sample a batch -> rewrite the batch -> compute the gradient -> transform the gradient ->
// optimizer), and DP, data poisoning and plug-ins each contribute stages instead of engine code.
import type { z } from 'zod';
import type { StepKernel } from '../model/kernel.js';
import type { KindSchema } from '../protocol/types.js';
import type { Rng } from '../rng.js';

/**
 * Where a stage runs in each local step:
 * - 'sample': chooses the batch (sets env.indices, env.offset, env.size); one per pipeline
 * - 'batch': rewrites the drawn batch in place (env.x, env.y over env.size examples): poisoning, triggers
 * - 'gradient': computes env.grad (the gradient of the batch's mean loss) and env.loss; one per pipeline
 * - 'transform': rewrites env.grad in place before the optimizer (noise, clipping, compression)
 */
export type StageAt = 'sample' | 'batch' | 'gradient' | 'transform';

/**
 * What a stage sees: one object per thread, its fields set by the host before each step. Arrays
 * are views into shared or per-thread memory: write only what your stage's `at` says it writes.
 */
export interface StepEnv {
  /** parameters per row, input features per example, label classes, peers, train.batchSize, the run's seed */
  readonly dim: number;
  readonly features: number;
  readonly classes: number;
  readonly peers: number;
  readonly batchSize: number;
  readonly seed: number;
  /** the model's kernel: gradient(params, x, y, batch, grad), evaluate(...) */
  readonly kernel: StepKernel;
  /** the peer stepping, the round, the local step within the round (0-based) */
  peer: number;
  round: number;
  step: number;
  /** this peer attacks at this round (an adversary, from adversaries.start) */
  adversarial: boolean;
  /**
   * the peer's own sampling stream (saved in checkpoints): every draw from it shifts the peer's later
   * batches; a stage that wants its own randomness derives a stream with createRng(seed, 'my-stage', peer, round, step)
   */
  rng: Rng;
  /** the peer's parameter row (read it; the optimizer writes it) */
  row: Float32Array;
  /** the peer's examples are order[shardStart, shardStart + shardSize), reshuffled in place by the default sampler */
  readonly order: Int32Array;
  shardStart: number;
  shardSize: number;
  /** per-peer position in its shuffled order (shared across threads) */
  readonly cursor: Int32Array;
  /** the batch: example ids indices[offset, offset + size) (set by the 'sample' stage) */
  indices: Int32Array;
  offset: number;
  size: number;
  /** the batch's inputs (size x features, row-major) and labels (size), copied from the training set */
  x: Float32Array;
  y: Uint8Array;
  /** the gradient ('gradient' writes it, 'transform' rewrites it) and the batch's mean loss */
  grad: Float32Array;
  loss: number;
  /** per-thread scratch arrays by name (contents undefined; reused across steps: allocate nothing per step) */
  scratch(name: string, length: number): Float32Array;
  scratch64(name: string, length: number): Float64Array;
  scratchI32(name: string, length: number): Int32Array;
}

/** What a stage is created with, once per thread. */
export interface StageInfo {
  readonly dim: number;
  readonly features: number;
  readonly classes: number;
  readonly peers: number;
  readonly batchSize: number;
  readonly localSteps: number;
  readonly seed: number;
}

/** A stage's work in one local step of one peer. */
export type StageStep = (env: StepEnv) => void;

export interface Stage<S extends KindSchema = KindSchema> {
  readonly kind: z.output<S>['kind'];
  readonly schema: S;
  /** one line for help texts */
  readonly summary: string;
  readonly at: StageAt;
  /** 'sample' stages: the most examples a batch can hold, the train.batchSize ('batch', default) or the whole shard */
  readonly upTo?: 'batch' | 'shard';
  /** Builds the step from the spec, once per thread (work out constants here, not per step). */
  create(spec: z.output<S>, info: StageInfo): StageStep;
}

export function defineStage<S extends KindSchema>(s: Stage<S>): Stage<S> {
  return s;
}
