// random-k sparsification: k coordinates chosen uniformly without replacement, unscaled (the
// biased but contractive form CHOCO-SGD uses). Indices follow from a seed both ends share, so
// only the k float32 values and a 4-byte seed go on the wire.
import { z } from 'zod';
import { defineCompression, fractionSchema, keptCount, type Compressor } from './types.js';

export function randomK(fraction: number): Compressor {
  return {
    kind: 'random-k',
    bytes: (dim) => keptCount(fraction, dim) * 4 + 4,
    compress(v, out, rng, scratch) {
      const dim = v.length;
      const k = keptCount(fraction, dim);
      out.fill(0);
      if (k >= dim) {
        out.set(v);
        return;
      }
      // rejection sampling over a mark array: cheap while k is a small share of dim; for large
      // shares, pick the coordinates to leave out instead
      const pickOut = k > dim / 2;
      const picks = pickOut ? dim - k : k;
      const mark = scratch.mark.subarray(0, dim);
      const r = rng();
      mark.fill(0);
      for (let n = 0; n < picks; ) {
        const i = r.int(dim);
        if (mark[i] === 0) {
          mark[i] = 1;
          n++;
        }
      }
      const keep = pickOut ? 0 : 1;
      for (let i = 0; i < dim; i++) if (mark[i] === keep) out[i] = v[i];
    },
  };
}

export const randomKOperator = defineCompression({
  kind: 'random-k',
  schema: z.object({ kind: z.literal('random-k'), fraction: fractionSchema }).strict(),
  summary: 'a seeded random share of coordinates (values and a 4-byte seed)',
  create: (s) => randomK(s.fraction),
});
