// Gaussian noise as WebAssembly SIMD: four sfc32 lanes feed Box-Muller with float32 polynomial
// log and sin/cos (Cephes logf, sinf, cosf). src/privacy/gaussian.ts has the same arithmetic in JS,
// operation for operation in float32, so both paths give the same bits.
import { assembleModule, Code, ValType } from './asm.js';

const I32 = ValType.I32;
const F32 = ValType.F32;
const V128 = ValType.V128;

/** The constants both paths use, as float32 values. */
export const NOISE = {
  /** sqrt(2): mantissas at or above it are halved, so log's argument is in [sqrt(1/2) - 1, sqrt(2) - 1) */
  SQRT2: Math.fround(Math.SQRT2),
  /** Cephes logf: log(1 + x) = x - x^2/2 + x^3 P(x), P's coefficients from the highest power */
  LOG_P: [7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1].map(Math.fround),
  /** ln 2 split in two (Cephes): the exponent times each, added apart */
  LN2_LO: Math.fround(-2.12194440e-4),
  LN2_HI: Math.fround(0.693359375),
  /** Cephes sinf / cosf on [-pi/4, pi/4] */
  SIN_P: [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1].map(Math.fround),
  COS_P: [2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2].map(Math.fround),
  /** an angle in [0, pi/4) from 24 bits */
  ANGLE: Math.fround(Math.PI / 4 / 2 ** 24),
} as const;

export interface GaussianExports {
  /**
   * Adds noise to blocks * 8 floats at buf (16-byte aligned): each block of 8 is 4 lanes' first normal
   * then their second, times std. The lanes' sfc32 state is 16 words at state (a, b, c, d, 4 lanes
   * each), read at the start and written back at the end.
   */
  noise(state: number, buf: number, blocks: number, std: number): void;
}

/** Code with the i32x4 and bitwise ops the generator needs (asm.ts has the float ones). */
class NoiseCode extends Code {
  private simdOp(op: number): this {
    this.bytes.push(0xfd);
    // LEB128 of the sub-opcode (all below 2^14)
    if (op < 0x80) this.bytes.push(op);
    else this.bytes.push((op & 0x7f) | 0x80, op >>> 7);
    return this;
  }
  v128Or(): this { return this.simdOp(0x50); }
  v128Xor(): this { return this.simdOp(0x51); }
  i32x4Shl(): this { return this.simdOp(0xab); }
  i32x4ShrS(): this { return this.simdOp(0xac); }
  i32x4ShrU(): this { return this.simdOp(0xad); }
  i32x4Add(): this { return this.simdOp(0xae); }
  i32x4Sub(): this { return this.simdOp(0xb1); }
  f32x4Ge(): this { return this.simdOp(0x46); }
  f32x4ConvertI32x4S(): this { return this.simdOp(0xfa); }
  /** a splat of a 32-bit pattern */
  bits(n: number): this { return this.i32(n).i32x4Splat(); }
  /** a splat of a float32 */
  float(x: number): this { return this.f32(x).f32x4Splat(); }
}

function noise(): Code {
  const c = new NoiseCode([I32, I32, I32, F32]);
  const [state, buf, blocks, std] = [0, 1, 2, 3];
  const p = c.local(I32), end = c.local(I32);
  const [a, b, cc, d] = [0, 1, 2, 3].map(() => c.local(V128));
  const w1 = c.local(V128), w2 = c.local(V128), t = c.local(V128);
  const m = c.local(V128), e = c.local(V128), mask = c.local(V128), x = c.local(V128), z = c.local(V128), y = c.local(V128);
  const r = c.local(V128), g = c.local(V128), sin = c.local(V128), cos = c.local(V128), stdv = c.local(V128);
  const one = c.local(V128);

  c.get(std).f32x4Splat().set(stdv);
  c.bits(1).set(one);
  [a, b, cc, d].forEach((v, k) => c.get(state).v128Load(16 * k).set(v));
  c.get(buf).set(p);
  c.get(buf).get(blocks).i32(32).mul().add().set(end);

  /** one sfc32 step on all lanes, its output left in `out` */
  const sfc32 = (out: number) => {
    c.get(a).get(b).i32x4Add().get(d).i32x4Add().set(out);
    c.get(d).get(one).i32x4Add().set(d);
    c.get(b).get(b).i32(9).i32x4ShrU().v128Xor().set(a);
    c.get(cc).get(cc).i32(3).i32x4Shl().i32x4Add().set(b);
    c.get(cc).i32(21).i32x4Shl().get(cc).i32(11).i32x4ShrU().v128Or().get(out).i32x4Add().set(cc);
  };
  /** acc = acc * v + k, for each coefficient k */
  const horner = (acc: number, v: number, coeffs: readonly number[]) => {
    c.float(coeffs[0]).set(acc);
    for (const k of coeffs.slice(1)) c.get(acc).get(v).f32x4Mul().float(k).f32x4Add().set(acc);
  };

  c.whileLt(p, end, 32, () => {
    sfc32(w1);
    sfc32(w2);
    // log u for u = s / 2^31, s = (w1 >>> 1) | 1: exponent and mantissa of float(s)
    c.get(w1).i32(1).i32x4ShrU().get(one).v128Or().f32x4ConvertI32x4S().set(t);
    c.get(t).i32(23).i32x4ShrU().bits(127 + 31).i32x4Sub().set(e);
    c.get(t).bits(0x7fffff).v128And().bits(0x3f800000).v128Or().set(m);
    c.get(m).float(NOISE.SQRT2).f32x4Ge().set(mask);
    c.get(m).float(0.5).f32x4Mul().get(m).get(mask).v128Bitselect().set(m);
    c.get(e).get(mask).i32x4Sub().f32x4ConvertI32x4S().set(e);
    c.get(m).float(1).f32x4Sub().set(x);
    c.get(x).get(x).f32x4Mul().set(z);
    horner(y, x, NOISE.LOG_P);
    c.get(y).get(x).f32x4Mul().get(z).f32x4Mul().set(y);
    c.get(y).get(e).float(NOISE.LN2_LO).f32x4Mul().f32x4Add().set(y);
    c.get(y).get(z).float(-0.5).f32x4Mul().f32x4Add().set(y);
    c.get(x).get(y).f32x4Add().get(e).float(NOISE.LN2_HI).f32x4Mul().f32x4Add().set(x);
    // radius times std
    c.get(x).float(-2).f32x4Mul().f32x4Sqrt().get(stdv).f32x4Mul().set(r);
    // an angle in [0, pi/4) from the top 24 bits of w2; its low 3 bits pick one of the 8 octants
    c.get(w2).i32(8).i32x4ShrU().f32x4ConvertI32x4S().float(NOISE.ANGLE).f32x4Mul().set(g);
    c.get(g).get(g).f32x4Mul().set(z);
    horner(sin, z, NOISE.SIN_P);
    c.get(sin).get(z).f32x4Mul().get(g).f32x4Mul().get(g).f32x4Add().set(sin);
    horner(cos, z, NOISE.COS_P);
    c.get(cos).get(z).f32x4Mul().get(z).f32x4Mul().get(z).float(0.5).f32x4Mul().f32x4Sub().float(1).f32x4Add().set(cos);
    c.get(w2).i32(31).i32x4Shl().i32(31).i32x4ShrS().set(mask); // bit 0: swap sin and cos
    c.get(p);
    c.get(p).v128Load();
    c.get(r).get(sin).get(cos).get(mask).v128Bitselect().f32x4Mul();
    c.get(w2).i32(1).i32x4ShrU().i32(31).i32x4Shl().v128Xor(); // bit 1: the first normal's sign
    c.f32x4Add().v128Store();
    c.get(p);
    c.get(p).v128Load(16);
    c.get(r).get(cos).get(sin).get(mask).v128Bitselect().f32x4Mul();
    c.get(w2).i32(2).i32x4ShrU().i32(31).i32x4Shl().v128Xor(); // bit 2: the second's
    c.f32x4Add().v128Store(16);
  });
  [a, b, cc, d].forEach((v, k) => c.get(state).get(v).v128Store(16 * k));
  return c;
}

export function gaussianModuleBytes(): Uint8Array<ArrayBuffer> {
  return assembleModule([{ name: 'noise', code: noise() }], 1);
}
