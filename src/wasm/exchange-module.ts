// The exchange step's loops as WebAssembly SIMD: sparse mixing (dst = sum_j w_j src_j, up to
// eight sources fused per pass) and per-column statistics. The module imports a shared memory.
import { assembleModule, Code, ValType } from './asm.js';
import { selectionNetwork, sortingNetwork } from './sorting-network.js';

/** A shared memory's maximum: 4 GiB of 64 KiB pages. */
export const MAX_PAGES = 65536;
const I32 = ValType.I32;
const F32 = ValType.F32;
const V128 = ValType.V128;
/** Sources fused per pass over a destination block: a ring with k=2 (5 entries a row) is one pass. */
export const MAX_FUSED = 8;

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

/** Largest neighbourhood (self included) the order-statistic kernels sort in registers. */
export const MAX_WINDOW = 16;
/**
 * Largest neighbourhood with a kernel per symmetric window (degree 8, a ring up to k = 4); larger
 * ones take the window as params. Each size adds (k + 1) / 2 functions to every thread's module.
 */
export const MAX_TRIMMED = 9;

/**
 * The order-statistic rules' loop for k sources: per 4 columns, sort the k values in registers
 * (the comparator network of sorting-network.ts, each comparator a pmin/pmax pair on one
 * predicate, so it swaps or keeps whole values), then dst = (+0 + the sorted values in [lo, hi),
 * ascending) / (hi - lo). For NaN-free values this is the JS loop's answer bit for bit: equal
 * values can only be +0 and -0, and those add the same to a sum that starts at +0.
 * With `trim`, the window is fixed at [trim, k - trim) (median and trimmed mean), the network is
 * cut to what it needs and the params are dst, src_1..k, lenBytes; without, the window comes as
 * params: dst, src_1..k, lenBytes, lo, hi (masks: about twice as slow).
 */
function windowMean(k: number, trim?: number): Code {
  const fixed = trim !== undefined;
  const c = new Code([I32, ...Array(k).fill(I32), I32, ...(fixed ? [] : [I32, I32])]);
  const dst = 0;
  const src = (j: number) => 1 + j;
  const [len, lo, hi] = [1 + k, 2 + k, 3 + k];
  const i = c.local(I32);
  const r = Array.from({ length: k }, () => c.local(V128));
  const acc = c.local(V128), cnt = c.local(V128), t = c.local(V128);
  const m = fixed ? [] : Array.from({ length: k }, () => c.local(V128));
  if (fixed) c.f32(k - 2 * trim).f32x4Splat().set(cnt);
  else {
    // mask j = all ones when lo <= j < hi
    for (let j = 0; j < k; j++) c.i32(0).i32(j).get(lo).geS().i32(j).get(hi).ltS().and().sub().i32x4Splat().set(m[j]);
    c.get(hi).get(lo).sub().f32ConvertI32S().f32x4Splat().set(cnt);
  }
  const steps = fixed ? selectionNetwork(k, trim, k - trim) : selectionNetwork(k, 0, k);
  c.whileLt(i, len, 16, () => {
    for (let j = 0; j < k; j++) c.get(src(j)).get(i).add().v128Load().set(r[j]);
    for (const { a, b, min, max } of steps) {
      // one predicate (r_b < r_a) for both halves: min to a, max to b
      if (min && max) {
        c.get(r[a]).get(r[b]).f32x4Pmin().set(t);
        c.get(r[b]).get(r[a]).f32x4Pmax().set(r[b]);
        c.get(t).set(r[a]);
      } else if (min) c.get(r[a]).get(r[b]).f32x4Pmin().set(r[a]);
      else c.get(r[b]).get(r[a]).f32x4Pmax().set(r[b]);
    }
    c.f32(0).f32x4Splat().set(acc);
    if (fixed) for (let j = trim; j < k - trim; j++) c.get(acc).get(r[j]).f32x4Add().set(acc);
    else for (let j = 0; j < k; j++) c.get(acc).get(r[j]).get(m[j]).v128And().f32x4Add().set(acc);
    c.get(dst).get(i).add().get(acc).get(cnt).f32x4Div().v128Store();
  });
  return c;
}

/** Largest neighbourhood (self included) the scratch-sorting kernel takes; larger ones stay in JS. */
export const MAX_SORT = 256;
/** The scratch-sorting kernel sorts each aligned run of this many values in registers as it loads them. */
export const PRESORT = 16;

/**
 * The order-statistic loop for any k (up to MAX_SORT), sorting in linear memory instead of
 * registers: params dst, table, k, start, end, lo, hi, buf, net, netBytes. For byte offsets i in
 * [start, end), `groups` * 4 columns at a time: value j is the v128s at table[j] + i (table: k i32
 * addresses), copied to buf (k * 16 * groups bytes), each whole run of PRESORT values sorted on
 * the way in registers; then the comparators of `net` (netBytes / 8 pairs of i32 positions
 * a < b: the rest of a network, see presortedPrefix in exchange.ts) run in order, each a pmin/pmax
 * pair on one predicate as in windowMean, so the bits match the JS loop the same way; then
 * dst + i = (+0 + buf[lo..hi)) / (hi - lo).
 */
function windowSort(groups: number): Code {
  const c = new Code([I32, I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [dst, table, k, start, end, lo, hi, buf, net, netBytes] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const width = 16 * groups;
  const shift = Math.log2(width);
  const i = c.local(I32), p = c.local(I32), q = c.local(I32), s = c.local(I32), stop = c.local(I32);
  const a = c.local(I32), b = c.local(I32);
  const va = c.local(V128), vb = c.local(V128), cnt = c.local(V128);
  const acc = Array.from({ length: groups }, () => c.local(V128));
  const r = Array.from({ length: PRESORT }, () => c.local(V128));
  c.get(hi).get(lo).sub().f32ConvertI32S().f32x4Splat().set(cnt);
  c.get(start).set(i);
  c.whileLt(i, end, width, () => {
    // gather: buf[j] = the values of source j at i, whole runs of PRESORT sorted in registers
    c.get(table).set(p);
    c.get(buf).set(q);
    c.get(table).get(k).i32(-PRESORT).and().i32(2).shl().add().set(stop);
    c.whileLt(p, stop, 4 * PRESORT, () => {
      for (let g = 0; g < groups; g++) {
        for (let j = 0; j < PRESORT; j++) c.get(p).i32Load(4 * j).get(i).add().v128Load(16 * g).set(r[j]);
        for (const [x, y] of sortingNetwork(PRESORT)) {
          c.get(r[x]).get(r[y]).f32x4Pmin().set(va);
          c.get(r[y]).get(r[x]).f32x4Pmax().set(r[y]);
          c.get(va).set(r[x]);
        }
        for (let j = 0; j < PRESORT; j++) c.get(q).get(r[j]).v128Store(width * j + 16 * g);
      }
      c.get(q).i32(width * PRESORT).add().set(q);
    });
    c.get(table).get(k).i32(2).shl().add().set(stop);
    c.whileLt(p, stop, 4, () => {
      c.get(p).i32Load().get(i).add().set(s);
      for (let g = 0; g < groups; g++) c.get(q).get(s).v128Load(16 * g).v128Store(16 * g);
      c.get(q).i32(width).add().set(q);
    });
    // the network: min to a, max to b on one predicate (b < a)
    c.get(net).set(p);
    c.get(net).get(netBytes).add().set(stop);
    c.whileLt(p, stop, 8, () => {
      c.get(p).i32Load().i32(shift).shl().get(buf).add().set(a);
      c.get(p).i32Load(4).i32(shift).shl().get(buf).add().set(b);
      for (let g = 0; g < groups; g++) {
        c.get(a).v128Load(16 * g).set(va);
        c.get(b).v128Load(16 * g).set(vb);
        c.get(a).get(va).get(vb).f32x4Pmin().v128Store(16 * g);
        c.get(b).get(vb).get(va).f32x4Pmax().v128Store(16 * g);
      }
    });
    // the window, ascending from +0
    for (let g = 0; g < groups; g++) c.f32(0).f32x4Splat().set(acc[g]);
    c.get(lo).i32(shift).shl().get(buf).add().set(p);
    c.get(hi).i32(shift).shl().get(buf).add().set(stop);
    c.whileLt(p, stop, width, () => {
      for (let g = 0; g < groups; g++) c.get(acc[g]).get(p).v128Load(16 * g).f32x4Add().set(acc[g]);
    });
    for (let g = 0; g < groups; g++) c.get(dst).get(i).add().get(acc[g]).get(cnt).f32x4Div().v128Store(16 * g);
  });
  return c;
}

/**
 * sum over [0, lenBytes) (a multiple of 32) of (a - b)^2 in float64, columns c mod 8 in lane l_c,
 * returned as ((l0 + l2) + (l4 + l6)) + ((l1 + l3) + (l5 + l7)); squaredDistance in
 * aggregation/distance.ts is the same sum in JS (8 = its DISTANCE_LANES). Symmetric in a and b to the bit.
 */
function sqDist(): Code {
  const c = new Code([I32, I32, I32], [ValType.F64]);
  const [a, b, len] = [0, 1, 2];
  const i = c.local(I32), pa = c.local(I32), pb = c.local(I32), d = c.local(V128);
  const acc = [0, 1, 2, 3].map(() => c.local(V128));
  c.whileLt(i, len, 32, () => {
    c.get(a).get(i).add().set(pa);
    c.get(b).get(i).add().set(pb);
    for (let q = 0; q < 4; q++) {
      c.get(pa).v128Load64Splat(8 * q).f64x2PromoteLow().get(pb).v128Load64Splat(8 * q).f64x2PromoteLow().f64x2Sub().set(d);
      c.get(acc[q]).get(d).get(d).f64x2Mul().f64x2Add().set(acc[q]);
    }
  });
  c.get(acc[0]).get(acc[1]).f64x2Add().get(acc[2]).get(acc[3]).f64x2Add().f64x2Add().set(d);
  c.get(d).f64x2Lane(0).get(d).f64x2Lane(1).f64Add();
  return c;
}

/**
 * The module's bytes: assign1..8, accumulate1..8, colStats, sqdevAcc, sqDist, window2..16,
 * window{k}t{trim} (k <= MAX_TRIMMED), windowSort4 / windowSort16 (columns per step, any k);
 * imports a shared memory. Compiled in modules.ts.
 */
export function exchangeModuleBytes(): Uint8Array<ArrayBuffer> {
  const functions = [];
  for (let n = 1; n <= MAX_FUSED; n++) {
    functions.push({ name: `assign${n}`, code: axpy(n, false) });
    functions.push({ name: `accumulate${n}`, code: axpy(n, true) });
  }
  functions.push({ name: 'colStats', code: colStats() });
  functions.push({ name: 'sqdevAcc', code: sqdevAcc() });
  functions.push({ name: 'sqDist', code: sqDist() });
  for (let k = 2; k <= MAX_WINDOW; k++) {
    functions.push({ name: `window${k}`, code: windowMean(k) });
    for (let t = 0; 2 * t < k && k <= MAX_TRIMMED; t++) functions.push({ name: `window${k}t${t}`, code: windowMean(k, t) });
  }
  functions.push({ name: 'windowSort4', code: windowSort(1) });
  functions.push({ name: 'windowSort16', code: windowSort(4) });
  return assembleModule(functions, 1, MAX_PAGES);
}

/** The raw exports: `assign${n}` / `accumulate${n}` take (dst, src_1..n, w_1..n, lenBytes). */
export type ExchangeExports = Record<string, (...args: number[]) => number | undefined>;
