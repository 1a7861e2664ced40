// The identity: every coordinate as a float32.
import type { Compressor } from './types.js';

export function noCompression(): Compressor {
  return {
    kind: 'none',
    bytes: (dim) => dim * 4,
    compress(v, out) {
      out.set(v);
    },
  };
}
