// The order-statistic kernel for neighbourhoods above MAX_WINDOW (sorting in a scratch slot of the
// shared memory) against the JS loop, bit for bit, and its slots' bookkeeping.
import { describe, expect, it } from 'vitest';
import { windowMeanRows, type Window } from '../../src/aggregation/order-statistics.js';
import { createScratch } from '../../src/engine/scratch.js';
import { createRng } from '../../src/rng.js';
import { complete } from '../../src/topology/index.js';
import { createMixing } from '../../src/topology/mixing/index.js';
import type { MixingMatrix } from '../../src/types.js';
import { createSharedWasmMemory, instantiateExchange, windowMeanSimd } from '../../src/wasm/index.js';
import { MAX_SORT, MAX_WINDOW } from '../../src/wasm/exchange-module.js';

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.slice().buffer));
/** The first index where a and b differ in bits, or -1 (cheaper than toEqual on long arrays). */
function firstDiff(a: Float32Array, b: Float32Array): number {
  const x = new Uint32Array(a.slice().buffer), y = new Uint32Array(b.slice().buffer);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return x.length === y.length ? -1 : x.length;
}
const scratch = createScratch();
const windows = { sorted: (m: number) => scratch.f32('sorted', m), bases: (m: number) => scratch.f64('bases', m) };

/** Values from a few levels (many ties, both signed zeros, negatives) or from a normal. */
function fill(src: Float32Array, seed: number, ties: boolean): void {
  const rng = createRng(seed, 'sort-kernel');
  const levels = [-0, 0, 1, -1, 0.5, -2.25, 3];
  for (let i = 0; i < src.length; i++) src[i] = ties ? levels[rng.int(levels.length)] : rng.normal() * 4;
}

/** A complete graph's matrix with each row's sources shuffled, so the sort does not see them in row order. */
function shuffledComplete(n: number, seed: number): MixingMatrix {
  const w = createMixing(complete(n), 'metropolis');
  const rng = createRng(seed, 'sort-kernel-cols');
  const cols = Int32Array.from(w.cols);
  for (let i = 0; i < n; i++) {
    for (let j = w.offsets[i + 1] - 1; j > w.offsets[i]; j--) {
      const t = w.offsets[i] + rng.int(j - w.offsets[i] + 1);
      [cols[j], cols[t]] = [cols[t], cols[j]];
    }
  }
  return { ...w, cols };
}

function setUp(n: number, dim: number) {
  const memory = createSharedWasmMemory(2 * n * dim * 4 + 64)!;
  const k = instantiateExchange(memory);
  const src = new Float32Array(memory.buffer as unknown as ArrayBuffer, 0, n * dim);
  const dst = new Float32Array(memory.buffer as unknown as ArrayBuffer, n * dim * 4, n * dim);
  return { k, src, dst };
}

describe('the scratch-sorting order-statistic kernel', () => {
  // a block of 1024 columns, then 76 = 64 (16 a step) + 12 (4 a step), then 3 for JS
  const dim = 1103;
  for (const n of [17, 20, 33, 64, 100]) {
    it(`gives the JS loop's bits for ${n} values, every kind of window, with and without ties`, () => {
      const rows = 3; // of the n: each its own shuffled order of sources
      expect(n).toBeGreaterThan(MAX_WINDOW);
      const w = shuffledComplete(n, n);
      const { k, src, dst } = setUp(n, dim);
      expect(k.sortSlots).toBeDefined();
      const rng = createRng(n, 'sort-kernel-windows');
      const shapes: Window[] = [];
      for (const t of [0, 1, 2, (n - 1) >> 1]) shapes.push(() => [t, n - t]);
      shapes.push(() => [(n - 1) >> 1, (n >> 1) + 1], () => [0, n - 1], () => [n - 1, n], () => [0, 1], () => [1, n]);
      for (let r = 0; r < 4; r++) {
        const lo = rng.int(n), hi = lo + 1 + rng.int(n - lo);
        shapes.push(() => [lo, hi]);
      }
      const ref = new Float32Array(n * dim);
      for (const ties of [false, true]) {
        fill(src, n, ties);
        for (const window of shapes) {
          windowMeanRows(w, src, ref, dim, 0, rows, window, windows);
          dst.fill(NaN);
          windowMeanSimd(k, w, src, dst, dim, 0, rows, window, windows);
          expect(firstDiff(dst.subarray(0, rows * dim), ref.subarray(0, rows * dim))).toBe(-1);
        }
      }
      expect(Array.from(k.sortSlots!.locks)).toEqual(new Array(k.sortSlots!.locks.length).fill(0));
    });
  }

  it('gives the same bits for a part of the rows, and takes JS when every slot is held', () => {
    const n = 24, dim = 97;
    const w = shuffledComplete(n, 3);
    const { k, src, dst } = setUp(n, dim);
    fill(src, 5, true);
    const ref = new Float32Array(n * dim);
    const window: Window = (m) => [3, m - 5];
    windowMeanRows(w, src, ref, dim, 0, n, window, windows);
    dst.fill(NaN);
    windowMeanSimd(k, w, src, dst, dim, 5, 11, window, windows);
    expect(bits(dst.subarray(5 * dim, 11 * dim))).toEqual(bits(ref.subarray(5 * dim, 11 * dim)));
    expect(bits(dst.subarray(11 * dim, 12 * dim)).every((b) => b === 0x7fc00000)).toBe(true);
    const locks = k.sortSlots!.locks;
    locks.fill(1);
    dst.fill(NaN);
    windowMeanSimd(k, w, src, dst, dim, 0, n, window, windows);
    expect(bits(dst)).toEqual(bits(ref));
    locks.fill(0);
  });

  it(`leaves neighbourhoods above ${MAX_SORT} values to JS, with the same bits`, () => {
    const n = MAX_SORT + 1, dim = 9;
    const w = createMixing(complete(n), 'metropolis');
    const { k, src, dst } = setUp(n, dim);
    fill(src, 11, false);
    const ref = new Float32Array(n * dim);
    const window: Window = (m) => [10, m - 10];
    windowMeanRows(w, src, ref, dim, 0, n, window, windows);
    windowMeanSimd(k, w, src, dst, dim, 0, n, window, windows);
    expect(bits(dst)).toEqual(bits(ref));
  });
});
