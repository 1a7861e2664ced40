// The robust rules' SIMD kernels against their JS references, bit for bit: every fixed window
// [t, k - t) and the general one, and the lane-ordered squared distance.
import { describe, expect, it } from 'vitest';
import { squaredDistance } from '../../src/aggregation/distance.js';
import { windowMeanRows, type Window } from '../../src/aggregation/order-statistics.js';
import { createScratch } from '../../src/engine/scratch.js';
import { createRng } from '../../src/rng.js';
import { complete } from '../../src/topology/index.js';
import { createMixing } from '../../src/topology/mixing/index.js';
import { createSharedWasmMemory, instantiateExchange, squaredDistanceSimd, windowMeanSimd } from '../../src/wasm/index.js';
import { MAX_WINDOW } from '../../src/wasm/exchange-module.js';

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.slice().buffer));

/** Rows of values drawn from a few levels (many ties, both signed zeros) or from a normal. */
function fill(src: Float32Array, seed: number, ties: boolean): void {
  const rng = createRng(seed, 'robust-kernels');
  const levels = [-0, 0, 1, -1, 0.5, 3];
  for (let i = 0; i < src.length; i++) src[i] = ties ? levels[rng.int(levels.length)] : rng.normal();
}

describe('the SIMD order-statistic kernels', () => {
  const dim = 1030; // two blocks of 1024 columns and a tail of 2 for JS
  const scratch = createScratch();
  const windows = { sorted: (m: number) => scratch.f32('sorted', m), bases: (m: number) => scratch.f64('bases', m) };
  for (let n = 2; n <= MAX_WINDOW; n++) {
    it(`give the JS loop's bits for every trim of ${n} values and for uneven windows, with and without ties`, () => {
      const w = createMixing(complete(n), 'metropolis');
      const memory = createSharedWasmMemory(2 * n * dim * 4 + 64)!;
      const k = instantiateExchange(memory);
      const src = new Float32Array(memory.buffer as unknown as ArrayBuffer, 0, n * dim);
      const dst = new Float32Array(memory.buffer as unknown as ArrayBuffer, n * dim * 4, n * dim);
      const ref = new Float32Array(n * dim);
      const shapes: Window[] = [];
      for (let t = 0; 2 * t < n; t++) shapes.push(() => [t, n - t]);
      shapes.push(() => [0, n - 1], () => [n - 1, n], () => [1, n]);
      for (const ties of [false, true]) {
        fill(src, n, ties);
        for (const window of shapes) {
          windowMeanRows(w, src, ref, dim, 0, n, window, windows);
          dst.fill(NaN);
          windowMeanSimd(k, w, src, dst, dim, 0, n, window, windows);
          expect(bits(dst)).toEqual(bits(ref));
        }
      }
    });
  }
});

describe('the squared distance', () => {
  const n = 4, dim = 1003;
  const memory = createSharedWasmMemory(n * dim * 4 + 64)!;
  const k = instantiateExchange(memory);
  const src = new Float32Array(memory.buffer as unknown as ArrayBuffer, 0, n * dim);
  fill(src, 7, false);
  it('gives the JS reference bits in SIMD, for any length and either order', () => {
    for (const len of [0, 1, 7, 8, 9, 16, 333, dim]) {
      for (const [a, b] of [[0, dim], [dim + 3, 3 * dim], [2 * dim + 1, 5]]) {
        const js = squaredDistance(src, a, b, len);
        expect(squaredDistanceSimd(k, src, a, b, len)).toBe(js);
        expect(squaredDistanceSimd(k, src, b, a, len)).toBe(js);
        expect(squaredDistance(src, b, a, len)).toBe(js);
      }
    }
  });
  it('is the sum of squared differences', () => {
    let naive = 0;
    for (let c = 0; c < dim; c++) naive += (src[c] - src[dim + c]) ** 2;
    expect(squaredDistance(src, 0, dim, dim) / naive).toBeCloseTo(1, 12);
    expect(squaredDistance(Float32Array.from([0, 0, 3, 4]), 0, 2, 2)).toBe(25);
  });
});
