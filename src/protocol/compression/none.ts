// The identity: every coordinate as a float32.
import { z } from 'zod';
import { checkPayload, defineCompression, type Compressor } from './types.js';

export function noCompression(): Compressor {
  return {
    kind: 'none',
    bytes: (dim) => dim * 4,
    compress(v, out) {
      out.set(v);
    },
    encode(v, out) {
      out.set(v);
      return new Uint8Array(v.slice().buffer);
    },
    decode(payload, out) {
      checkPayload('none', payload, out.length * 4);
      out.set(new Float32Array(new Uint8Array(payload).buffer));
    },
  };
}

export const none = defineCompression({
  kind: 'none',
  schema: z.object({ kind: z.literal('none') }).strict(),
  summary: 'every coordinate as a float32',
  create: () => noCompression(),
  identity: true,
});
