// The config schema of optimizers, with their defaults: the one place they are declared
// (src/model/optimizer.ts reads its types and defaults from here).
import { z } from 'zod';
import { taggedUnion } from '../config/kinds.js';

export const MOMENTUM_DEFAULTS = { beta: 0.9 } as const;
export const ADAM_DEFAULTS = { beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;

const options = [
  z.object({ kind: z.literal('sgd') }).strict(),
  z.object({ kind: z.literal('momentum'), beta: z.number().min(0).lt(1).default(MOMENTUM_DEFAULTS.beta) }).strict(),
  z.object({
    kind: z.literal('adam'),
    beta1: z.number().min(0).lt(1).default(ADAM_DEFAULTS.beta1),
    beta2: z.number().min(0).lt(1).default(ADAM_DEFAULTS.beta2),
    eps: z.number().positive().default(ADAM_DEFAULTS.eps),
  }).strict(),
] as const;

export const optimizerSchema = taggedUnion([...options]);
/** A resolved optimizer config: every default filled in. */
export type OptimizerConfig = z.output<typeof optimizerSchema>;
/** An optimizer as code may give it: fields with defaults may be left out. */
export type OptimizerSpec = z.input<(typeof options)[number]>;

