// WebAssembly SIMD versions of the optimizer loops (used by SimdScratch in optimizer-scratch.ts
// and by the SIMD kernel's fused SGD step).

import { Code, ValType, assembleModule } from './asm.js';

const { I32, F32, V128 } = { I32: ValType.I32, F32: ValType.F32, V128: ValType.V128 };

export interface OptimizerExports {
  /** w += alpha * g over nb bytes (a multiple of 16) */
  axpy(w: number, g: number, nb: number, alpha: number): void;
  /** v = beta v + g; w -= lr v */
  momentum(w: number, g: number, v: number, nb: number, lr: number, beta: number): void;
  /** m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; w -= a m / (sqrt(c2 v) + eps) */
  adam(w: number, g: number, m: number, v: number, nb: number, b1: number, b1c: number, b2: number, b2c: number, a: number, c2: number, eps: number): void;
}

/** Loops p over [0, nb) in steps of 16 bytes. */
function vectorLoop(c: Code, p: number, nb: number, body: () => void): void {
  c.i32(0).set(p);
  c.whileLt(p, nb, 16, body);
}

function splat(c: Code, scalar: number): number {
  const v = c.local(V128);
  c.get(scalar).f32x4Splat().set(v);
  return v;
}

function buildAxpy(): Code {
  const c = new Code([I32, I32, I32, F32]);
  const [w, g, nb, alpha] = [0, 1, 2, 3];
  const p = c.local(I32), pw = c.local(I32);
  const va = splat(c, alpha);
  vectorLoop(c, p, nb, () => {
    c.get(w).get(p).add().tee(pw).get(pw).v128Load().get(va).get(g).get(p).add().v128Load().f32x4Mul().f32x4Add().v128Store();
  });
  return c;
}

function buildMomentum(): Code {
  const c = new Code([I32, I32, I32, I32, F32, F32]);
  const [w, g, v, nb, lr, beta] = [0, 1, 2, 3, 4, 5];
  const p = c.local(I32), pw = c.local(I32), pv = c.local(I32), acc = c.local(V128);
  const vlr = splat(c, lr), vbeta = splat(c, beta);
  vectorLoop(c, p, nb, () => {
    c.get(v).get(p).add().tee(pv).v128Load().get(vbeta).f32x4Mul().get(g).get(p).add().v128Load().f32x4Add().set(acc);
    c.get(pv).get(acc).v128Store();
    c.get(w).get(p).add().tee(pw).get(pw).v128Load().get(acc).get(vlr).f32x4Mul().f32x4Sub().v128Store();
  });
  return c;
}

function buildAdam(): Code {
  const c = new Code([I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32]);
  const [w, g, m, v, nb, b1, b1c, b2, b2c, a, c2, eps] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const p = c.local(I32), q = c.local(I32), gv = c.local(V128), mv = c.local(V128), vv = c.local(V128);
  const [sb1, sb1c, sb2, sb2c, sa, sc2, seps] = [b1, b1c, b2, b2c, a, c2, eps].map((s) => splat(c, s));
  vectorLoop(c, p, nb, () => {
    c.get(g).get(p).add().v128Load().set(gv);
    c.get(m).get(p).add().tee(q).v128Load().get(sb1).f32x4Mul().get(gv).get(sb1c).f32x4Mul().f32x4Add().set(mv);
    c.get(q).get(mv).v128Store();
    c.get(v).get(p).add().tee(q).v128Load().get(sb2).f32x4Mul().get(gv).get(gv).f32x4Mul().get(sb2c).f32x4Mul().f32x4Add().set(vv);
    c.get(q).get(vv).v128Store();
    c.get(w).get(p).add().tee(q).get(q).v128Load();
    c.get(mv).get(sa).f32x4Mul();
    c.get(vv).get(sc2).f32x4Mul().f32x4Sqrt().get(seps).f32x4Add();
    c.f32x4Div().f32x4Sub().v128Store();
  });
  return c;
}

/** The module's bytes, importing `env.memory` (not shared). Compiled in modules.ts. */
export function optimizerModuleBytes(): Uint8Array<ArrayBuffer> {
  return assembleModule(
    [
      { name: 'axpy', code: buildAxpy() },
      { name: 'momentum', code: buildMomentum() },
      { name: 'adam', code: buildAdam() },
    ],
    1,
  );
}
