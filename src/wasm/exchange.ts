// The exchange step on shared WebAssembly memory: sparse mixing and per-column statistics with
// the SIMD loops of exchange-module.ts. Peer parameters live in one shared WebAssembly.Memory, so
// every worker's instance works in place on the same rows. Pure JS versions of both live in
// mix-rows.ts and tasks.ts for when this is not available; results of each path are deterministic
// for any worker count.
import type { MixingMatrix } from '../types.js';
import { MAX_FUSED, MAX_PAGES, MAX_TRIMMED, MAX_WINDOW } from './exchange-module.js';
import { checkWindow, windowMeanRows, type Window, type WindowScratch } from '../aggregation/order-statistics.js';
import { instantiate, wasmStatus, PAGE } from './modules.js';
import { DISTANCE_LANES, squaredTail } from '../aggregation/distance.js';

type Axpy = (...args: number[]) => void;

export interface ExchangeKernels {
  readonly memory: WebAssembly.Memory;
  readonly axpy: { assign: Axpy[]; accumulate: Axpy[] }; // index = sources - 1
  colStats(base: number, rows: number, stride: number, lenBytes: number, inv: number, meanOut: number, resOut: number): void;
  sqdevAcc(acc: number, x: number, m: number, lenBytes: number): void;
  /** window[k]: the order-statistic loop for k sources (2..MAX_WINDOW), any window */
  readonly window: Axpy[];
  /** trimmed[k][t]: the same for the window [t, k - t), faster (k up to MAX_TRIMMED) */
  readonly trimmed: Axpy[][];
  /** sum of squared differences of two stretches (byte addresses; lenBytes a multiple of 32), float64 */
  sqDist(a: number, b: number, lenBytes: number): number;
}

export function instantiateExchange(memory: WebAssembly.Memory): ExchangeKernels {
  const e = instantiate('exchange', memory);
  return {
    memory,
    axpy: {
      assign: Array.from({ length: MAX_FUSED }, (_, n) => e[`assign${n + 1}`] as Axpy),
      accumulate: Array.from({ length: MAX_FUSED }, (_, n) => e[`accumulate${n + 1}`] as Axpy),
    },
    colStats: e.colStats,
    sqdevAcc: e.sqdevAcc,
    window: Array.from({ length: MAX_WINDOW + 1 }, (_, k) => e[`window${k}`] as Axpy),
    trimmed: Array.from({ length: MAX_TRIMMED + 1 }, (_, k) => Array.from({ length: (k + 1) >> 1 }, (_, t) => e[`window${k}t${t}`] as Axpy)),
    sqDist: e.sqDist as (a: number, b: number, lenBytes: number) => number,
  };
}

/**
 * A shared memory of at least `bytes`, or undefined where the WebAssembly kernels are unavailable
 * (wasmStatus() gives the reason), the size passes 4 GiB, or the allocation fails.
 */
export function createSharedWasmMemory(bytes: number): WebAssembly.Memory | undefined {
  const pages = Math.ceil(bytes / PAGE) + 1;
  if (!wasmStatus().ok || pages > MAX_PAGES) return undefined;
  try {
    return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  } catch {
    return undefined; // out of address space for one block: separate SharedArrayBuffers may still fit
  }
}

/** Calls a kernel with its first `n` arguments (fixed arities keep the call monomorphic-ish and allocation-free). */
function callAxpy(fn: Axpy, a: number[], n: number): void {
  switch (n) {
    case 4: return fn(a[0], a[1], a[2], a[3]);
    case 6: return fn(a[0], a[1], a[2], a[3], a[4], a[5]);
    case 8: return fn(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
    case 10: return fn(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]);
    case 12: return fn(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);
    case 14: return fn(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13]);
    case 16: return fn(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15]);
    default: return fn(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17]);
  }
}

/** Columns per block: blocks of neighbouring rows stay in cache while each row is mixed. */
const BLOCK = 1024;

/**
 * dst rows [rowStart,rowEnd) = W · src rows, where src and dst are Float32Array views into the
 * kernels' memory. Column blocks outer, rows inner, so a ring's shared neighbours are read from cache.
 */
export function mixRowsSimd(
  k: ExchangeKernels, W: MixingMatrix, src: Float32Array, dst: Float32Array, dim: number, rowStart: number, rowEnd: number,
): void {
  const { offsets, cols, weights } = W;
  const sb = src.byteOffset, db = dst.byteOffset;
  const args = new Array<number>(2 + 2 * MAX_FUSED).fill(0);
  for (let c0 = 0; c0 < dim; c0 += BLOCK) {
    const len = Math.min(BLOCK, dim - c0);
    const vec = len & ~3;
    for (let i = rowStart; i < rowEnd; i++) {
      const p0 = offsets[i], p1 = offsets[i + 1];
      const o = i * dim + c0;
      if (p0 === p1) {
        dst.fill(0, o, o + len);
        continue;
      }
      for (let p = p0; p < p1; p += MAX_FUSED) {
        const m = Math.min(MAX_FUSED, p1 - p);
        args[0] = db + o * 4;
        for (let q = 0; q < m; q++) {
          args[1 + q] = sb + (cols[p + q] * dim + c0) * 4;
          args[1 + m + q] = weights[p + q];
        }
        args[1 + 2 * m] = vec * 4;
        const fn = p === p0 ? k.axpy.assign[m - 1] : k.axpy.accumulate[m - 1];
        callAxpy(fn, args, 2 + 2 * m);
      }
      // the last (dim mod 4) columns, in the same precision as the vector lanes
      for (let c = vec; c < len; c++) {
        let acc = 0;
        for (let p = p0; p < p1; p++) acc = Math.fround(acc + Math.fround(Math.fround(weights[p]) * src[cols[p] * dim + c0 + c]));
        dst[o + c] = acc;
      }
    }
  }
}

/** Columns per block of the order-statistic loop: a neighbourhood's blocks stay in L1 across rows. */
const WINDOW_BLOCK = 1024;

/**
 * dst rows [rowStart,rowEnd) = the window mean of each coordinate's sorted values (see
 * aggregation/order-statistics.ts), four columns at a time in SIMD (a kernel per symmetric window
 * [t, k - t), as median and trimmed mean use, or one taking the window), column blocks outer and rows
 * inner (a ring's neighbours are re-read from cache); neighbourhoods larger than MAX_WINDOW and
 * the last dim % 4 columns go through the JS loop, which gives the same bits.
 */
export function windowMeanSimd(
  k: ExchangeKernels, W: MixingMatrix, src: Float32Array, dst: Float32Array, dim: number, rowStart: number, rowEnd: number,
  window: Window, scratch: WindowScratch,
): void {
  const vec = dim & ~3;
  const args: number[] = [];
  for (let i = rowStart; i < rowEnd; i++) {
    const n = W.offsets[i + 1] - W.offsets[i];
    const [lo, hi] = window(n);
    checkWindow(lo, hi, n);
    if (n < 2 || n > MAX_WINDOW) windowMeanRows(W, src, dst, dim, i, i + 1, window, scratch);
    else if (vec < dim) windowMeanRows(W, src, dst, dim, i, i + 1, window, scratch, vec, dim);
  }
  for (let c0 = 0; c0 < vec; c0 += WINDOW_BLOCK) {
    const len = Math.min(WINDOW_BLOCK, vec - c0);
    for (let i = rowStart; i < rowEnd; i++) {
      const p0 = W.offsets[i];
      const n = W.offsets[i + 1] - p0;
      if (n < 2 || n > MAX_WINDOW) continue;
      const [lo, hi] = window(n);
      const symmetric = lo + hi === n && n <= MAX_TRIMMED;
      args.length = symmetric ? n + 2 : n + 4;
      args[0] = dst.byteOffset + (i * dim + c0) * 4;
      for (let j = 0; j < n; j++) args[1 + j] = src.byteOffset + (W.cols[p0 + j] * dim + c0) * 4;
      args[n + 1] = len * 4;
      if (symmetric) k.trimmed[n][lo](...args);
      else {
        args[n + 2] = lo;
        args[n + 3] = hi;
        k.window[n](...args);
      }
    }
  }
}

/** squaredDistance (aggregation/distance.ts) of src[a..a+len) and src[b..b+len) with the SIMD kernel: the same bits. */
export function squaredDistanceSimd(k: ExchangeKernels, src: Float32Array, a: number, b: number, len: number): number {
  const vec = len - (len % DISTANCE_LANES);
  const lanes = vec > 0 ? k.sqDist(src.byteOffset + a * 4, src.byteOffset + b * 4, vec * 4) : 0;
  return squaredTail(src, a, b, vec, len, lanes);
}
