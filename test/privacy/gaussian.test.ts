import { describe, expect, it } from 'vitest';
import { Rng, createRng, seedState } from '../../src/rng.js';
import { SEED_WORDS, addGaussianNoise, addGaussianNoiseJs, addGaussianNoiseWasm, gaussianNoisePath } from '../../src/privacy/gaussian.js';

type Noise = (rng: Rng, out: Float32Array, std: number) => void;
const PATHS: [string, Noise][] = [
  ['the JS path', addGaussianNoiseJs],
  ['the wasm path', addGaussianNoiseWasm],
];

/** erfc with fractional error below 1.2e-7 everywhere (Numerical Recipes' erfcc, a Chebyshev fit). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** The standard normal CDF. */
const phi = (x: number) => 0.5 * erfc(-x / Math.SQRT2);

interface Stats {
  n: number;
  mean: number;
  variance: number;
  /** Kolmogorov-Smirnov distance to N(0, 1) */
  ks: number;
  over3: number;
  over4: number;
}

function stats(z: ArrayLike<number>): Stats {
  const n = z.length;
  let s = 0, s2 = 0, over3 = 0, over4 = 0;
  for (let i = 0; i < n; i++) {
    const v = z[i];
    s += v;
    s2 += v * v;
    if (Math.abs(v) > 3) over3++;
    if (Math.abs(v) > 4) over4++;
  }
  const mean = s / n;
  const sorted = Float64Array.from(z).sort();
  let ks = 0;
  for (let i = 0; i < n; i++) {
    const f = phi(sorted[i]);
    ks = Math.max(ks, (i + 1) / n - f, f - i / n);
  }
  return { n, mean, variance: s2 / n - mean * mean, ks, over3: over3 / n, over4: over4 / n };
}

const P3 = 2 * (1 - 0.9986501019683699); // P(|z| > 3)
const P4 = 2 * (1 - 0.9999683287581669); // P(|z| > 4)

/** Each statistic within 5 standard errors of N(0, 1)'s, the KS distance under its 0.1% critical value. */
function normalityFailures(s: Stats): string[] {
  const fails: string[] = [];
  const se = (p: number) => Math.sqrt((p * (1 - p)) / s.n);
  if (Math.abs(s.mean) > 5 / Math.sqrt(s.n)) fails.push(`mean ${s.mean}`);
  if (Math.abs(s.variance - 1) > 5 * Math.sqrt(2 / s.n)) fails.push(`variance ${s.variance}`);
  if (s.ks > 1.95 / Math.sqrt(s.n)) fails.push(`KS distance ${s.ks}`);
  if (Math.abs(s.over3 - P3) > 5 * se(P3)) fails.push(`P(|z| > 3) = ${s.over3}, expected ${P3}`);
  if (Math.abs(s.over4 - P4) > 5 * se(P4)) fails.push(`P(|z| > 4) = ${s.over4}, expected ${P4}`);
  return fails;
}

const rngAt = (seed: number) => new Rng(seedState(seed));
const copyOf = (rng: Rng) => new Rng(rng.state.slice(rng.offset, rng.offset + 4));
const sameBits = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

function noiseOf(fn: Noise, seed: number, n: number, std = 1): { out: Float32Array; state: Uint32Array } {
  const rng = rngAt(seed);
  const out = new Float32Array(n);
  fn(rng, out, std);
  return { out, state: rng.state.slice() };
}

describe('the normality checks of this file', () => {
  it('compute the normal CDF to 1e-7', () => {
    expect(Math.abs(phi(0) - 0.5)).toBeLessThan(1e-7);
    expect(Math.abs(phi(1) - 0.8413447460685429)).toBeLessThan(1e-7);
    expect(Math.abs(phi(-1.96) - 0.024997895148220435)).toBeLessThan(1e-7);
    expect(Math.abs(phi(3) - 0.9986501019683699)).toBeLessThan(1e-7);
    expect(Math.abs(phi(-4) - 3.167124183311998e-5)).toBeLessThan(1e-9);
  });

  it('reject noise 2% too wide, or a sum of 12 uniforms (light tails)', () => {
    const rng = createRng(3, 'reference');
    const n = 1_000_000;
    const wide = new Float64Array(n).map(() => 1.02 * rng.normal());
    const irwinHall = new Float64Array(n).map(() => {
      let s = -6;
      for (let k = 0; k < 12; k++) s += rng.next();
      return s;
    });
    const reference = new Float64Array(n).map(() => rng.normal());
    expect(normalityFailures(stats(reference))).toEqual([]);
    expect(normalityFailures(stats(wide)).join()).toMatch(/variance/);
    expect(normalityFailures(stats(irwinHall)).join()).toMatch(/P\(\|z\| > 4\)/);
  });
});

describe('addGaussianNoise', () => {
  it('takes the WebAssembly path in Node', () => {
    expect(gaussianNoisePath()).toBe('wasm');
  });

  it('gives the same bits on the JS and wasm paths, for lengths on and off multiples of 4, 8 and 16', () => {
    const lengths = [...Array.from({ length: 40 }, (_, i) => i + 1), 63, 65, 127, 8191, 8192, 8193, 16385, 101770];
    for (const n of lengths) {
      for (const std of [1, 0.37, 1e-30]) {
        const js = noiseOf(addGaussianNoiseJs, n, n, std);
        const wasm = noiseOf(addGaussianNoiseWasm, n, n, std);
        expect(sameBits(js.out, wasm.out), `length ${n}, std ${std}`).toBe(true);
        expect(js.state).toEqual(wasm.state);
      }
    }
  });

  it('keeps the stream it was pinned to (a change of algorithm must be deliberate)', () => {
    const { out } = noiseOf(addGaussianNoise, 42, 9);
    expect(Array.from(out)).toMatchInlineSnapshot(`
      [
        -0.5535914301872253,
        -0.5682551860809326,
        0.8966004848480225,
        0.5816417336463928,
        -0.20692530274391174,
        -1.4716517925262451,
        -0.4549310803413391,
        -1.1333523988723755,
        1.7542141675949097,
      ]
    `);
  });

  it.each(PATHS)('is deterministic on %s: same state in, same bits and same state out; another state, other bits', (_, fn) => {
    const a = noiseOf(fn, 7, 1001);
    const b = noiseOf(fn, 7, 1001);
    const c = noiseOf(fn, 8, 1001);
    expect(sameBits(a.out, b.out)).toBe(true);
    expect(a.state).toEqual(b.state);
    expect(sameBits(a.out, c.out)).toBe(false);
    let equal = 0;
    for (let i = 0; i < 1001; i++) if (a.out[i] === c.out[i]) equal++;
    expect(equal).toBe(0);
  });

  it.each(PATHS)('consumes exactly SEED_WORDS words of the stream on %s, whatever the length', (_, fn) => {
    for (const n of [1, 8, 100_000]) {
      const rng = rngAt(11);
      const ref = copyOf(rng);
      fn(rng, new Float32Array(n), 2);
      for (let k = 0; k < SEED_WORDS; k++) ref.nextUint32();
      expect(rng.state).toEqual(ref.state);
    }
  });

  it('reads and advances a stream that lives in shared memory at an offset, like one with its own array', () => {
    const shared = new Uint32Array(new SharedArrayBuffer(64));
    shared.set(seedState(5), 8);
    const inShared = new Rng(shared, 8);
    const own = rngAt(5);
    const a = new Float32Array(777);
    const b = new Float32Array(777);
    addGaussianNoise(inShared, a, 1);
    addGaussianNoise(own, b, 1);
    expect(sameBits(a, b)).toBe(true);
    expect(shared.slice(8, 12)).toEqual(own.state);
    expect(shared[7]).toBe(0);
    expect(shared[12]).toBe(0);
  });

  it.each(PATHS)('adds to a view on shared memory at an offset on %s as to a plain array', (_, fn) => {
    const shared = new Float32Array(new SharedArrayBuffer(4 * 1100), 4 * 37, 1003);
    shared.fill(0.25);
    const plain = new Float32Array(1003).fill(0.25);
    fn(rngAt(37), shared, 3);
    fn(rngAt(37), plain, 3);
    expect(sameBits(shared, plain)).toBe(true);
    expect(new Float32Array(shared.buffer)[36]).toBe(0);
    expect(new Float32Array(shared.buffer)[37 + 1003]).toBe(0);
  });

  it('gives each element the same value whatever the length (a shorter call is a prefix of a longer one)', () => {
    const long = noiseOf(addGaussianNoise, 9, 20_000).out;
    for (const n of [1, 5, 13, 8199]) expect(sameBits(noiseOf(addGaussianNoise, 9, n).out, long.subarray(0, n))).toBe(true);
  });

  it.each(PATHS)('adds in place on %s: the result is the input plus the noise added to zeros', (_, fn) => {
    const base = Float32Array.from({ length: 5003 }, (_, i) => Math.sin(i) * 10);
    const out = base.slice();
    fn(rngAt(13), out, 0.5);
    const noise = noiseOf(fn, 13, 5003, 0.5).out;
    const expected = base.map((x, i) => x + noise[i]);
    expect(sameBits(out, expected)).toBe(true);
  });

  it.each(PATHS)('leaves the array and the stream alone on %s when std is 0, and rejects a negative std or one infinite as a float32', (_, fn) => {
    const rng = rngAt(17);
    const before = rng.state.slice();
    const out = Float32Array.from([1, -2, 3]);
    fn(rng, out, 0);
    expect(Array.from(out)).toEqual([1, -2, 3]);
    expect(rng.state).toEqual(before);
    fn(rng, new Float32Array(0), 1);
    expect(rng.state).toEqual(before);
    for (const bad of [-1, NaN, Infinity, 1e39]) expect(() => fn(rng, out, bad)).toThrow(RangeError);
    expect(rng.state).toEqual(before);
  });

  it('scales with std: twice the std is exactly twice the noise, 0.3 within float32 rounding', () => {
    const unit = noiseOf(addGaussianNoise, 19, 10_000, 1).out;
    const double = noiseOf(addGaussianNoise, 19, 10_000, 2).out;
    const small = noiseOf(addGaussianNoise, 19, 10_000, 0.3).out;
    expect(sameBits(double, unit.map((x) => 2 * x))).toBe(true);
    for (let i = 0; i < unit.length; i++) expect(Math.abs(small[i] - 0.3 * unit[i])).toBeLessThanOrEqual(3e-7 * Math.abs(small[i]) + 1e-38);
  });

  it.each(PATHS)('draws N(0, 1) on %s: mean, variance, KS distance and tails within their errors over 2e6 samples', (_, fn) => {
    // 2,000 calls of 1,000 (a DP step's noise comes one call per step), each seeded by the stream
    const rng = createRng(23, 'normality');
    const z = new Float32Array(2_000_000);
    for (let at = 0; at < z.length; at += 1000) fn(rng, z.subarray(at, at + 1000), 1);
    expect(normalityFailures(stats(z))).toEqual([]);
  });

  it('draws N(0, std^2) for W1-sized calls with std 1.1, the lanes and neighbours uncorrelated', () => {
    const rng = createRng(29, 'w1');
    const n = 101770;
    const z = new Float32Array(10 * n);
    for (let k = 0; k < 10; k++) addGaussianNoise(rng, z.subarray(k * n, (k + 1) * n), 1.1);
    expect(normalityFailures(stats(z.map((x) => x / 1.1)))).toEqual([]);
    // the pair of one Box-Muller draw (i, i + 4), neighbouring lanes (i, i + 1) and one call to the next (i, i + n)
    for (const lag of [1, 4, 8, n]) {
      let sxy = 0;
      for (let i = 0; i + lag < z.length; i++) sxy += z[i] * z[i + lag];
      const corr = sxy / (z.length - lag) / 1.21;
      expect(Math.abs(corr), `lag ${lag}`).toBeLessThan(5 / Math.sqrt(z.length));
    }
  });

  it('never exceeds the radius a 31-bit uniform allows (|z| < 6.56 std) and reaches beyond 5 std', () => {
    const rng = createRng(31, 'tails');
    const z = new Float32Array(1 << 24);
    addGaussianNoise(rng, z, 1);
    let max = 0;
    for (let i = 0; i < z.length; i++) max = Math.max(max, Math.abs(z[i]));
    expect(max).toBeLessThan(Math.sqrt(-2 * Math.log(2 ** -31)));
    expect(max).toBeGreaterThan(5);
  });
});
