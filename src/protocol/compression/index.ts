// The compression registry: the list of operator modules. Their schemas make the config's
// `compression` union, and its type is derived from it.
import type { z } from 'zod';
import { unionOfKinds } from '../../config/kinds.js';
import { KindRegistry } from '../../config/registry.js';
import { none } from './none.js';
import { qsgdOperator } from './qsgd.js';
import { randomKOperator } from './random-k.js';
import { topKOperator } from './top-k.js';
import type { CompressionDescriptor, Compressor } from './types.js';

export const compressionOperators = [none, topKOperator, randomKOperator, qsgdOperator] as const;

const builtInSchema = unionOfKinds(compressionOperators);
/** The built-ins and the operators plug-ins add. */
export const compressionRegistry = new KindRegistry<CompressionDescriptor>('compression', 'compressions', compressionOperators as readonly CompressionDescriptor[]);
export const compressionSchema = compressionRegistry.lazySchema<typeof builtInSchema>();
export type CompressionSpec = z.output<typeof builtInSchema>;

/** The operator of a config that names none: the identity. */
export const DEFAULT_COMPRESSION: CompressionSpec = { kind: none.kind };

/** Whether the operator sends every coordinate as it is. */
export function isIdentity(spec: CompressionSpec): boolean {
  return compressionRegistry.get(spec.kind).identity === true;
}

export function createCompressor(spec: CompressionSpec): Compressor {
  return compressionRegistry.get(spec.kind).create(spec);
}

export { kthLargest } from './top-k.js';
export { keptCount, type CompressionScratch, type Compressor } from './types.js';
export { defineCompression, type CompressionDescriptor } from './types.js';
