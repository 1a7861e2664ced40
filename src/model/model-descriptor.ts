// What a model kind is at the config level: the model.* fields it takes, the kernel spec (layout,
// layers) it becomes for a dataset, its defaults, checks and one-line description. The kernel
// itself (src/model/kernel.ts) runs the layer stacks a ModelSpec describes.
import type { z } from 'zod';
import type { DatasetInfo } from '../data/idx-dataset.js';
import type { ConvSpec, ModelSpec } from '../types.js';

/** The model section of a config, as far as a model kind reads it. */
export interface ModelConfig {
  kind: string;
  hidden?: number[];
  conv?: ConvSpec[];
  dense?: number[];
  activation?: 'relu' | 'tanh';
}

export interface ModelDescriptor<S extends z.ZodDiscriminatedUnionOption<'kind'> = z.ZodDiscriminatedUnionOption<'kind'>, K extends string = string> {
  readonly kind: K;
  /** `{ kind: literal, ...the model.* fields it takes }` (init and path are every model's) */
  readonly schema: S;
  readonly summary: string;
  /** The kernel's spec for a dataset of these sizes: layer sizes, convolutions, activation. */
  spec(m: ModelConfig, sizes: DatasetInfo): ModelSpec;
  /** Fills the model's defaults into the resolved config, in place. */
  resolve(m: ModelConfig): void;
  /** What the dataset or the fields cannot give this model ("field: what; what to do"). */
  check?(m: ModelConfig, sizes: DatasetInfo): string[];
  /** A short label for the set-up line. */
  describe(m: ModelConfig): string;
  /** The config fields that size its parameters, for the memory estimate. */
  readonly sizeFields: string;
  /** Per-batch scratch of a convolutional kernel (the memory estimate plans it). */
  readonly convScratch?: boolean;
}

export function defineModel<S extends z.ZodDiscriminatedUnionOption<'kind'>, K extends string>(d: ModelDescriptor<S, K>): ModelDescriptor<S, K> {
  return d;
}
