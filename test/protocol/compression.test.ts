// Compression operators: what they keep, what they cost on the wire, and that they contract
// (|C(v) - v| < |v|), which CHOCO-SGD's convergence rests on.
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/rng.js';
import { createCompressor, kthLargest, type CompressionSpec } from '../../src/protocol/compression/index.js';

const dim = 1000;
const scratch = { f32: new Float32Array(dim), mark: new Uint8Array(dim) };

function vector(seed: number): Float32Array {
  const r = createRng(seed, 'v');
  return Float32Array.from({ length: dim }, () => r.normal());
}

function run(spec: CompressionSpec, v: Float32Array, seed = 1): Float32Array {
  const out = new Float32Array(v.length);
  createCompressor(spec).compress(v, out, () => createRng(seed, 'c'), scratch);
  return out;
}

const nnz = (a: Float32Array) => a.reduce((s, x) => s + (x !== 0 ? 1 : 0), 0);
const dist2 = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + (x - b[i]) ** 2, 0);

describe('compression', () => {
  it('kthLargest agrees with sorting', () => {
    for (const seed of [1, 2, 3]) {
      const v = vector(seed).map(Math.abs);
      const sorted = Float32Array.from(v).sort().reverse();
      for (const k of [1, 2, 10, 500, 999, 1000]) expect(kthLargest(Float32Array.from(v), k)).toBe(sorted[k - 1]);
    }
    expect(kthLargest(new Float32Array([2, 2, 2, 2]), 3)).toBe(2);
  });

  it('top-k keeps exactly the k largest magnitudes and costs 8 bytes per kept coordinate', () => {
    const v = vector(4);
    const out = run({ kind: 'top-k', fraction: 0.05 }, v);
    expect(nnz(out)).toBe(50);
    const minKept = Math.min(...Array.from(out).filter((x) => x !== 0).map(Math.abs));
    const maxDropped = Math.max(...Array.from(v).filter((_, i) => out[i] === 0).map(Math.abs));
    expect(minKept).toBeGreaterThanOrEqual(maxDropped);
    out.forEach((x, i) => x !== 0 && expect(x).toBe(v[i]));
    expect(createCompressor({ kind: 'top-k', fraction: 0.05 }).bytes(dim)).toBe(50 * 8);
    // ties: still exactly k
    expect(nnz(run({ kind: 'top-k', fraction: 0.01 }, new Float32Array(dim).fill(1)))).toBe(10);
  });

  it('random-k keeps k coordinates chosen by its seeded stream', () => {
    const v = vector(5);
    const a = run({ kind: 'random-k', fraction: 0.1 }, v, 1);
    expect(nnz(a)).toBe(100);
    expect(run({ kind: 'random-k', fraction: 0.1 }, v, 1)).toEqual(a);
    expect(run({ kind: 'random-k', fraction: 0.1 }, v, 2)).not.toEqual(a);
    expect(nnz(run({ kind: 'random-k', fraction: 0.9 }, v, 1))).toBe(900);
    expect(createCompressor({ kind: 'random-k', fraction: 0.1 }).bytes(dim)).toBe(100 * 4 + 4);
  });

  it('qsgd sends the norm and a sign and level per coordinate', () => {
    expect(createCompressor({ kind: 'qsgd', levels: 16 }).bytes(dim)).toBe(4 + Math.ceil((dim * 6) / 8));
    expect(createCompressor({ kind: 'qsgd', levels: 1 }).bytes(dim)).toBe(4 + Math.ceil((dim * 2) / 8));
    const v = vector(6);
    const out = run({ kind: 'qsgd', levels: 16 }, v);
    // every output is a multiple of the unit |v| / (s tau) with the input's sign
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    const tau = 1 + Math.min(dim / 256, Math.sqrt(dim) / 16);
    out.forEach((x, i) => {
      const level = (x * 16 * tau) / norm;
      expect(Math.abs(level - Math.round(level))).toBeLessThan(1e-3);
      if (x !== 0) expect(Math.sign(x)).toBe(Math.sign(v[i]));
    });
  });

  for (const spec of [
    { kind: 'none' }, { kind: 'top-k', fraction: 0.01 }, { kind: 'random-k', fraction: 0.01 }, { kind: 'qsgd', levels: 4 },
  ] as CompressionSpec[]) {
    it(`${spec.kind} is a contraction: |C(v) - v|^2 <= (1 - delta) |v|^2`, () => {
      const v = vector(7);
      const err = dist2(run(spec, v), v);
      const total = v.reduce((s, x) => s + x * x, 0);
      expect(err).toBeLessThan(total);
      if (spec.kind === 'none') expect(err).toBe(0);
    });
  }
});
