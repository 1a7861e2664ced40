// random-k sparsification: k coordinates chosen uniformly without replacement, unscaled (the
// biased but contractive form CHOCO-SGD uses). Indices follow from a seed both ends share, so
// only the k float32 values and a 4-byte seed go on the wire.
import { z } from 'zod';
import type { Rng } from '../../rng.js';
import { checkPayload, defineCompression, fractionSchema, keptCount, type Compressor } from './types.js';

/**
 * Marks the kept coordinates in mark[0, dim) by the stream rng() and returns the mark they carry
 * (1, or 0 when it is cheaper to pick the coordinates left out); -1: every coordinate is kept.
 */
function pick(dim: number, k: number, rng: () => Rng, mark: Uint8Array): number {
  if (k >= dim) return -1;
  // rejection sampling over a mark array: cheap while k is a small share of dim; for large
  // shares, pick the coordinates to leave out instead
  const pickOut = k > dim / 2;
  const picks = pickOut ? dim - k : k;
  const r = rng();
  mark.fill(0);
  for (let n = 0; n < picks; ) {
    const i = r.int(dim);
    if (mark[i] === 0) {
      mark[i] = 1;
      n++;
    }
  }
  return pickOut ? 0 : 1;
}

export function randomK(fraction: number): Compressor {
  const bytes = (dim: number) => keptCount(fraction, dim) * 4 + 4;
  const compressor: Compressor = {
    kind: 'random-k',
    bytes,
    compress(v, out, rng, scratch) {
      const dim = v.length;
      const mark = scratch.mark.subarray(0, dim);
      const keep = pick(dim, keptCount(fraction, dim), rng, mark);
      if (keep < 0) {
        out.set(v);
        return;
      }
      out.fill(0);
      for (let i = 0; i < dim; i++) if (mark[i] === keep) out[i] = v[i];
    },
    // the stream's first word (the seed both ends derive the indices from), then the kept values in index order
    encode(v, out, rng, scratch) {
      compressor.compress(v, out, rng, scratch);
      const dim = v.length;
      const payload = new Uint8Array(bytes(dim));
      const view = new DataView(payload.buffer);
      view.setUint32(0, rng().nextUint32(), true);
      const mark = scratch.mark.subarray(0, dim);
      const keep = pick(dim, keptCount(fraction, dim), rng, mark);
      let at = 4;
      for (let i = 0; i < dim; i++) {
        if (keep >= 0 && mark[i] !== keep) continue;
        view.setFloat32(at, out[i], true);
        at += 4;
      }
      return payload;
    },
    decode(payload, out, rng, scratch) {
      const dim = out.length;
      const view = checkPayload('random-k', payload, bytes(dim));
      if (view.getUint32(0, true) !== rng().nextUint32()) throw new RangeError('random-k: the payload was drawn from another stream (another seed, peer or round)');
      const mark = scratch.mark.subarray(0, dim);
      const keep = pick(dim, keptCount(fraction, dim), rng, mark);
      out.fill(0);
      let at = 4;
      for (let i = 0; i < dim; i++) {
        if (keep >= 0 && mark[i] !== keep) continue;
        out[i] = view.getFloat32(at, true);
        at += 4;
      }
    },
  };
  return compressor;
}

export const randomKOperator = defineCompression({
  kind: 'random-k',
  schema: z.object({ kind: z.literal('random-k'), fraction: fractionSchema }).strict(),
  summary: 'a seeded random share of coordinates (values and a 4-byte seed)',
  create: (s) => randomK(s.fraction),
});
