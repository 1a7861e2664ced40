// The exchange step on shared WebAssembly memory: sparse mixing and per-column statistics with
// the SIMD loops of exchange-module.ts. Peer parameters live in one shared WebAssembly.Memory, so
// every worker's instance works in place on the same rows. Pure JS versions of both live in
// mix-rows.ts and tasks.ts for when this is not available; results of each path are deterministic
// for any worker count.
import type { MixingMatrix } from '../types.js';
import { MAX_FUSED, MAX_PAGES, MAX_SORT, MAX_TRIMMED, MAX_WINDOW, PRESORT } from './exchange-module.js';
import { selectionNetwork, sortingNetwork } from './sorting-network.js';
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
  /** the order-statistic loop for any k up to MAX_SORT, sorting in a scratch slot: 4 and 16 columns a step */
  readonly windowSort: { narrow: Axpy; wide: Axpy };
  /** the memory's scratch slots for windowSort, when it came from createSharedWasmMemory */
  readonly sortSlots?: SortSlots;
}

/**
 * Scratch for the sorting kernel at the end of every memory createSharedWasmMemory makes: a
 * header (two marker words, then one lock word per slot) and SORT_SLOTS slots. A call of
 * windowMeanSimd takes a free slot with a compare-and-swap and gives it back when done, so every
 * thread on the memory sorts in its own slot. A slot: the k source addresses, the k values being
 * sorted (16 columns each) and the comparator pairs.
 */
interface SortSlots {
  readonly locks: Int32Array;
  /** byte address of slot 0 */
  readonly base: number;
  /** the whole memory as i32, to write tables and networks */
  readonly words: Int32Array;
}

const SORT_SLOTS = 16;
const SORT_HEADER = 128;
const TABLE_AT = 0;
const BUF_AT = MAX_SORT * 4;
const NET_AT = BUF_AT + MAX_SORT * 64;
const SLOT_BYTES = 48 * 1024;
const NET_CAPACITY = (SLOT_BYTES - NET_AT) / 8;
/** Bytes createSharedWasmMemory adds at the end of every memory for the sorting kernel's slots. */
export const SORT_SCRATCH_BYTES = SORT_HEADER + SORT_SLOTS * SLOT_BYTES;
const MARK = [0x706c6578, 0x73727421]; // "plex" "srt!"

function findSortSlots(memory: WebAssembly.Memory): SortSlots | undefined {
  const buffer = memory.buffer as unknown as SharedArrayBuffer;
  const at = buffer.byteLength - SORT_SCRATCH_BYTES;
  if (at < 0) return undefined;
  const header = new Int32Array(buffer, at, SORT_HEADER / 4);
  if (header[0] !== MARK[0] || header[1] !== MARK[1]) return undefined;
  return { locks: header.subarray(2, 2 + SORT_SLOTS), base: at + SORT_HEADER, words: new Int32Array(buffer) };
}

/** Bytes of one scratch slot a caller of withScratchSlot may use. */
export const SCRATCH_SLOT_BYTES = SLOT_BYTES;

/**
 * Runs fn with the byte address of a scratch slot of the kernels' memory, held for the call, or
 * returns undefined when the memory has no slots or every one is taken (then the caller's JS loop).
 */
export function withScratchSlot<T>(k: ExchangeKernels, fn: (at: number) => T): T | undefined {
  const slots = k.sortSlots;
  const slot = slots ? takeSlot(slots) : -1;
  if (slot < 0) return undefined;
  try {
    return fn(slots!.base + slot * SLOT_BYTES);
  } finally {
    Atomics.store(slots!.locks, slot, 0);
  }
}

/** Memories createSharedWasmMemory made in this thread, by buffer: which memory a view lives in. */
const memories = new WeakMap<ArrayBufferLike, WebAssembly.Memory>();

/** The memory createSharedWasmMemory made in this thread that holds `view`, if any. */
export function sharedWasmMemoryOf(view: ArrayBufferView): WebAssembly.Memory | undefined {
  return memories.get(view.buffer);
}

/** A free slot's index, now held by the caller, or -1 when every slot is taken (then JS sorts: same bits). */
function takeSlot(slots: SortSlots): number {
  for (let s = 0; s < SORT_SLOTS; s++) if (Atomics.compareExchange(slots.locks, s, 0, 1) === 0) return s;
  return -1;
}

const networks = new Map<number, Int32Array>();
const networkKey = (k: number, lo: number, hi: number) => (k * (MAX_SORT + 1) + lo) * (MAX_SORT + 1) + hi;

/**
 * Indices of sortingNetwork(k) the kernel's loads already do: Batcher's network starts by sorting
 * each aligned run of PRESORT values on its own (its leading comparators stay inside one run),
 * and the kernel sorts the whole runs in registers (any network: sorted is sorted, up to the order
 * of +0 and -0, which no window sum can tell). A partial last run is left to the network.
 */
function presortedPrefix(k: number): Set<number> {
  const net = sortingNetwork(k);
  const done = new Set<number>();
  const whole = Math.floor(k / PRESORT);
  for (let q = 0; q < net.length; q++) {
    const [a, b] = net[q];
    const run = Math.floor(a / PRESORT);
    if (run !== Math.floor(b / PRESORT)) break;
    if (run < whole) done.add(q);
  }
  return done;
}

/** The comparator pairs left to sort k values far enough for the window [lo, hi), flattened (a, b, a, b, ...). */
function sortPairs(k: number, lo: number, hi: number): Int32Array {
  const key = networkKey(k, lo, hi);
  let pairs = networks.get(key);
  if (!pairs) {
    // selectionNetwork keeps a subsequence of sortingNetwork: find each step's place in it
    const net = sortingNetwork(k);
    const done = presortedPrefix(k);
    const out: number[] = [];
    let q = 0;
    for (const { a, b } of selectionNetwork(k, lo, hi)) {
      while (net[q][0] !== a || net[q][1] !== b) q++;
      // both halves of every kept comparator: writing an output nothing reads is harmless
      if (!done.has(q)) out.push(a, b);
      q++;
    }
    if (out.length / 2 > NET_CAPACITY) throw new RangeError(`exchange: a network of ${out.length / 2} comparators does not fit a sort slot`);
    pairs = Int32Array.from(out);
    networks.set(key, pairs);
  }
  return pairs;
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
    windowSort: { narrow: e.windowSort4 as Axpy, wide: e.windowSort16 as Axpy },
    sortSlots: findSortSlots(memory),
  };
}

/**
 * A shared memory of at least `bytes` (plus the sorting kernel's scratch at its end), or undefined
 * where the WebAssembly kernels are unavailable (wasmStatus() gives the reason), the size passes
 * 4 GiB, or the allocation fails.
 */
export function createSharedWasmMemory(bytes: number): WebAssembly.Memory | undefined {
  const pages = Math.ceil((bytes + SORT_SCRATCH_BYTES) / PAGE) + 1;
  if (!wasmStatus().ok || pages > MAX_PAGES) return undefined;
  try {
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    new Int32Array(memory.buffer, pages * PAGE - SORT_SCRATCH_BYTES, 2).set(MARK);
    memories.set(memory.buffer, memory);
    return memory;
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
 * [t, k - t), as median and trimmed mean use, or one taking the window; above MAX_WINDOW values,
 * one kernel for any k sorting in a scratch slot of the memory), column blocks outer and rows
 * inner (a ring's neighbours are re-read from cache); neighbourhoods larger than MAX_SORT and
 * the last dim % 4 columns go through the JS loop, which gives the same bits.
 */
export function windowMeanSimd(
  k: ExchangeKernels, W: MixingMatrix, src: Float32Array, dst: Float32Array, dim: number, rowStart: number, rowEnd: number,
  window: Window, scratch: WindowScratch,
): void {
  const slots = k.sortSlots;
  let sorts = false;
  for (let i = rowStart; i < rowEnd && !sorts; i++) {
    const n = W.offsets[i + 1] - W.offsets[i];
    sorts = n > MAX_WINDOW && n <= MAX_SORT;
  }
  const slot = slots && sorts ? takeSlot(slots) : -1;
  try {
    windowMeanBlocks(k, W, src, dst, dim, rowStart, rowEnd, window, scratch, slot);
  } finally {
    if (slot >= 0) Atomics.store(slots!.locks, slot, 0);
  }
}

/**
 * The scratch-sorting kernel on slot `slot`: len columns at byte address `at` from the n rows
 * cols[p0..p0+n) (each at srcAt + col * rowBytes); the comparator pairs are rewritten only when
 * the neighbourhood size or the window changes.
 */
function createSorter(k: ExchangeKernels, slot: number) {
  const slots = k.sortSlots!;
  const base = slots.base + slot * SLOT_BYTES;
  const words = slots.words;
  const { wide: w16, narrow: w4 } = k.windowSort;
  let netKey = -1, netBytes = 0;
  return (at: number, cols: Int32Array, p0: number, n: number, srcAt: number, rowBytes: number, len: number, lo: number, hi: number): void => {
    const key = networkKey(n, lo, hi);
    if (key !== netKey) {
      const pairs = sortPairs(n, lo, hi);
      words.set(pairs, (base + NET_AT) >> 2);
      netKey = key;
      netBytes = pairs.length * 4;
    }
    for (let j = 0; j < n; j++) words[((base + TABLE_AT) >> 2) + j] = srcAt + cols[p0 + j] * rowBytes;
    const wide = (len & ~15) * 4;
    if (wide > 0) w16(at, base + TABLE_AT, n, 0, wide, lo, hi, base + BUF_AT, base + NET_AT, netBytes);
    if (wide < len * 4) w4(at, base + TABLE_AT, n, wide, len * 4, lo, hi, base + BUF_AT, base + NET_AT, netBytes);
  };
}

function windowMeanBlocks(
  k: ExchangeKernels, W: MixingMatrix, src: Float32Array, dst: Float32Array, dim: number, rowStart: number, rowEnd: number,
  window: Window, scratch: WindowScratch, slot: number,
): void {
  const vec = dim & ~3;
  const maxSimd = slot >= 0 ? MAX_SORT : MAX_WINDOW;
  const args: number[] = [];
  for (let i = rowStart; i < rowEnd; i++) {
    const n = W.offsets[i + 1] - W.offsets[i];
    const [lo, hi] = window(n);
    checkWindow(lo, hi, n);
    if (n < 2 || n > maxSimd) windowMeanRows(W, src, dst, dim, i, i + 1, window, scratch);
    else if (vec < dim) windowMeanRows(W, src, dst, dim, i, i + 1, window, scratch, vec, dim);
  }
  const sorter = slot >= 0 ? createSorter(k, slot) : undefined;
  for (let c0 = 0; c0 < vec; c0 += WINDOW_BLOCK) {
    const len = Math.min(WINDOW_BLOCK, vec - c0);
    for (let i = rowStart; i < rowEnd; i++) {
      const p0 = W.offsets[i];
      const n = W.offsets[i + 1] - p0;
      if (n < 2 || n > maxSimd) continue;
      const [lo, hi] = window(n);
      const at = dst.byteOffset + (i * dim + c0) * 4;
      if (n > MAX_WINDOW) {
        sorter!(at, W.cols, p0, n, src.byteOffset + c0 * 4, dim * 4, len, lo, hi);
        continue;
      }
      const symmetric = lo + hi === n && n <= MAX_TRIMMED;
      args.length = symmetric ? n + 2 : n + 4;
      args[0] = at;
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
