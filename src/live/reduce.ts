// A round's metrics in a live run, computed from the processes' slices of rows with the simulator's
// bits: each process continues small per-column carries and passes them along the chain 0 -> P-1.
//
// Per measured round (process k holds rows [a_k, b_k), slices in order):
//   pass 1  sums = createCarry(layout); each process in turn: columnSumsContinue(sums, its rows), then sends carryBytes(sums) on
//   mean    the last process sends the final sums to every other; each calls meanOf(sums, n, layout)
//   pass 2  devs = createCarry(layout); each process in turn: deviationsContinue(devs, its rows, mean), then sends it on
//   result  the last process: consensusFromDeviations(devs, n, layout) is consensusDistance's number and
//           squaredNorm(mean.mean) (metrics/divergence.ts) what checkDivergence reads; every process:
//           distancesTo(its rows, mean.mean) are its peers' entries of runtime.distances()
// The same chain over the honest rows only (`pick`) with the 'js' layout reproduces the subset
// path (adversaries), and pass 1 + meanOf with the 'js' layout the average model's mean (columnMean).
// With `kernels` (the rows in a shared WebAssembly memory), the float32 columns of both passes run in
// the exchange kernels' f32x4 loops on a carry block copied into a scratch slot of that memory.
import { COLUMN_BLOCK } from '../engine/shared-state.js';
import { SCRATCH_SLOT_BYTES, withScratchSlot, type ExchangeKernels } from '../wasm/exchange.js';

/**
 * Which of the engine's column statistics to reproduce: 'simd' is the wasm kernel colStats (the
 * default, state.memory set) with the float64 loop on each block's last (width mod 16) columns;
 * 'js' is the float64 loop on every column (simdExchange false, a subset of peers, columnMean).
 */
export type StatsPath = 'simd' | 'js';

/** One COLUMN_BLOCK of columns: [c0, vecEnd) in the kernel's float32 lanes, [vecEnd, c1) in float64. */
interface Block {
  c0: number;
  vecEnd: number;
  c1: number;
  /** where the block's float32 columns start in a carry's `vec` */
  vecAt: number;
  /** where its float64 columns start in a carry's `tail` */
  tailAt: number;
}

export interface ReduceLayout {
  readonly dim: number;
  readonly path: StatsPath;
  readonly blocks: readonly Block[];
  /** columns carried in float32 (the kernel's accumulators) */
  readonly vecColumns: number;
  /** columns carried in float64 (the JS loop's sums) */
  readonly tailColumns: number;
}

/** The engine's column blocks and, per block, which columns each arithmetic covers. */
export function reduceLayout(dim: number, path: StatsPath): ReduceLayout {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`reduceLayout: dim must be a positive integer, got ${dim}`);
  const blocks: Block[] = [];
  let vecAt = 0;
  let tailAt = 0;
  for (let c0 = 0; c0 < dim; c0 += COLUMN_BLOCK) {
    const c1 = Math.min(dim, c0 + COLUMN_BLOCK);
    // runtime.ts columnStats: the kernel takes whole chunks of 16 columns, the JS loop the rest
    const vecEnd = path === 'simd' ? c0 + ((c1 - c0) & ~15) : c0;
    blocks.push({ c0, vecEnd, c1, vecAt, tailAt });
    vecAt += vecEnd - c0;
    tailAt += c1 - vecEnd;
  }
  return { dim, path, blocks, vecColumns: vecAt, tailColumns: tailAt };
}

/**
 * Per-column partial results travelling between processes: float32 for the kernel's columns,
 * float64 for the JS loop's, in one buffer (tail first, so both views are aligned).
 */
export interface ColumnCarry {
  readonly vec: Float32Array;
  readonly tail: Float64Array;
}

/** A carry of zeros (where every chain starts). */
export function createCarry(layout: ReduceLayout): ColumnCarry {
  const buf = new ArrayBuffer(layout.tailColumns * 8 + layout.vecColumns * 4);
  return { tail: new Float64Array(buf, 0, layout.tailColumns), vec: new Float32Array(buf, layout.tailColumns * 8, layout.vecColumns) };
}

/** Bytes of one carry on the wire (platform byte order: little-endian on every machine Node runs on). */
export function carryByteLength(layout: ReduceLayout): number {
  return layout.tailColumns * 8 + layout.vecColumns * 4;
}

/** The carry as the payload of a frame (a view, not a copy). */
export function carryBytes(carry: ColumnCarry): Uint8Array {
  return new Uint8Array(carry.tail.buffer, 0, carry.tail.byteLength + carry.vec.byteLength);
}

/** A received payload back as a carry (copied: a frame's bytes need not be aligned). */
export function carryFromBytes(layout: ReduceLayout, bytes: Uint8Array): ColumnCarry {
  return carryInto(createCarry(layout), layout, bytes);
}

/** A received payload copied into `carry` (of `layout`), which it returns. */
export function carryInto(carry: ColumnCarry, layout: ReduceLayout, bytes: Uint8Array): ColumnCarry {
  const want = carryByteLength(layout);
  if (bytes.byteLength !== want) {
    throw new RangeError(`live reduce: a carry of ${bytes.byteLength} bytes arrived, this run's (dim ${layout.dim}, path ${layout.path}) has ${want}; are all processes running the same config?`);
  }
  carryBytes(carry).set(bytes);
  return carry;
}

/**
 * Where a slice's rows are: `stride` floats apart, the layout's column 0 at column `at` of each
 * (by default rows of layout.dim floats from column 0). With `kernels`, `rows` is a view into their
 * memory and the float32 columns are added by the SIMD kernels (the same bits).
 */
export interface RowSpan {
  stride: number;
  at: number;
  kernels?: ExchangeKernels;
}

/** The float offset of each reduced row's first column: rows [0, count), or the `pick`ed local indices in order. */
function rowStarts(count: number, layout: ReduceLayout, pick?: ArrayLike<number>, span?: RowSpan): number[] {
  const stride = span?.stride ?? layout.dim;
  const at = span?.at ?? 0;
  return Array.from({ length: pick ? pick.length : count }, (_, r) => (pick ? pick[r] : r) * stride + at);
}

// a carry block and a mean block of COLUMN_BLOCK float32 columns each in one scratch slot
if (2 * COLUMN_BLOCK * 4 > SCRATCH_SLOT_BYTES) throw new Error('live reduce: a scratch slot cannot hold two column blocks');

/**
 * The float32 columns of a pass in the kernels, block by block: the carry's block into a scratch
 * slot, every row added in order (accumulate1 with weight 1: x * 1 is exact, so acc + x; or with
 * meanF32, sqdevAcc: acc + (x - m)^2), and back. False when no slot was free (then the JS loop).
 */
function vecInKernels(k: ExchangeKernels, vec: Float32Array, rows: Float32Array, starts: number[], layout: ReduceLayout, meanF32?: Float32Array): boolean {
  if (rows.buffer !== k.memory.buffer) throw new RangeError('live reduce: the kernels read rows in their own memory; these rows are elsewhere (pass no kernels for them)');
  const done = withScratchSlot(k, (acc) => {
    const heap = new Float32Array(k.memory.buffer);
    const m = acc + COLUMN_BLOCK * 4;
    const add = k.axpy.accumulate[0];
    for (const b of layout.blocks) {
      const width = b.vecEnd - b.c0;
      if (width === 0) continue;
      heap.set(vec.subarray(b.vecAt, b.vecAt + width), acc >> 2);
      if (meanF32) heap.set(meanF32.subarray(b.c0, b.vecEnd), m >> 2);
      for (const o of starts) {
        const x = rows.byteOffset + (o + b.c0) * 4;
        if (meanF32) k.sqdevAcc(acc, x, m, width * 4);
        else add(acc, x, 1, width * 4);
      }
      vec.set(heap.subarray(acc >> 2, (acc >> 2) + width), b.vecAt);
    }
    return true;
  });
  return done === true;
}

/**
 * Pass 1: adds this process's rows (count rows; only the `pick`ed local indices, in order, when
 * given) to the running column sums, in row order, exactly as the kernel's float32 accumulators
 * and the JS loop's float64 sums would. After the last process, `sums` holds the kernel's acc
 * values and the JS loop's sums over all n rows.
 */
export function columnSumsContinue(sums: ColumnCarry, rows: Float32Array, count: number, layout: ReduceLayout, pick?: ArrayLike<number>, span?: RowSpan): void {
  const { vec, tail } = sums;
  const starts = rowStarts(count, layout, pick, span);
  const simd = span?.kernels !== undefined && layout.vecColumns > 0 && vecInKernels(span.kernels, vec, rows, starts, layout);
  for (const o of starts) {
    for (const b of layout.blocks) {
      // a Float32Array store rounds the exact double sum of two floats: the kernel's f32 add
      if (!simd) for (let c = b.c0, v = b.vecAt; c < b.vecEnd; c++, v++) vec[v] += rows[o + c];
      for (let c = b.vecEnd, t = b.tailAt; c < b.c1; c++, t++) tail[t] += rows[o + c];
    }
  }
}

/** The network mean as the engine leaves it: state.mean (float64) and state.meanF32. */
export interface ReducedMean {
  readonly mean: Float64Array;
  readonly meanF32: Float32Array;
}

/**
 * The mean from the final sums over n rows: the kernel multiplies its float32 sum by float32(1/n)
 * (its mean is float32, and state.mean holds the same value); the JS loop divides its float64 sum by n.
 * Written into `out` (layout.dim columns each) when given.
 */
export function meanOf(sums: ColumnCarry, n: number, layout: ReduceLayout, out?: ReducedMean): ReducedMean {
  if (!(n >= 1)) throw new RangeError(`live reduce: the mean needs at least one row, got n = ${n}`);
  const mean = out?.mean ?? new Float64Array(layout.dim);
  const meanF32 = out?.meanF32 ?? new Float32Array(layout.dim);
  const inv = Math.fround(1 / n);
  for (const b of layout.blocks) {
    for (let c = b.c0, v = b.vecAt; c < b.vecEnd; c++, v++) {
      meanF32[c] = sums.vec[v] * inv;
      mean[c] = meanF32[c];
    }
    for (let c = b.vecEnd, t = b.tailAt; c < b.c1; c++, t++) {
      const m = sums.tail[t] / n;
      mean[c] = m;
      meanF32[c] = m;
    }
  }
  return { mean, meanF32 };
}

/**
 * Pass 2: adds this process's squared deviations from the mean to the running per-column totals
 * in row order: float32 (x - m)^2 with each operation rounded, as the kernel does, on its columns;
 * float64 on the JS loop's.
 */
export function deviationsContinue(devs: ColumnCarry, rows: Float32Array, count: number, layout: ReduceLayout, mean: ReducedMean, pick?: ArrayLike<number>, span?: RowSpan): void {
  const { vec, tail } = devs;
  const m = mean.mean;
  const starts = rowStarts(count, layout, pick, span);
  const simd = span?.kernels !== undefined && layout.vecColumns > 0 && vecInKernels(span.kernels, vec, rows, starts, layout, mean.meanF32);
  for (const o of starts) {
    for (const b of layout.blocks) {
      if (!simd) {
        for (let c = b.c0, v = b.vecAt; c < b.vecEnd; c++, v++) {
          const d = Math.fround(rows[o + c] - m[c]);
          vec[v] += Math.fround(d * d);
        }
      }
      for (let c = b.vecEnd, t = b.tailAt; c < b.c1; c++, t++) {
        const d = rows[o + c] - m[c];
        tail[t] += d * d;
      }
    }
  }
}

/**
 * The total squared deviation as runtime.totalDeviation adds it: per block, the kernel's four
 * float32 lanes (lane l of chunk j gets columns 16j + 4q + l for q = 0..3, in that order) added
 * o0 + o1 + o2 + o3 in float64, then the JS loop's columns in order; blocks added in order.
 */
export function totalFromDeviations(devs: ColumnCarry, layout: ReduceLayout): number {
  let total = 0;
  const lane = new Float32Array(4);
  for (const b of layout.blocks) {
    let t = 0;
    if (layout.path === 'simd') {
      lane.fill(0);
      for (let v = b.vecAt, end = b.vecAt + (b.vecEnd - b.c0); v < end; v += 16) {
        for (let q = 0; q < 16; q += 4) for (let l = 0; l < 4; l++) lane[l] += devs.vec[v + q + l];
      }
      t = lane[0] + lane[1] + lane[2] + lane[3];
    }
    for (let x = b.tailAt, end = b.tailAt + (b.c1 - b.vecEnd); x < end; x++) t += devs.tail[x];
    total += t;
  }
  return total;
}

/** consensusDistance's number: the total squared deviation over the n rows reduced, divided by n. */
export function consensusFromDeviations(devs: ColumnCarry, n: number, layout: ReduceLayout): number {
  return totalFromDeviations(devs, layout) / n;
}

/** |x_i - mean|^2 in float64 for each of this process's rows, as runtime.distances() computes them. */
export function distancesTo(rows: Float32Array, count: number, mean: Float64Array, out: Float64Array = new Float64Array(count)): Float64Array {
  const dim = mean.length;
  for (let i = 0; i < count; i++) {
    let acc = 0;
    const o = i * dim;
    for (let c = 0; c < dim; c++) {
      const d = rows[o + c] - mean[c];
      acc += d * d;
    }
    out[i] = acc;
  }
  return out;
}

/** What the reduction of one measured round sends between P processes. */
export interface ReduceTraffic {
  /** one carry: column sums (pass 1) or squared deviations (pass 2) */
  bytesPerHop: number;
  /** hops along the chain per pass (P - 1) */
  hopsPerPass: number;
  /** messages of the final sums from the last process to the others (P - 1) */
  meanMessages: number;
  /** all of it: (P - 1) hops of pass 1, the final sums to P - 1 processes, (P - 1) hops of pass 2 */
  bytesPerRound: number;
}

export function reduceTraffic(dim: number, processes: number, path: StatsPath = 'simd'): ReduceTraffic {
  const bytesPerHop = carryByteLength(reduceLayout(dim, path));
  const hops = Math.max(0, processes - 1);
  return { bytesPerHop, hopsPerPass: hops, meanMessages: hops, bytesPerRound: 3 * hops * bytesPerHop };
}
