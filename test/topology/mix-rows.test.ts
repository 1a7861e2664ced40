import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../src/rng.js';
import {
  consensusRate,
  createMixing,
  directedExponential,
  erdosRenyi,
  mixRows,
  ring,
  torus,
} from '../../src/topology/index.js';
import type { MixingMatrix } from '../../src/types.js';
import { denseOf } from './fixtures.js';

function randomRows(rng: Rng, n: number, dim: number): Float32Array {
  const x = new Float32Array(n * dim);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  return x;
}

/** Mean over peers of the squared distance to the network average, in float64. */
function consensusDistance(x: Float32Array, n: number, dim: number): number {
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d] += x[i * dim + d] / n;
  let s = 0;
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) s += (x[i * dim + d] - mean[d]) ** 2;
  return s / n;
}

describe('mixRows', () => {
  const W = createMixing(erdosRenyi(50, 0.12, createRng(31)), 'metropolis');
  const dim = 7;
  const src = randomRows(createRng(32), W.n, dim);

  it('equals a dense matrix product on a random graph', () => {
    const dst = new Float32Array(src.length).fill(NaN); // stale contents must not leak through
    mixRows(W, src, dst, dim, 0, W.n);
    const A = denseOf(W);
    for (let i = 0; i < W.n; i++) {
      for (let d = 0; d < dim; d++) {
        let ref = 0;
        for (let j = 0; j < W.n; j++) ref += A[i][j] * src[j * dim + d];
        expect(dst[i * dim + d]).toBeCloseTo(ref, 5);
      }
    }
  });

  it('gives identical output when the rows are split across calls', () => {
    const whole = new Float32Array(src.length);
    mixRows(W, src, whole, dim, 0, W.n);
    const split = new Float32Array(src.length);
    mixRows(W, src, split, dim, 0, 17);
    mixRows(W, src, split, dim, 17, W.n);
    expect(split).toEqual(whole);
  });

  it('touches only the rows it is given', () => {
    const dst = new Float32Array(src.length).fill(-5);
    mixRows(W, src, dst, dim, 10, 20);
    expect(dst.subarray(0, 10 * dim).every((x) => x === -5)).toBe(true);
    expect(dst.subarray(20 * dim).every((x) => x === -5)).toBe(true);
  });

  it('conserves the total mass under column-stochastic (push-sum) weights', () => {
    const P = createMixing(directedExponential(40), 'column-stochastic');
    const x = randomRows(createRng(33), 40, 3);
    const y = new Float32Array(x.length);
    mixRows(P, x, y, 3, 0, 40);
    for (let d = 0; d < 3; d++) {
      let before = 0;
      let after = 0;
      for (let i = 0; i < 40; i++) {
        before += x[i * 3 + d];
        after += y[i * 3 + d];
      }
      expect(after).toBeCloseTo(before, 4);
    }
  });

  const cases: [string, MixingMatrix][] = [
    ['a ring with weights 1/3', createMixing(ring(30, 1), 'uniform')],
    ['a metropolis torus', createMixing(torus(5, 8), 'metropolis')],
  ];
  it.each(cases)('shrinks the consensus distance per step at a rate converging to slem^2 on %s', (_name, M) => {
    const n = M.n;
    const dim = 8;
    const rate = consensusRate(M);
    let x: Float32Array = randomRows(createRng(34), n, dim);
    let y: Float32Array = new Float32Array(x.length);
    let prev = consensusDistance(x, n, dim);
    const ratios: number[] = [];
    // stop while the distance (down 1e-6) is still far above float32 rounding noise
    const steps = Math.ceil(Math.log(1e-6) / Math.log(rate));
    for (let step = 0; step < steps; step++) {
      mixRows(M, x, y, dim, 0, n);
      [x, y] = [y, x];
      const now = consensusDistance(x, n, dim);
      ratios.push(now / prev);
      prev = now;
    }
    expect(ratios.every((r) => r <= 1 + 1e-6)).toBe(true);
    const late = ratios.slice(-10).reduce((s, r) => s + r, 0) / 10;
    expect(Math.abs(late - rate) / rate).toBeLessThan(0.03);
  });
});
