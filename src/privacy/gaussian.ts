// Gaussian noise for DP-SGD: adds i.i.d. N(0, std^2) to a gradient in place, drawing only from the
// caller's seeded stream so runs stay deterministic for any worker count.
//
// Each call draws SEED_WORDS words from the caller's Rng to seed four sfc32 lanes; in each block of 16
// floats lane l makes the normals at 8j + l and 8j + 4 + l (j = 0, 1) by Box-Muller from two words:
// the radius sqrt(-2 log u) with u = s / 2^31 for a 31-bit odd s (so |z| < 6.56, as rng.normal()'s
// 32-bit uniform stops at 6.66) and a sign bit; an angle uniform in [-pi/4, pi/4) from 24 bits and a
// bit swapping sin and cos (sign and swap take the quarter circle to the whole circle). log, sin and
// cos are Cephes' float32 polynomials (within a few ulp of float32). The WebAssembly SIMD path
// (src/wasm/gaussian-module.ts) and the JS path below do the same float32 operations in the same
// order (each JS step rounded by Math.fround, exact emulation of float32 +, -, * and sqrt), so they
// give the same bits.
import { Rng } from '../rng.js';
import { instantiate, wasmStatus } from '../wasm/modules.js';
import { BLOCK, PAIRS, NOISE, type GaussianExports } from '../wasm/gaussian-module.js';

/** Words of the caller's stream each call with std > 0 and a non-empty array consumes. */
export const SEED_WORDS = 16;
/** sfc32 steps each lane takes after seeding (as seedState does), so lanes seeded from consecutive words decorrelate. */
const WARM_UP = 12;

const fround = Math.fround;
const [L0, L1, L2, L3, L4, L5, L6, L7, L8] = NOISE.LOG_P;
const [S0, S1, S2] = NOISE.SIN_P;
const [C0, C1, C2] = NOISE.COS_P;
const { SQRT2, LN2_LO, LN2_HI, ANGLE } = NOISE;
/** 2^-k, to scale a float to its mantissa in [1, 2) exactly */
const POW2_NEG = Float64Array.from({ length: 32 }, (_, k) => 2 ** -k);

function checkStd(where: string, std: number): void {
  // std is used as a float32: one too large for it would make every element infinite
  if (!(std >= 0 && fround(std) < Infinity)) throw new RangeError(`${where}: std must be a number >= 0 and finite as a float32, got ${std}`);
}

const lane = new Rng(new Uint32Array(4));

/**
 * Lane states from the caller's stream, laid out a0..a3 b0..b3 c0..c3 d0..d3 (as the wasm kernel
 * loads them), each lane warmed up.
 */
function seedLanes(rng: Rng, lanes: Uint32Array): void {
  for (let l = 0; l < 4; l++) {
    for (let k = 0; k < 4; k++) lane.state[k] = rng.nextUint32();
    for (let i = 0; i < WARM_UP; i++) lane.nextUint32();
    for (let k = 0; k < 4; k++) lanes[4 * k + l] = lane.state[k];
  }
}

const jsLanes = new Uint32Array(16);

/**
 * The JS path: the same bits as the wasm one, some 20 times slower (each float32 step is a double
 * step and a Math.fround). addGaussianNoise takes it where wasmStatus() is not ok; the run's set-up
 * line already says why.
 */
export function addGaussianNoiseJs(rng: Rng, out: Float32Array, std: number): void {
  checkStd('addGaussianNoiseJs', std);
  const n = out.length;
  if (std === 0 || n === 0) return;
  seedLanes(rng, jsLanes);
  const sd = fround(std);
  for (let l = 0; l < 4; l++) {
    let a = jsLanes[l] | 0, b = jsLanes[4 + l] | 0, c = jsLanes[8 + l] | 0, d = jsLanes[12 + l] | 0;
    for (let base = 0; base < n; base += BLOCK) {
      for (let j = 0; j < PAIRS; j++) {
        let t = (a + b + d) | 0;
        d = (d + 1) | 0;
        a = b ^ (b >>> 9);
        b = (c + (c << 3)) | 0;
        c = (((c << 21) | (c >>> 11)) + t) | 0;
        const w1 = t;
        t = (a + b + d) | 0;
        d = (d + 1) | 0;
        a = b ^ (b >>> 9);
        b = (c + (c << 3)) | 0;
        c = (((c << 21) | (c >>> 11)) + t) | 0;
        const w2 = t;
        // log u, u = s / 2^31: float(s) = m 2^k with m in [1, 2), halved at sqrt(2) (the wasm path
        // gets the same m and exponent from the float's bits)
        const f = fround((w1 >>> 1) | 1);
        const k = 31 - Math.clz32(f);
        let m = f * POW2_NEG[k];
        let e = k - 31;
        if (m >= SQRT2) {
          m *= 0.5;
          e += 1;
        }
        const x = fround(m - 1);
        const z = fround(x * x);
        // an angle in [-pi/4, pi/4)
        const g = fround((w2 >> 8) * ANGLE);
        const gg = fround(g * g);
        let y = fround(fround(L0 * x) + L1);
        y = fround(fround(y * x) + L2);
        y = fround(fround(y * x) + L3);
        y = fround(fround(y * x) + L4);
        y = fround(fround(y * x) + L5);
        y = fround(fround(y * x) + L6);
        y = fround(fround(y * x) + L7);
        y = fround(fround(y * x) + L8);
        y = fround(fround(y * x) * z);
        y = fround(y + fround(e * LN2_LO));
        y = fround(y + fround(z * -0.5));
        const lg = fround(fround(x + y) + fround(e * LN2_HI));
        let sin = fround(fround(fround(fround(S0 * gg) + S1) * gg) + S2);
        sin = fround(fround(fround(sin * gg) * g) + g);
        let cos = fround(fround(fround(fround(C0 * gg) + C1) * gg) + C2);
        cos = fround(fround(fround(fround(cos * gg) * gg) - fround(gg * 0.5)) + 1);
        let r = fround(fround(Math.sqrt(fround(lg * -2))) * sd);
        if (w1 & 1) r = -r;
        const swap = (w2 & 1) !== 0;
        const i = base + 8 * j + l;
        if (i < n) out[i] += fround(r * (swap ? sin : cos));
        if (i + 4 < n) out[i + 4] += fround(r * (swap ? cos : sin));
      }
    }
  }
}

/** Floats the wasm path moves in and out per kernel call: 32 KiB, so a chunk stays in L1. */
const CHUNK = 8192;
/** Byte offsets in the kernel's memory: the lane states, then the chunk. */
const STATE = 0;
const BUF = 64;

interface WasmNoise {
  exports: GaussianExports;
  f32: Float32Array;
  lanes: Uint32Array;
}

/** This thread's instance, or null where wasmStatus() says the SIMD kernels do not run. */
let wasmNoise: WasmNoise | null | undefined;

function getWasm(): WasmNoise | null {
  if (wasmNoise === undefined) {
    if (!wasmStatus().ok) wasmNoise = null;
    else {
      // the module is compiled with the others by the one check (src/wasm/modules.ts)
      const memory = new WebAssembly.Memory({ initial: 1 });
      const exports: GaussianExports = instantiate('gaussian', memory);
      wasmNoise = { exports, f32: new Float32Array(memory.buffer), lanes: new Uint32Array(memory.buffer, STATE, 16) };
    }
  }
  return wasmNoise;
}

/** Which path addGaussianNoise takes in this thread (both give the same bits). */
export function gaussianNoisePath(): 'wasm' | 'js' {
  return getWasm() ? 'wasm' : 'js';
}

/** The WebAssembly SIMD path; throws where wasmStatus() is not ok. */
export function addGaussianNoiseWasm(rng: Rng, out: Float32Array, std: number): void {
  checkStd('addGaussianNoiseWasm', std);
  const w = getWasm();
  if (!w) throw new Error(`addGaussianNoiseWasm: WebAssembly kernels are unavailable: ${wasmStatus().reason}`);
  const n = out.length;
  if (std === 0 || n === 0) return;
  seedLanes(rng, w.lanes);
  const { f32, exports } = w;
  const sd = fround(std);
  for (let at = 0; at < n; at += CHUNK) {
    const len = Math.min(CHUNK, n - at);
    const blocks = Math.ceil(len / BLOCK);
    f32.set(out.subarray(at, at + len), BUF >> 2);
    f32.fill(0, (BUF >> 2) + len, (BUF >> 2) + blocks * BLOCK);
    exports.noise(STATE, BUF, blocks, sd);
    out.set(f32.subarray(BUF >> 2, (BUF >> 2) + len), at);
  }
}

/**
 * Adds N(0, std^2) to every element of `out`, in place. Consumes `rng` deterministically: exactly
 * SEED_WORDS words when std > 0 and out is non-empty, none otherwise (std = 0 leaves out unchanged).
 * The same state in gives the same bits out and the same state after, in any thread and on either
 * path (WebAssembly SIMD where wasmStatus() is ok, JS elsewhere).
 */
export function addGaussianNoise(rng: Rng, out: Float32Array, std: number): void {
  if (getWasm()) addGaussianNoiseWasm(rng, out, std);
  else addGaussianNoiseJs(rng, out, std);
}
