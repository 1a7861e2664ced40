import { describe, expect, it } from 'vitest';
import { TopologyError } from '../../src/errors.js';
import { createRng } from '../../src/rng.js';
import {
  complete,
  consensusRate,
  createMixing,
  directedRing,
  erdosRenyi,
  fromEdges,
  ring,
  spectralGap,
  star,
  torus,
} from '../../src/topology/index.js';
import { denseOf, jacobiEigenvalues, slemFromSpectrum } from './fixtures.js';

/** Ring with k = 1 and weights 1/3: eigenvalues 1/3 + (2/3) cos(2 pi j / n). */
function ringSlem(n: number): number {
  let s = 0;
  for (let j = 1; j < n; j++) s = Math.max(s, Math.abs(1 / 3 + (2 / 3) * Math.cos((2 * Math.PI * j) / n)));
  return s;
}

describe('spectralGap', () => {
  it('matches the closed form of a ring with uniform weights 1/3, exactly for small n', () => {
    for (const n of [3, 4, 5, 10, 31, 100, 300]) {
      const g = spectralGap(createMixing(ring(n, 1), 'uniform'));
      expect(g.exact).toBe(true);
      expect(Math.abs(g.slem - ringSlem(n))).toBeLessThan(1e-9);
      expect(g.gap).toBeCloseTo(1 - g.slem, 15);
    }
  });

  it('is 0 for metropolis on a complete graph, whose W is (1/n) 11^T', () => {
    for (const n of [2, 7, 50]) {
      const g = spectralGap(createMixing(complete(n), 'metropolis'));
      expect(g.slem).toBeLessThan(1e-12);
      expect(g.gap).toBeCloseTo(1, 12);
      expect(g.exact).toBe(true);
    }
  });

  it('agrees with a dense Jacobi eigensolver on random Erdos-Renyi graphs', () => {
    const rng = createRng(2024, 'spectral-test');
    for (let trial = 0; trial < 6; trial++) {
      const n = 40 + rng.int(81);
      const t = erdosRenyi(n, 0.06 + 0.1 * rng.next(), rng);
      for (const rule of ['metropolis', 'uniform'] as const) {
        const W = createMixing(t, rule);
        const expected = slemFromSpectrum(jacobiEigenvalues(denseOf(W)));
        const g = spectralGap(W);
        expect(g.exact).toBe(true);
        expect(Math.abs(g.slem - expected), `n=${n} ${rule}`).toBeLessThan(1e-9);
      }
    }
  });

  it('agrees with Jacobi on tori and stars, where eigenvalues repeat', () => {
    for (const t of [torus(6, 7), torus(2, 9), star(30)]) {
      const W = createMixing(t, 'metropolis');
      expect(Math.abs(spectralGap(W).slem - slemFromSpectrum(jacobiEigenvalues(denseOf(W))))).toBeLessThan(1e-9);
    }
  });

  it('is 1 with no gap for a disconnected graph', () => {
    const t = fromEdges(6, [[0, 1], [1, 2], [3, 4], [4, 5]], false);
    expect(spectralGap(createMixing(t, 'metropolis'))).toEqual({ slem: 1, gap: 0, exact: true });
  });

  it('is 0 for a single peer', () => {
    expect(spectralGap(createMixing(complete(1), 'metropolis'))).toEqual({ slem: 0, gap: 1, exact: true });
  });

  it('estimates a 2,000-peer ring within 1e-3 of the closed form and says it is inexact', () => {
    const g = spectralGap(createMixing(ring(2000, 1), 'uniform'));
    expect(g.exact).toBe(false);
    expect(Math.abs(g.slem - ringSlem(2000))).toBeLessThan(1e-3);
    // Lanczos Ritz values lie inside the spectrum, so the estimate never overshoots
    expect(g.slem).toBeLessThanOrEqual(ringSlem(2000) + 1e-12);
  });

  it('is accurate to 1e-9 on a well-mixing graph just past the exact limit, where it stops once the extremes converge', () => {
    const t = erdosRenyi(350, 0.05, createRng(5));
    const W = createMixing(t, 'metropolis');
    const full = spectralGap(W, { maxIter: 349 }); // complete Krylov space: exact
    const fast = spectralGap(W);
    expect(full.exact).toBe(true);
    expect(fast.exact).toBe(false);
    expect(Math.abs(fast.slem - full.slem)).toBeLessThan(1e-9);
  });

  it('handles a 10,000-peer ring quickly', () => {
    const W = createMixing(ring(10_000, 1), 'uniform');
    const start = performance.now();
    const g = spectralGap(W);
    const ms = performance.now() - start;
    expect(g.exact).toBe(false);
    expect(Math.abs(g.slem - ringSlem(10_000))).toBeLessThan(1e-4);
    // generous bound for loaded CI machines; typically a few hundred ms
    expect(ms).toBeLessThan(4000);
  });

  it('returns a lower bound with exact false when capped below n - 1 steps', () => {
    const W = createMixing(ring(60, 1), 'uniform');
    const g = spectralGap(W, { maxIter: 5 });
    expect(g.exact).toBe(false);
    expect(g.slem).toBeLessThanOrEqual(ringSlem(60) + 1e-12);
  });

  it('refuses a non-symmetric matrix such as push-sum weights', () => {
    expect(() => spectralGap(createMixing(directedRing(5), 'column-stochastic'))).toThrow(TopologyError);
    expect(() => spectralGap(createMixing(star(5), 'column-stochastic'))).toThrow(/not symmetric/);
  });
});

describe('consensusRate', () => {
  it('is slem squared', () => {
    const W = createMixing(ring(12, 1), 'uniform');
    expect(consensusRate(W)).toBeCloseTo(ringSlem(12) ** 2, 12);
  });
});
