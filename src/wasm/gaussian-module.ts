// Gaussian noise as WebAssembly SIMD: four sfc32 lanes feed Box-Muller with float32 polynomial
// log and sin/cos (Cephes logf, sinf, cosf), two pairs per lane interleaved. src/privacy/gaussian.ts
// has the same arithmetic in JS, operation for operation in float32, so both paths give the same bits.
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
  /** an angle in [-pi/4, pi/4) from 24 signed bits */
  ANGLE: Math.fround(Math.PI / 4 / 2 ** 23),
} as const;

export interface GaussianExports {
  /**
   * Adds noise to blocks * BLOCK floats at buf (16-byte aligned). In each block, lane l's pair j
   * (from its sfc32 words 2j and 2j + 1) lands at 8j + l and 8j + 4 + l, times std. The lanes' state
   * is 16 words at state (a, b, c, d, 4 lanes each), read at the start and written back at the end.
   */
  noise(state: number, buf: number, blocks: number, std: number): void;
}

/** Code with the i32x4 and bitwise ops the generator needs (asm.ts has the float ones). */
class NoiseCode extends Code {
  private readonly constants = new Map<number, number>();

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
  f32x4ConvertI32x4S(): this { return this.simdOp(0xfa); }

  /**
   * Splats of these 32-bit patterns (floats as float32 values), each set once into a local before
   * the loop: V8 then reloads or rematerialises them, cheaper than a splat at every use.
   */
  declare(patterns: readonly number[]): this {
    for (const n of patterns) {
      if (this.constants.has(n | 0)) continue;
      const l = this.local(V128);
      this.i32(n).i32x4Splat().set(l);
      this.constants.set(n | 0, l);
    }
    return this;
  }
  /** a declared splat of a 32-bit pattern */
  bits(n: number): this {
    const l = this.constants.get(n | 0);
    if (l === undefined) throw new Error(`gaussian module: the constant ${n} was not declared`);
    return this.get(l);
  }
  /** a declared splat of a float32 */
  float(x: number): this {
    return this.bits(floatBits(x));
  }
}

const floatBits = (x: number) => new Int32Array(new Float32Array([x]).buffer)[0];

/** Box-Muller pairs each lane makes per block; two pairs interleaved keep the float units busy. */
export const PAIRS = 2;
/** Floats per block: 4 lanes, PAIRS pairs. */
export const BLOCK = 8 * PAIRS;
/** float(s) minus this, as integers, is (the exponent - 31) << 23 plus the mantissa bits of 1 + x in [sqrt(1/2), sqrt(2)) */
const LOG_OFFSET = 0x3f3504f3 + (31 << 23);

function noise(): Code {
  const c = new NoiseCode([I32, I32, I32, F32]);
  const [state, buf, blocks, std] = [0, 1, 2, 3];
  const p = c.local(I32), end = c.local(I32);
  const [a, b, cc, d] = [0, 1, 2, 3].map(() => c.local(V128));
  const stdv = c.local(V128);
  const L = NOISE.LOG_P, S = NOISE.SIN_P, C = NOISE.COS_P;
  c.declare([1, LOG_OFFSET, 0x7fffff, 0x3f3504f3, ...[1, 0.5, -0.5, -2, NOISE.ANGLE, NOISE.LN2_LO, NOISE.LN2_HI, ...L, ...S, ...C].map(floatBits)]);
  c.get(std).f32x4Splat().set(stdv);
  [a, b, cc, d].forEach((v, k) => c.get(state).v128Load(16 * k).set(v));
  c.get(buf).set(p);
  c.get(buf).get(blocks).i32(4 * BLOCK).mul().add().set(end);

  /** one sfc32 step on all lanes, its output left in `out` */
  const sfc32 = (out: number) => {
    c.get(a).get(b).i32x4Add().get(d).i32x4Add().set(out);
    c.get(d).bits(1).i32x4Add().set(d);
    c.get(b).get(b).i32(9).i32x4ShrU().v128Xor().set(a);
    c.get(cc).get(cc).i32(3).i32x4Shl().i32x4Add().set(b);
    c.get(cc).i32(21).i32x4Shl().get(cc).i32(11).i32x4ShrU().v128Or().get(out).i32x4Add().set(cc);
  };
  const pairs = Array.from({ length: PAIRS }, () => ({
    w1: c.local(V128), w2: c.local(V128), t: c.local(V128), e: c.local(V128), x: c.local(V128), z: c.local(V128),
    y: c.local(V128), r: c.local(V128), g: c.local(V128), sin: c.local(V128), cos: c.local(V128), gg: c.local(V128),
  }));

  /** Pair j's code, statement by statement, so that the pairs can be interleaved. */
  function* pair(j: number): Generator<void> {
    const { w1, w2, t, e, x, z, y, r, g, sin, cos, gg } = pairs[j];
    // log u for u = s / 2^31, s = (w1 >>> 1) | 1: float(s) = (1 + x) 2^(e + 31)
    c.get(w1).i32(1).i32x4ShrU().bits(1).v128Or().f32x4ConvertI32x4S().bits(LOG_OFFSET).i32x4Sub().set(t); yield;
    c.get(t).i32(23).i32x4ShrS().f32x4ConvertI32x4S().set(e); yield;
    c.get(t).bits(0x7fffff).v128And().bits(0x3f3504f3).i32x4Add().float(1).f32x4Sub().set(x); yield;
    c.get(x).get(x).f32x4Mul().set(z); yield;
    // an angle in [-pi/4, pi/4) from the top 24 bits of w2
    c.get(w2).i32(8).i32x4ShrS().f32x4ConvertI32x4S().float(NOISE.ANGLE).f32x4Mul().set(g); yield;
    c.get(g).get(g).f32x4Mul().set(gg); yield;
    // the three polynomials side by side (Horner each)
    c.float(L[0]).get(x).f32x4Mul().float(L[1]).f32x4Add().set(y); yield;
    c.float(S[0]).get(gg).f32x4Mul().float(S[1]).f32x4Add().set(sin); yield;
    c.float(C[0]).get(gg).f32x4Mul().float(C[1]).f32x4Add().set(cos); yield;
    for (let k = 2; k < L.length; k++) {
      c.get(y).get(x).f32x4Mul().float(L[k]).f32x4Add().set(y); yield;
      if (k === 2) { c.get(sin).get(gg).f32x4Mul().float(S[2]).f32x4Add().set(sin); yield; }
      if (k === 3) { c.get(cos).get(gg).f32x4Mul().float(C[2]).f32x4Add().set(cos); yield; }
      if (k === 4) { c.get(sin).get(gg).f32x4Mul().get(g).f32x4Mul().get(g).f32x4Add().set(sin); yield; }
      if (k === 5) {
        c.get(cos).get(gg).f32x4Mul().get(gg).f32x4Mul().get(gg).float(0.5).f32x4Mul().f32x4Sub().float(1).f32x4Add().set(cos);
        yield;
      }
      // bit 0 of w2 swaps sin and cos: g = (sin ^ cos) where set, so cos ^ g and sin ^ g are the pair
      if (k === 6) { c.get(cos).get(sin).v128Xor().get(w2).i32(31).i32x4Shl().i32(31).i32x4ShrS().v128And().set(g); yield; }
    }
    c.get(y).get(x).f32x4Mul().get(z).f32x4Mul().set(y); yield;
    c.get(y).get(e).float(NOISE.LN2_LO).f32x4Mul().f32x4Add().set(y); yield;
    c.get(y).get(z).float(-0.5).f32x4Mul().f32x4Add().set(y); yield;
    c.get(x).get(y).f32x4Add().get(e).float(NOISE.LN2_HI).f32x4Mul().f32x4Add().set(x); yield;
    // the radius times std, negated by bit 0 of w1
    c.get(x).float(-2).f32x4Mul().f32x4Sqrt().get(stdv).f32x4Mul().get(w1).i32(31).i32x4Shl().v128Xor().set(r); yield;
    c.get(p).get(p).v128Load(32 * j).get(r).get(cos).get(g).v128Xor().f32x4Mul().f32x4Add().v128Store(32 * j); yield;
    c.get(p).get(p).v128Load(32 * j + 16).get(r).get(sin).get(g).v128Xor().f32x4Mul().f32x4Add().v128Store(32 * j + 16);
  }

  c.whileLt(p, end, 4 * BLOCK, () => {
    for (const { w1, w2 } of pairs) {
      sfc32(w1);
      sfc32(w2);
    }
    const code = pairs.map((_, j) => pair(j));
    for (let live = code.length; live > 0; ) {
      live = 0;
      for (const step of code) if (!step.next().done) live++;
    }
  });
  [a, b, cc, d].forEach((v, k) => c.get(state).get(v).v128Store(16 * k));
  return c;
}

export function gaussianModuleBytes(): Uint8Array<ArrayBuffer> {
  return assembleModule([{ name: 'noise', code: noise() }], 1);
}
