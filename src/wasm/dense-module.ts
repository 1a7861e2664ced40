// The loops of a dense layer's forward and backward pass, as WebAssembly SIMD. They skip zero
// inputs: MNIST pixels are ~81% zero and ReLU zeroes about half of a hidden layer. fwd and gradw
// first gather the non-zeros of a row (or of a column over the batch) into a list, then sweep
// the output in blocks of 32 floats held in 8 registers, adding v * (a row of W or dz) for each
// listed non-zero: one load per multiply-add, unit stride, and each output written once.
// Matrices are row-major [rows, cols]; pointers are byte addresses, sizes element counts.

import { Code, ValType, assembleModule } from './asm.js';

const { I32, F32, V128 } = { I32: ValType.I32, F32: ValType.F32, V128: ValType.V128 };

export interface DenseExports {
  /**
   * out[r, :] += sum over k with a[r, k] != 0 of a[r, k] * w[k, :]   (a: rows x k, w: k x n, out: rows x n).
   * `list` is scratch for 8 * max(k, rows) bytes.
   */
  fwd(a: number, rows: number, k: number, w: number, n: number, out: number, list: number): void;
  /** g[k, :] = sum over r with a[r, k] != 0 of a[r, k] * dz[r, :]      (a: rows x k, dz: rows x n, g: k x n) */
  gradw(a: number, rows: number, k: number, dz: number, n: number, g: number, list: number): void;
  /** da[r, k] = a[r, k] > 0 ? dot(dz[r, :], w[k, :]) : 0               (the ReLU-masked dz · w^T) */
  backdot(dz: number, rows: number, n: number, w: number, k: number, a: number, da: number): void;
  /** out[0..n) = sum over `count` (byte offset i32, value f32) pairs at list of value * base[offset / 4 + 0..n) (registers hold out; written, not added) */
  accum(base: number, list: number, count: number, n: number, out: number): void;
  /** x[i] = max(x[i], 0) for i < count, in whole vectors: the buffer must be padded to 16 bytes */
  relu(x: number, count: number): void;
}

/** Locals of the gather + blocked-accumulate loops. */
function blockLocals(c: Code) {
  return {
    nb: c.local(I32), n16: c.local(I32), n32: c.local(I32), n64: c.local(I32), n128: c.local(I32), j: c.local(I32), q: c.local(I32), qe: c.local(I32),
    p: c.local(I32), o: c.local(I32), t: c.local(I32), off: c.local(I32), src: c.local(I32), v: c.local(F32),
    vv: c.local(V128), sacc: c.local(F32), acc: Array.from({ length: 8 }, () => c.local(V128)),
  };
}
type BlockLocals = ReturnType<typeof blockLocals>;

/**
 * Gathers the non-zeros among `count` floats starting at byte address `src` (stride `stride`
 * bytes) into (byte offset, value) pairs at `list`, the i-th non-zero's offset being i * offStep.
 * Branch-free: every element is written and the cursor only advances past non-zeros. Leaves qe.
 */
function emitGather(c: Code, B: BlockLocals, count: number, stride: number, offStep: number, list: number): void {
  c.get(list).set(B.q);
  c.i32(0).set(B.off);
  c.get(count).set(B.t);
  c.repeat(B.t, () => {
    c.get(B.src).f32Load().set(B.v);
    c.get(B.q).get(B.off).i32Store();
    c.get(B.q).get(B.v).f32Store(4);
    c.get(B.q).get(B.v).f32(0).f32Ne().i32(3).shl().add().set(B.q);
    c.get(B.src).get(stride).add().set(B.src);
    c.get(B.off).get(offStep).add().set(B.off);
  });
  c.get(B.q).set(B.qe);
}

/**
 * out[0..n) = (init ? out : 0) + sum over listed (offset, v) of v * base[offset + 0..n), in blocks
 * of 8 vectors held in registers, then single vectors, then scalars; each block walks the list.
 */
function emitBlockedAccumulate(c: Code, B: BlockLocals, base: number, out: number, list: number, init: boolean): void {
  const block = (width: number, limit: number) => {
    const lanes = width / 16;
    c.whileLt(B.j, limit, width, () => {
      c.get(out).get(B.j).add().set(B.o);
      for (let u = 0; u < lanes; u++) {
        if (init) c.get(B.o).v128Load(16 * u);
        else c.f32(0).f32x4Splat();
        c.set(B.acc[u]);
      }
      c.get(list).set(B.q);
      c.whileLt(B.q, B.qe, 8, () => {
        c.get(B.q).f32Load(4).f32x4Splat().set(B.vv);
        c.get(base).get(B.q).i32Load().add().get(B.j).add().set(B.p);
        for (let u = 0; u < lanes; u++) {
          c.get(B.acc[u]).get(B.vv).get(B.p).v128Load(16 * u).f32x4Mul().f32x4Add().set(B.acc[u]);
        }
      });
      for (let u = 0; u < lanes; u++) c.get(B.o).get(B.acc[u]).v128Store(16 * u);
    });
  };
  c.i32(0).set(B.j);
  // narrower blocks after the widest: every output still sums the same list in the same order
  block(128, B.n128);
  block(64, B.n64);
  block(32, B.n32);
  block(16, B.n16);
  c.whileLt(B.j, B.nb, 4, () => {
    c.get(out).get(B.j).add().set(B.o);
    if (init) c.get(B.o).f32Load();
    else c.f32(0);
    c.set(B.sacc);
    c.get(list).set(B.q);
    c.whileLt(B.q, B.qe, 8, () => {
      c.get(B.q).f32Load(4).get(base).get(B.q).i32Load().add().get(B.j).add().f32Load().f32Mul().get(B.sacc).f32Add().set(B.sacc);
    });
    c.get(B.o).get(B.sacc).f32Store();
  });
}

function emitBlockLimits(c: Code, n: number, B: BlockLocals): void {
  c.get(n).i32(2).shl().set(B.nb);
  c.get(n).i32(-4).and().i32(2).shl().set(B.n16);
  c.get(n).i32(-32).and().i32(2).shl().set(B.n128);
  c.get(n).i32(-16).and().i32(2).shl().set(B.n64);
  c.get(n).i32(-8).and().i32(2).shl().set(B.n32);
}

function buildFwd(): Code {
  // fwd(a, rows, k, w, n, out, list): per row, gather its non-zero inputs, then accumulate W rows
  const c = new Code([I32, I32, I32, I32, I32, I32, I32]);
  const [a, rows, k, w, n, out, list] = [0, 1, 2, 3, 4, 5, 6];
  const B = blockLocals(c);
  const four = c.local(I32);
  c.i32(4).set(four);
  emitBlockLimits(c, n, B);
  c.get(a).set(B.src);
  c.repeat(rows, () => {
    emitGather(c, B, k, four, B.nb, list); // advances src by one row of a
    emitBlockedAccumulate(c, B, w, out, list, true);
    c.get(out).get(B.nb).add().set(out);
  });
  return c;
}

function buildGradW(): Code {
  // gradw(a, rows, k, dz, n, g, list): per input column kk, gather its non-zeros over the batch,
  // then g[kk, :] = sum of a[r, kk] * dz[r, :] (written, not added: g needs no zeroing)
  const c = new Code([I32, I32, I32, I32, I32, I32, I32]);
  const [a, rows, k, dz, n, g, list] = [0, 1, 2, 3, 4, 5, 6];
  const B = blockLocals(c);
  const strideA = c.local(I32), kk = c.local(I32), col = c.local(I32);
  emitBlockLimits(c, n, B);
  c.get(k).i32(2).shl().set(strideA);
  c.get(a).set(col);
  c.get(k).set(kk);
  c.repeat(kk, () => {
    c.get(col).set(B.src);
    emitGather(c, B, rows, strideA, B.nb, list);
    emitBlockedAccumulate(c, B, dz, g, list, false);
    c.get(g).get(B.nb).add().set(g);
    c.get(col).i32(4).add().set(col);
  });
  return c;
}

function buildBackDot(): Code {
  // backdot(dz, rows, n, w, k, a, da)
  const c = new Code([I32, I32, I32, I32, I32, I32, I32]);
  const [dz, rows, n, w, k, a, da] = [0, 1, 2, 3, 4, 5, 6];
  const nb = c.local(I32), n16 = c.local(I32), kk = c.local(I32), row = c.local(I32);
  const j = c.local(I32), p = c.local(I32), q = c.local(I32), acc = c.local(V128), s = c.local(F32);
  c.get(n).i32(2).shl().set(nb);
  c.get(n).i32(-4).and().i32(2).shl().set(n16);
  c.repeat(rows, () => {
    c.get(w).set(row);
    c.get(k).set(kk);
    c.repeat(kk, () => {
      c.get(da);
      c.get(a).f32Load().f32(0).f32Gt().if(F32);
      {
        c.f32(0).f32x4Splat().set(acc);
        c.i32(0).set(j);
        c.whileLt(j, n16, 16, () => {
          c.get(dz).get(j).add().set(p);
          c.get(row).get(j).add().set(q);
          c.get(acc).get(p).v128Load().get(q).v128Load().f32x4Mul().f32x4Add().set(acc);
        });
        c.get(acc).f32x4Lane(0).get(acc).f32x4Lane(1).f32Add().get(acc).f32x4Lane(2).get(acc).f32x4Lane(3).f32Add().f32Add().set(s);
        c.whileLt(j, nb, 4, () => {
          c.get(dz).get(j).add().f32Load().get(row).get(j).add().f32Load().f32Mul().get(s).f32Add().set(s);
        });
        c.get(s);
      }
      c.else().f32(0).end();
      c.f32Store();
      c.get(a).i32(4).add().set(a);
      c.get(da).i32(4).add().set(da);
      c.get(row).get(nb).add().set(row);
    });
    c.get(dz).get(nb).add().set(dz);
  });
  return c;
}

function buildAccum(): Code {
  const c = new Code([I32, I32, I32, I32, I32]);
  const [base, list, count, n, out] = [0, 1, 2, 3, 4];
  const B = blockLocals(c);
  emitBlockLimits(c, n, B);
  c.get(list).get(count).i32(3).shl().add().set(B.qe);
  emitBlockedAccumulate(c, B, base, out, list, false);
  return c;
}

function buildRelu(): Code {
  // relu(x, count)
  const c = new Code([I32, I32]);
  const [x, count] = [0, 1];
  const end = c.local(I32), zero = c.local(V128);
  c.f32(0).f32x4Splat().set(zero);
  c.get(count).i32(2).shl().get(x).add().set(end);
  c.whileLt(x, end, 16, () => {
    c.get(x).get(x).v128Load().get(zero).f32x4Max().v128Store();
  });
  return c;
}

/** The module's bytes: its functions, importing `env.memory` (not shared). Compiled in modules.ts. */
export function denseModuleBytes(): Uint8Array<ArrayBuffer> {
  return assembleModule(
    [
      { name: 'fwd', code: buildFwd() },
      { name: 'gradw', code: buildGradW() },
      { name: 'backdot', code: buildBackDot() },
      { name: 'relu', code: buildRelu() },
      { name: 'accum', code: buildAccum() },
    ],
    1,
  );
}
