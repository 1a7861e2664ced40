// The compression registry: spec -> operator.
import { noCompression } from './none.js';
import { qsgd } from './qsgd.js';
import { randomK } from './random-k.js';
import { topK } from './top-k.js';
import type { CompressionSpec, Compressor } from './types.js';

export function createCompressor(spec: CompressionSpec): Compressor {
  switch (spec.kind) {
    case 'none':
      return noCompression();
    case 'top-k':
      return topK(spec.fraction);
    case 'random-k':
      return randomK(spec.fraction);
    case 'qsgd':
      return qsgd(spec.levels);
  }
}

export { kthLargest } from './top-k.js';
export { keptCount, type CompressionScratch, type CompressionSpec, type Compressor } from './types.js';
