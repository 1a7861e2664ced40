// The three loops of a dense layer's forward and backward pass, as WebAssembly SIMD. Each skips
// zero inputs: MNIST pixels are ~81% zero and ReLU zeroes about half of a hidden layer, so
// row-axpy loops over non-zeros do a fifth of a dense matMul's work, with unit-stride loads.
// Matrices are row-major [rows, cols]; pointers and sizes are in bytes / elements as noted.

import { Code, ValType, assembleModule } from './wasm-asm.js';

const { I32, F32, V128 } = { I32: ValType.I32, F32: ValType.F32, V128: ValType.V128 };

export interface SimdExports {
  /** out[r, :] += sum over k with a[r, k] != 0 of a[r, k] * w[k, :]   (a: rows x k, w: k x n, out: rows x n) */
  fwd(a: number, rows: number, k: number, w: number, n: number, out: number): void;
  /** g[k, :] += sum over r with a[r, k] != 0 of a[r, k] * dz[r, :]     (a: rows x k, dz: rows x n, g: k x n) */
  gradw(a: number, rows: number, k: number, dz: number, n: number, g: number): void;
  /** da[r, k] = a[r, k] > 0 ? dot(dz[r, :], w[k, :]) : 0               (the ReLU-masked dz · w^T) */
  backdot(dz: number, rows: number, n: number, w: number, k: number, a: number, da: number): void;
  /** x[i] = max(x[i], 0) for i < count (count a multiple of 4; x 16-byte aligned) */
  relu(x: number, count: number): void;
}

/** Emits `dst[0..n) += v * src[0..n)` over byte offsets j, 4 vectors at a time, then 1, then scalars. */
function emitAxpy(c: Code, L: { dst: number; src: number; v: number; vv: number; j: number; pd: number; ps: number; n64: number; n16: number; nb: number }): void {
  c.i32(0).set(L.j);
  const addrs = () => {
    c.get(L.dst).get(L.j).add().set(L.pd);
    c.get(L.src).get(L.j).add().set(L.ps);
  };
  c.whileLt(L.j, L.n64, 64, () => {
    addrs();
    for (let u = 0; u < 4; u++) {
      c.get(L.pd).get(L.pd).v128Load(16 * u).get(L.vv).get(L.ps).v128Load(16 * u).f32x4Mul().f32x4Add().v128Store(16 * u);
    }
  });
  c.whileLt(L.j, L.n16, 16, () => {
    addrs();
    c.get(L.pd).get(L.pd).v128Load().get(L.vv).get(L.ps).v128Load().f32x4Mul().f32x4Add().v128Store();
  });
  c.whileLt(L.j, L.nb, 4, () => {
    addrs();
    c.get(L.pd).get(L.pd).f32Load().get(L.v).get(L.ps).f32Load().f32Mul().f32Add().f32Store();
  });
}

/** Byte limits for n floats: all, whole vectors, whole groups of 4 vectors. */
function emitLimits(c: Code, n: number, nb: number, n16: number, n64: number): void {
  c.get(n).i32(2).shl().set(nb);
  c.get(n).i32(-4).and().i32(2).shl().set(n16);
  c.get(n).i32(-16).and().i32(2).shl().set(n64);
}

function axpyLocals(c: Code) {
  return {
    nb: c.local(I32), n16: c.local(I32), n64: c.local(I32), kk: c.local(I32), row: c.local(I32),
    j: c.local(I32), pd: c.local(I32), ps: c.local(I32), v: c.local(F32), vv: c.local(V128),
  };
}

function buildFwd(): Code {
  // fwd(a, rows, k, w, n, out)
  const c = new Code([I32, I32, I32, I32, I32, I32]);
  const [a, rows, k, w, n, out] = [0, 1, 2, 3, 4, 5];
  const L = axpyLocals(c);
  emitLimits(c, n, L.nb, L.n16, L.n64);
  c.repeat(rows, () => {
    c.get(w).set(L.row);
    c.get(k).set(L.kk);
    c.repeat(L.kk, () => {
      c.get(a).f32Load().tee(L.v).f32(0).f32Ne().if();
      c.get(L.v).f32x4Splat().set(L.vv);
      emitAxpy(c, { ...L, dst: out, src: L.row });
      c.end();
      c.get(a).i32(4).add().set(a);
      c.get(L.row).get(L.nb).add().set(L.row);
    });
    c.get(out).get(L.nb).add().set(out);
  });
  return c;
}

function buildGradW(): Code {
  // gradw(a, rows, k, dz, n, g)
  const c = new Code([I32, I32, I32, I32, I32, I32]);
  const [a, rows, k, dz, n, g] = [0, 1, 2, 3, 4, 5];
  const L = axpyLocals(c);
  emitLimits(c, n, L.nb, L.n16, L.n64);
  c.repeat(rows, () => {
    c.get(g).set(L.row);
    c.get(k).set(L.kk);
    c.repeat(L.kk, () => {
      c.get(a).f32Load().tee(L.v).f32(0).f32Ne().if();
      c.get(L.v).f32x4Splat().set(L.vv);
      emitAxpy(c, { ...L, dst: L.row, src: dz });
      c.end();
      c.get(a).i32(4).add().set(a);
      c.get(L.row).get(L.nb).add().set(L.row);
    });
    c.get(dz).get(L.nb).add().set(dz);
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

let compiled: WebAssembly.Module | undefined;

/** The compiled module, built once per thread (it is ~1 KB, so synchronous compilation is fine). */
export function simdModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(
    assembleModule(
      [
        { name: 'fwd', code: buildFwd() },
        { name: 'gradw', code: buildGradW() },
        { name: 'backdot', code: buildBackDot() },
        { name: 'relu', code: buildRelu() },
      ],
      1,
    ),
  );
  return compiled;
}

/** Whether this runtime validates WebAssembly SIMD (Node >= 16.4, current browsers). */
export function simdSupported(): boolean {
  try {
    simdModule();
    return true;
  } catch {
    return false;
  }
}

export function instantiateSimd(memory: WebAssembly.Memory): SimdExports {
  const instance = new WebAssembly.Instance(simdModule(), { env: { memory } });
  return instance.exports as unknown as SimdExports;
}
