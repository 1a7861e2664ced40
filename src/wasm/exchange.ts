// WebAssembly SIMD kernels for the exchange step: sparse mixing (dst = sum_j w_j src_j, up to eight
// sources fused per pass) and per-column statistics (network mean and squared deviations).
// Peer parameters live in one shared WebAssembly.Memory, so every worker's instance works in
// place on the same rows. Pure JS versions of both live in mix-rows.ts and tasks.ts for when
// this is not available; results of each path are deterministic for any worker count.
import { assembleModule, Code, ValType } from './asm.js';
import type { MixingMatrix } from '../types.js';

const I32 = ValType.I32;
const F32 = ValType.F32;
const V128 = ValType.V128;
const MAX_PAGES = 65536;
/** Sources fused per pass over a destination block: a ring with k=2 (5 entries a row) is one pass. */
const MAX_FUSED = 8;

/** dst = (accumulate ? dst : 0) + sum_k w_k * s_k over lenBytes (a multiple of 16). */
function axpy(n: number, accumulate: boolean): Code {
  const params = [I32, ...Array(n).fill(I32), ...Array(n).fill(F32), I32];
  const c = new Code(params);
  const dst = 0;
  const src = (k: number) => 1 + k;
  const w = (k: number) => 1 + n + k;
  const len = 1 + 2 * n;
  const i = c.local(I32);
  const wv = Array.from({ length: n }, () => c.local(V128));
  for (let k = 0; k < n; k++) c.get(w(k)).f32x4Splat().set(wv[k]);
  c.whileLt(i, len, 16, () => {
    c.get(dst).get(i).add();
    c.get(src(0)).get(i).add().v128Load().get(wv[0]).f32x4Mul();
    for (let k = 1; k < n; k++) c.get(src(k)).get(i).add().v128Load().get(wv[k]).f32x4Mul().f32x4Add();
    if (accumulate) c.get(dst).get(i).add().v128Load().f32x4Add();
    c.v128Store();
  });
  return c;
}

/**
 * For columns [base, base+lenBytes) of `rows` rows `stride` bytes apart (lenBytes a multiple of 64):
 * the column means go to meanOut and the 4 lanes of sum_rows (x - mean)^2 summed over the columns
 * go to resOut. Sixteen columns at a time, so each row access uses a whole 64-byte cache line.
 */
function colStats(): Code {
  const c = new Code([I32, I32, I32, I32, F32, I32, I32]);
  const [base, rows, stride, len, inv, meanOut, resOut] = [0, 1, 2, 3, 4, 5, 6];
  const j = c.local(I32), r = c.local(I32), p = c.local(I32);
  const acc = [0, 1, 2, 3].map(() => c.local(V128));
  const m = [0, 1, 2, 3].map(() => c.local(V128));
  const total = c.local(V128), invv = c.local(V128), d = c.local(V128);
  c.get(inv).f32x4Splat().set(invv);
  c.f32(0).f32x4Splat().set(total);
  c.whileLt(j, len, 64, () => {
    for (let q = 0; q < 4; q++) c.f32(0).f32x4Splat().set(acc[q]);
    c.get(base).get(j).add().set(p);
    c.i32(0).set(r);
    c.whileLt(r, rows, 1, () => {
      for (let q = 0; q < 4; q++) c.get(acc[q]).get(p).v128Load(16 * q).f32x4Add().set(acc[q]);
      c.get(p).get(stride).add().set(p);
    });
    for (let q = 0; q < 4; q++) {
      c.get(acc[q]).get(invv).f32x4Mul().set(m[q]);
      c.get(meanOut).get(j).add().get(m[q]).v128Store(16 * q);
      c.f32(0).f32x4Splat().set(acc[q]); // reused as the deviation accumulator
    }
    c.get(base).get(j).add().set(p);
    c.i32(0).set(r);
    c.whileLt(r, rows, 1, () => {
      for (let q = 0; q < 4; q++) {
        c.get(p).v128Load(16 * q).get(m[q]).f32x4Sub().set(d);
        c.get(acc[q]).get(d).get(d).f32x4Mul().f32x4Add().set(acc[q]);
      }
      c.get(p).get(stride).add().set(p);
    });
    c.get(total).get(acc[0]).f32x4Add().get(acc[1]).f32x4Add().get(acc[2]).f32x4Add().get(acc[3]).f32x4Add().set(total);
  });
  c.get(resOut).get(total).v128Store();
  return c;
}

/** acc += (x - m)^2 elementwise over lenBytes (a multiple of 16). */
function sqdevAcc(): Code {
  const c = new Code([I32, I32, I32, I32]);
  const [acc, x, m, len] = [0, 1, 2, 3];
  const i = c.local(I32), d = c.local(V128);
  c.whileLt(i, len, 16, () => {
    c.get(x).get(i).add().v128Load().get(m).get(i).add().v128Load().f32x4Sub().set(d);
    c.get(acc).get(i).add();
    c.get(acc).get(i).add().v128Load().get(d).get(d).f32x4Mul().f32x4Add();
    c.v128Store();
  });
  return c;
}

type Axpy = (...args: number[]) => void;

export interface ExchangeKernels {
  readonly memory: WebAssembly.Memory;
  readonly axpy: { assign: Axpy[]; accumulate: Axpy[] }; // index = sources - 1
  colStats(base: number, rows: number, stride: number, lenBytes: number, inv: number, meanOut: number, resOut: number): void;
  sqdevAcc(acc: number, x: number, m: number, lenBytes: number): void;
}

let cachedModule: WebAssembly.Module | undefined;

function exchangeModule(): WebAssembly.Module {
  if (!cachedModule) {
    const functions = [];
    for (let n = 1; n <= MAX_FUSED; n++) {
      functions.push({ name: `assign${n}`, code: axpy(n, false) });
      functions.push({ name: `accumulate${n}`, code: axpy(n, true) });
    }
    functions.push({ name: 'colStats', code: colStats() });
    functions.push({ name: 'sqdevAcc', code: sqdevAcc() });
    cachedModule = new WebAssembly.Module(assembleModule(functions, 1, MAX_PAGES));
  }
  return cachedModule;
}

export function instantiateExchange(memory: WebAssembly.Memory): ExchangeKernels {
  const e = new WebAssembly.Instance(exchangeModule(), { env: { memory } }).exports as Record<string, (...a: number[]) => void>;
  return {
    memory,
    axpy: {
      assign: Array.from({ length: MAX_FUSED }, (_, n) => e[`assign${n + 1}`] as Axpy),
      accumulate: Array.from({ length: MAX_FUSED }, (_, n) => e[`accumulate${n + 1}`] as Axpy),
    },
    colStats: e.colStats,
    sqdevAcc: e.sqdevAcc,
  };
}

/** A shared memory of at least `bytes`, or undefined where shared wasm memory or SIMD is unavailable. */
export function createSharedWasmMemory(bytes: number): WebAssembly.Memory | undefined {
  const pages = Math.ceil(bytes / 65536) + 1;
  if (pages > MAX_PAGES) return undefined;
  try {
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    instantiateExchange(memory); // validates SIMD + threads support once
    return memory;
  } catch {
    return undefined;
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
