// The identity: every coordinate as a float32.
import { z } from 'zod';
import { defineCompression, type Compressor } from './types.js';

export function noCompression(): Compressor {
  return {
    kind: 'none',
    bytes: (dim) => dim * 4,
    compress(v, out) {
      out.set(v);
    },
  };
}

export const none = defineCompression({
  kind: 'none',
  schema: z.object({ kind: z.literal('none') }).strict(),
  summary: 'every coordinate as a float32',
  create: () => noCompression(),
});
