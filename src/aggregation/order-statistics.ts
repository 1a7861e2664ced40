// The order-statistic rules' shared loop, in plain JS: per coordinate, sort the k values a peer
// hears (self included) and average a window [lo, hi) of them, in float32 arithmetic (sum in
// ascending order, then one division), exactly as the SIMD kernel does (src/wasm/exchange-module.ts).
import type { MixingMatrix } from '../types.js';

/** The window of sorted values a rule averages, for a neighbourhood of k values. */
export type Window = (k: number) => readonly [lo: number, hi: number];

/** Per-thread scratch of at least k entries: the sorted values and the source row offsets. */
export interface WindowScratch {
  sorted(k: number): Float32Array;
  bases(k: number): Float64Array;
}

const f = Math.fround;

/** dst rows [r0, r1), columns [c0, c1): the window mean of each coordinate's sorted values. */
export function windowMeanRows(
  w: MixingMatrix, src: Float32Array, dst: Float32Array, dim: number, r0: number, r1: number,
  window: Window, scratch: WindowScratch, c0 = 0, c1 = dim,
): void {
  for (let i = r0; i < r1; i++) {
    const a = w.offsets[i];
    const k = w.offsets[i + 1] - a;
    const [lo, hi] = window(k);
    const buf = scratch.sorted(k);
    const bases = scratch.bases(k);
    for (let j = 0; j < k; j++) bases[j] = w.cols[a + j] * dim;
    const o = i * dim;
    const count = hi - lo;
    for (let c = c0; c < c1; c++) {
      // insertion sort: neighbourhoods are small
      for (let j = 0; j < k; j++) {
        const v = src[bases[j] + c];
        let t = j;
        while (t > 0 && buf[t - 1] > v) {
          buf[t] = buf[t - 1];
          t--;
        }
        buf[t] = v;
      }
      let acc = 0;
      for (let j = lo; j < hi; j++) acc = f(acc + buf[j]);
      dst[o + c] = f(acc / count);
    }
  }
}

/** Checks a window against its neighbourhood size (a rule's bug, not a user's). */
export function checkWindow(lo: number, hi: number, k: number): void {
  if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 0 && hi <= k && lo < hi)) {
    throw new RangeError(`aggregation: window [${lo}, ${hi}) does not fit ${k} values`);
  }
}
