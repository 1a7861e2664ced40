// The compression registry: the list of operator modules. Their schemas make the config's
// `compression` union, and its type is derived from it.
import type { z } from 'zod';
import { unionOfKinds } from '../../config/kinds.js';
import { none } from './none.js';
import { qsgdOperator } from './qsgd.js';
import { randomKOperator } from './random-k.js';
import { topKOperator } from './top-k.js';
import type { CompressionDescriptor, Compressor } from './types.js';

export const compressionOperators = [none, topKOperator, randomKOperator, qsgdOperator] as const;

export const compressionSchema = unionOfKinds(compressionOperators);
export type CompressionSpec = z.output<typeof compressionSchema>;

export function createCompressor(spec: CompressionSpec): Compressor {
  const op = compressionOperators.find((o) => o.kind === spec.kind) as CompressionDescriptor | undefined;
  if (!op) throw new RangeError(`createCompressor: unknown compression '${(spec as { kind: unknown }).kind}'`);
  return op.create(spec);
}

export { kthLargest } from './top-k.js';
export { keptCount, type CompressionScratch, type Compressor } from './types.js';
