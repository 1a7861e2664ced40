// top-k sparsification: the k coordinates of largest magnitude, sent as (index, value) pairs
// of 4 + 4 bytes. Ties at the threshold go to the lowest indices, so the result is deterministic.
import { z } from 'zod';
import { checkPayload, defineCompression, fractionSchema, keptCount, type Compressor } from './types.js';

export function topK(fraction: number): Compressor {
  const bytes = (dim: number) => keptCount(fraction, dim) * 8;
  const compressor: Compressor = {
    kind: 'top-k',
    bytes,
    compress(v, out, _rng, scratch) {
      const dim = v.length;
      const k = keptCount(fraction, dim);
      out.fill(0);
      if (k >= dim) {
        out.set(v);
        return;
      }
      const mags = scratch.f32.subarray(0, dim);
      for (let i = 0; i < dim; i++) mags[i] = Math.abs(v[i]);
      const threshold = kthLargest(mags, k);
      let taken = 0;
      for (let i = 0; i < dim; i++) {
        if (Math.abs(v[i]) > threshold) {
          out[i] = v[i];
          taken++;
        }
      }
      for (let i = 0; i < dim && taken < k; i++) {
        if (Math.abs(v[i]) === threshold) {
          out[i] = v[i];
          taken++;
        }
      }
    },
    // k (index u32, value f32) pairs: the kept coordinates in ascending order, then (a kept zero being
    // indistinguishable from a dropped one) zeros at the first unlisted indices up to k
    encode(v, out, rng, scratch) {
      compressor.compress(v, out, rng, scratch);
      const dim = v.length;
      const k = keptCount(fraction, dim);
      const payload = new Uint8Array(k * 8);
      const view = new DataView(payload.buffer);
      const listed = scratch.mark.subarray(0, dim);
      listed.fill(0);
      let n = 0;
      const put = (i: number) => {
        view.setUint32(n * 8, i, true);
        view.setFloat32(n * 8 + 4, out[i], true);
        listed[i] = 1;
        n++;
      };
      for (let i = 0; i < dim && n < k; i++) if (out[i] !== 0 || Object.is(out[i], -0)) put(i);
      for (let i = 0; i < dim && n < k; i++) if (!listed[i]) put(i);
      return payload;
    },
    decode(payload, out) {
      const dim = out.length;
      const k = keptCount(fraction, dim);
      const view = checkPayload('top-k', payload, bytes(dim));
      out.fill(0);
      for (let n = 0; n < k; n++) {
        const i = view.getUint32(n * 8, true);
        if (i >= dim) throw new RangeError(`top-k: index ${i} in a payload for ${dim} floats`);
        out[i] = view.getFloat32(n * 8 + 4, true);
      }
    },
  };
  return compressor;
}

export const topKOperator = defineCompression({
  kind: 'top-k',
  schema: z.object({ kind: z.literal('top-k'), fraction: fractionSchema }).strict(),
  summary: 'the largest-magnitude share of coordinates, as (index, value) pairs',
  create: (s) => topK(s.fraction),
});

/** The k-th largest value of a (1-based k); reorders a. Iterative quickselect, median-of-three pivots. */
export function kthLargest(a: Float32Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  const target = k - 1; // index in descending order
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    // median of three, descending
    if (a[mid] > a[lo]) swap(a, mid, lo);
    if (a[hi] > a[lo]) swap(a, hi, lo);
    if (a[hi] > a[mid]) swap(a, hi, mid);
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return a[target];
  }
  return a[target];
}

function swap(a: Float32Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}
