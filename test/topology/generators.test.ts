import { describe, expect, it } from 'vitest';
import { TopologyError } from '../../src/errors.js';
import { createRng } from '../../src/rng.js';
import {
  barabasiAlbert,
  complete,
  components,
  directedExponential,
  directedRing,
  dumbbell,
  edgeCount,
  erdosRenyi,
  maliciousRing,
  ring,
  star,
  torus,
  wattsStrogatz,
} from '../../src/topology/index.js';
import { degreesOf, edgeSet } from './fixtures.js';

describe('complete', () => {
  it('gives every peer the n-1 others', () => {
    const t = complete(7);
    expect(t.directed).toBe(false);
    expect(degreesOf(t)).toEqual(new Array(7).fill(6));
    expect(edgeCount(t)).toBe(21);
  });

  it('is a single isolated peer when n is 1', () => {
    expect(edgeCount(complete(1))).toBe(0);
  });
});

describe('ring', () => {
  it('gives every peer degree 2k', () => {
    for (const [n, k] of [[3, 1], [10, 1], [10, 3], [11, 5], [64, 31]]) {
      const t = ring(n, k);
      expect(degreesOf(t)).toEqual(new Array(n).fill(2 * k));
      expect(edgeCount(t)).toBe(n * k);
    }
  });

  it('links each peer to the k nearest on each side', () => {
    const t = ring(10, 2);
    expect(Array.from(t.neighbors.subarray(t.offsets[0], t.offsets[1]))).toEqual([1, 2, 8, 9]);
  });

  it('rejects a k whose two sides would meet, naming the limit', () => {
    expect(() => ring(64, 40)).toThrow(TopologyError);
    expect(() => ring(64, 40)).toThrow('topology.k: a ring of 64 peers allows k at most 31 (got 40)');
    expect(() => ring(10, 0)).toThrow(TopologyError);
  });
});

describe('torus', () => {
  it('gives every peer 4 neighbours when both sides are at least 3', () => {
    const t = torus(4, 5);
    expect(t.n).toBe(20);
    expect(degreesOf(t)).toEqual(new Array(20).fill(4));
    expect(edgeCount(t)).toBe(40);
  });

  it('wraps around at the edges', () => {
    const t = torus(3, 3);
    expect(Array.from(t.neighbors.subarray(t.offsets[0], t.offsets[1]))).toEqual([1, 2, 3, 6]);
  });

  it('collapses coinciding neighbours when a side is 1 or 2', () => {
    expect(degreesOf(torus(2, 2))).toEqual([2, 2, 2, 2]); // a 4-cycle
    expect(degreesOf(torus(2, 4))).toEqual(new Array(8).fill(3));
    expect(degreesOf(torus(1, 5))).toEqual(new Array(5).fill(2)); // a ring
    expect(degreesOf(torus(1, 2))).toEqual([1, 1]);
    expect(edgeCount(torus(1, 1))).toBe(0);
  });
});

describe('star', () => {
  it('links peer 0 to everyone and nobody else', () => {
    const t = star(6);
    expect(degreesOf(t)).toEqual([5, 1, 1, 1, 1, 1]);
    expect(edgeCount(t)).toBe(5);
  });
});

describe('dumbbell', () => {
  it('is two cliques of n/2 joined by the single edge 0 - (n-1)', () => {
    const t = dumbbell(20);
    expect(edgeCount(t)).toBe(2 * 45 + 1);
    expect(degreesOf(t)).toEqual([10, ...new Array(18).fill(9), 10]);
    const es = new Set(edgeSet(t));
    for (let i = 0; i < 10; i++) for (let j = 10; j < 20; j++) expect(es.has(`${i}-${j}`)).toBe(i === 0 && j === 19);
  });

  it('refuses an odd number of peers', () => {
    expect(() => dumbbell(9)).toThrow(/even number of peers/);
  });
});

describe('malicious ring', () => {
  it('rings g honest peers, gives each two leaves and peer 0 a third (3g+1 peers)', () => {
    const t = maliciousRing(16); // g = 5
    expect(degreesOf(t)).toEqual([5, 4, 4, 4, 4, ...new Array(11).fill(1)]);
    const es = new Set(edgeSet(t));
    for (const e of ['0-1', '1-2', '2-3', '3-4', '0-4', '0-5', '0-10', '0-15', '3-8', '3-13']) expect(es.has(e), e).toBe(true);
    expect(components(t)).toEqual([16]);
  });

  it('refuses a count that is not 3g+1 with g >= 3', () => {
    expect(() => maliciousRing(15)).toThrow(/3g\+1 peers/);
    expect(() => maliciousRing(7)).toThrow(/3g\+1 peers/);
  });
});

describe('erdos-renyi', () => {
  it('has about p * n(n-1)/2 edges', () => {
    const n = 400;
    const p = 0.05;
    const m = edgeCount(erdosRenyi(n, p, createRng(1, 'er')));
    const mean = (p * n * (n - 1)) / 2;
    expect(Math.abs(m - mean)).toBeLessThan(4 * Math.sqrt(mean));
  });

  it('is empty at p = 0 and complete at p = 1', () => {
    expect(edgeCount(erdosRenyi(20, 0, createRng(1)))).toBe(0);
    expect(edgeCount(erdosRenyi(20, 1, createRng(1)))).toBe(190);
  });

  it('rejects a p outside [0, 1]', () => {
    expect(() => erdosRenyi(10, 1.5, createRng(1))).toThrow(/topology\.p/);
  });
});

describe('watts-strogatz', () => {
  it('keeps the ring lattice edge count n*k for every beta', () => {
    for (const beta of [0, 0.1, 0.5, 1]) {
      expect(edgeCount(wattsStrogatz(100, 3, beta, createRng(2, beta)))).toBe(300);
    }
  });

  it('is exactly the ring lattice at beta = 0', () => {
    expect(edgeSet(wattsStrogatz(30, 2, 0, createRng(3)))).toEqual(edgeSet(ring(30, 2)));
  });

  it('rewires about a beta share of the lattice edges', () => {
    const t = wattsStrogatz(500, 2, 0.3, createRng(4));
    const lattice = new Set(edgeSet(ring(500, 2)));
    const kept = edgeSet(t).filter((e) => lattice.has(e)).length / 2;
    expect(kept / 1000).toBeGreaterThan(0.62);
    expect(kept / 1000).toBeLessThan(0.78);
  });
});

describe('barabasi-albert', () => {
  it('has m(m+1)/2 + (n-m-1)m edges and minimum degree m', () => {
    for (const [n, m] of [[50, 1], [200, 3], [6, 5]]) {
      const t = barabasiAlbert(n, m, createRng(5, n));
      expect(edgeCount(t)).toBe((m * (m + 1)) / 2 + (n - m - 1) * m);
      expect(Math.min(...degreesOf(t))).toBe(m);
      expect(components(t)).toEqual([n]);
    }
  });

  it('grows hubs far above the mean degree', () => {
    const t = barabasiAlbert(2000, 2, createRng(6));
    expect(Math.max(...degreesOf(t))).toBeGreaterThan(40);
  });

  it('rejects an m of at least n', () => {
    expect(() => barabasiAlbert(5, 5, createRng(1))).toThrow(/topology\.m/);
  });
});

describe('directed kinds', () => {
  it('directed-ring points each peer at the next one', () => {
    const t = directedRing(5);
    expect(t.directed).toBe(true);
    expect(Array.from(t.neighbors)).toEqual([1, 2, 3, 4, 0]);
    expect(edgeCount(t)).toBe(5);
  });

  it('directed-exponential points i at i + 2^j for 2^j < n', () => {
    const t = directedExponential(10);
    expect(t.directed).toBe(true);
    expect(Array.from(t.neighbors.subarray(t.offsets[0], t.offsets[1]))).toEqual([1, 2, 4, 8]);
    expect(Array.from(t.neighbors.subarray(t.offsets[7], t.offsets[8]))).toEqual([1, 5, 8, 9]);
    expect(degreesOf(t)).toEqual(new Array(10).fill(4));
    expect(degreesOf(directedExponential(9))).toEqual(new Array(9).fill(4));
    expect(degreesOf(directedExponential(2))).toEqual([1, 1]);
  });
});

describe('seeded determinism', () => {
  const random = {
    'erdos-renyi': (seed: number) => erdosRenyi(120, 0.08, createRng(seed, 'topology')),
    'watts-strogatz': (seed: number) => wattsStrogatz(120, 3, 0.3, createRng(seed, 'topology')),
    'barabasi-albert': (seed: number) => barabasiAlbert(120, 2, createRng(seed, 'topology')),
  };
  for (const [kind, make] of Object.entries(random)) {
    it(`${kind} gives the same graph for the same seed and a different one for another seed`, () => {
      expect(edgeSet(make(0))).toEqual(edgeSet(make(0)));
      expect(edgeSet(make(7))).toEqual(edgeSet(make(7)));
      expect(edgeSet(make(0))).not.toEqual(edgeSet(make(1)));
    });
  }
});
